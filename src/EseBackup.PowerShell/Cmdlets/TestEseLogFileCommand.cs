using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>
    /// Test-EseLogFile: verifies transaction logs as the engine does before a backup or a replay (eseutil /ml): the
    /// header, every segment, and the link between adjacent generations.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EseLogFile", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Test-EseLogFile.md")]
    [OutputType(typeof(LogFileCheck))]
    public sealed class TestEseLogFileCommand : EsePathCmdlet
    {
        readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Files in pipeline order; verified in EndProcessing, in generation order, so each is linked to the one before.</summary>
        readonly List<string> _files = new List<string>();

        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                if (Directory.Exists(path))
                    _files.AddRange(FilesOf(path, IsLogWithContent, "ESE transaction logs (*.log, *.jtx)", "NoLogsInFolder"));
                else
                    _files.Add(path);
            }
        }

        protected override void EndProcessing()
        {
            var progress = new ProgressWriter(this, "Verifying transaction logs");
            int index = 0;
            try
            {
                LogVerifier.VerifyFiles(_files, check =>
                    {
                        index++;
                        BeginItem();
                        foreach (var problem in check.Problems)
                            WriteProblem(new ErrorRecord(new EseFormatException(problem.Path, FormatProblemOf(problem.Kind), problem.Message),
                                "Log" + problem.Kind, problem.Kind == LogProblemKind.Unreadable ? ErrorCategory.ReadError : ErrorCategory.InvalidData, problem));
                        WriteObject(check);
                        // The failure contract (EseCmdlet): one log that fails verification throws, carrying its check.
                        if (check.Problems.Count > 0)
                            FailItem(new ErrorRecord(new EseFormatException(check.Path, FormatProblemOf(check.Problems[0].Kind),
                                    $"'{check.Path}' failed verification with {check.Problems.Count} problem(s); the first: {check.Problems[0].Message}"),
                                "LogVerificationFailed", ErrorCategory.InvalidData, check));
                    },
                    (path, bytes) =>
                    {
                        // At most four updates a second (ProgressWriter), however many (small) logs go by.
                        progress.Report($"{System.IO.Path.GetFileName(path)}: {bytes / 1048576} MiB ({index + 1} of {_files.Count})", index, _files.Count);
                    },
                    _stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: PowerShell is already stopping the pipeline.
            }
            finally
            {
                progress.Complete();
            }
            base.EndProcessing();
        }

        /// <summary>In a folder: current, archived and temp logs; not reserve logs nor a temp log the engine has not written (all zero).</summary>
        static bool IsLogWithContent(string file)
        {
            if (!LogFileName.TryParse(file, out var name) || name!.Kind == LogFileKind.Reserve) return false;
            if (name.Kind != LogFileKind.Temp) return true;
            try
            {
                return !LogFileHeader.Read(file).IsZeroFilled;
            }
            catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return true; // reported when it is verified
            }
        }

        static EseFormatProblem FormatProblemOf(LogProblemKind kind) => kind switch
        {
            LogProblemKind.BadHeader => EseFormatProblem.BadHeaderChecksum,
            LogProblemKind.BadSegment => EseFormatProblem.BadPageChecksum,
            LogProblemKind.Truncated => EseFormatProblem.Truncated,
            _ => EseFormatProblem.Inconsistent,
        };

        protected override void StopProcessing() => _stop.Cancel();
    }
}
