using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseLogFile: transaction log headers (eseutil /ml); a folder gives the sequence sorted by generation, with its gaps.</summary>
    [Cmdlet(VerbsCommon.Get, "EseLogFile", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Get-EseLogFile.md")]
    [OutputType(typeof(LogFileHeader))]
    public sealed class GetEseLogFileCommand : EsePathCmdlet
    {

        /// <summary>Only logs of this base name (edb, E00...) when reading a folder.</summary>
        [Parameter]
        [ValidateLength(3, 3)]
        public string? BaseName { get; set; }

        /// <summary>Also list zero-filled reserve logs and the temp log.</summary>
        [Parameter]
        public SwitchParameter IncludeReserve { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                if (Directory.Exists(path)) ReadFolder(path);
                else ReadFile(path);
            }
        }

        void ReadFile(string path) => ReadEach(path, "InvalidLogFile", () => WriteObject(LogFileHeader.Read(path)));

        void ReadFolder(string folder)
        {
            BeginItem();
            var baseNames = BaseName != null ? new[] { BaseName } : LogSequence.FindBaseNames(folder).ToArray();
            if (baseNames.Length == 0)
            {
                FailItem(new ErrorRecord(new FileNotFoundException($"The folder '{folder}' holds no ESE transaction logs (*.log, *.jtx)."), "NoLogsInFolder", ErrorCategory.ObjectNotFound, folder));
                return;
            }
            foreach (var baseName in baseNames)
            {
                var sequence = LogSequence.Scan(folder, baseName);
                // An unreadable log is a finding about the folder, which was read: non-terminating.
                foreach (var bad in sequence.Unreadable) WriteError(ToErrorRecord(bad, "InvalidLogFile", bad.FilePath));
                foreach (var gap in sequence.Gaps)
                    WriteWarning($"'{folder}': log generation{(gap.Count == 1 ? "" : "s")} {gap} of base name '{baseName}' {(gap.Count == 1 ? "is" : "are")} missing: the sequence {sequence.LowGeneration}-{sequence.HighGeneration} has a gap, so recovery cannot replay across it.");
                WriteObject(sequence.Logs, enumerateCollection: true);
                if (IncludeReserve) WriteObject(sequence.TempAndReserveLogs, enumerateCollection: true);
            }
        }
    }
}
