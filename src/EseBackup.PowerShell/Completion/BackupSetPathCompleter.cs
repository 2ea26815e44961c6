using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using EseBackup.Core.BackupSets;

namespace EseBackup.PowerShell.Completion
{
    /// <summary>
    /// Completes backup set folders for -Path of the set-taking cmdlets (Test-EseBackup, Restore-EseBackup,
    /// Get-EseBackupSet, Remove-EseBackupSet): set folders under the folder typed so far first (complete sets
    /// with a manifest.json, then folders named like sets whose manifest is missing), newest first, then the
    /// other folders so the user can walk down to a destination.
    /// </summary>
    public sealed class BackupSetPathCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var completion = PathCompletion.Parse(wordToComplete, parameterName);
            var sets = new List<string>();
            var others = new List<string>();
            foreach (var folder in completion.Directories())
            {
                if (IsSetFolder(folder)) sets.Add(folder);
                else others.Add(folder);
            }
            // Set names start with their UTC start time: newest first is descending by what the name says (either form).
            foreach (var set in sets.OrderByDescending(s => Path.GetFileName(s), SetFolderName.Comparer))
                yield return completion.Result(set, isFolder: true, Describe(set));
            foreach (var folder in others)
                yield return completion.Result(folder, isFolder: true, folder);
        }

        internal static bool IsSetFolder(string folder) =>
            File.Exists(Path.Combine(folder, BackupManifest.FileName)) || BackupSetWriter.LooksLikeSetName(Path.GetFileName(folder));

        private static string Describe(string folder) =>
            File.Exists(Path.Combine(folder, BackupManifest.FileName))
                ? $"Backup set {folder}"
                : $"Backup set {folder} (no manifest.json: incomplete)";
    }
}
