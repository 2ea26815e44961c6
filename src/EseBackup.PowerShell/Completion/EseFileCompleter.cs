using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using EseBackup.Core.Format;

namespace EseBackup.PowerShell.Completion
{
    /// <summary>
    /// Completes folders and the ESE files in them that the command reads, recognised by content
    /// (<see cref="EseFileDetector"/>), not by extension: databases for Get-EseDatabaseInfo, Test-EseDatabase,
    /// Backup-EseDatabase and Start-EseExternalBackup; logs with a header for Get-EseLogFile; checkpoints for Get-EseCheckpoint;
    /// any ESE file for other commands. Folders are always offered: every one of these commands also takes a folder.
    /// </summary>
    public sealed class EseFileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var completion = PathCompletion.Parse(wordToComplete, parameterName);
            var wanted = KindsFor(commandName);
            foreach (var folder in completion.Directories())
                yield return completion.Result(folder, isFolder: true, folder);
            foreach (var file in completion.Files())
            {
                var kind = EseFileDetector.Detect(file);
                if (Array.IndexOf(wanted, kind) >= 0)
                    yield return completion.Result(file, isFolder: false, $"ESE {Describe(kind)}: {file}");
            }
        }

        /// <summary>The file kinds a command reads; its module-qualified name (EseBackup\Get-EseLogFile) works too.</summary>
        internal static EseFileKind[] KindsFor(string? commandName)
        {
            var name = commandName ?? string.Empty;
            int slash = name.LastIndexOf('\\');
            if (slash >= 0) name = name.Substring(slash + 1);
            switch (name.ToLowerInvariant())
            {
                case "get-esedatabaseinfo":
                case "test-esedatabase":
                case "backup-esedatabase":
                case "start-eseexternalbackup":
                    return new[] { EseFileKind.Database };
                case "get-eselogfile":
                    // A zero-filled reserve log has no header to read; Get-EseLogFile lists those only for a folder.
                    return new[] { EseFileKind.Log };
                case "get-esecheckpoint":
                    return new[] { EseFileKind.Checkpoint };
                default:
                    return new[] { EseFileKind.Database, EseFileKind.Log, EseFileKind.ReserveLog, EseFileKind.Checkpoint };
            }
        }

        private static string Describe(EseFileKind kind) =>
            kind == EseFileKind.ReserveLog ? "reserve log" : kind.ToString().ToLowerInvariant();
    }
}
