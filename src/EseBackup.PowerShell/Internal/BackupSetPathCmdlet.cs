using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// A cmdlet that takes backup sets, or folders holding them, by -Path (wildcards) or -LiteralPath;
    /// sets from Get-EseBackupSet bind by their Path property. Tab completes set folders newest first.
    /// </summary>
    public abstract class BackupSetPathCmdlet : EseCmdlet
    {
        protected const string PathSet = "Path";

        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.BackupSetPathCompleter))]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias(PathAlias.PSPath, PathAlias.FullName, PathAlias.LP)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.BackupSetPathCompleter))]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The resolved file-system paths of this pipeline record (a path naming nothing is a failed item).</summary>
        protected IEnumerable<string> InputPaths() => ResolvePathParameters(Path, LiteralPath);

        /// <summary>The path is a folder; otherwise a failed item saying what to name instead.</summary>
        protected bool IsFolderItem(string path, string what)
        {
            if (Directory.Exists(path)) return true;
            BeginItem();
            FailItem(new ErrorRecord(new ArgumentException($"'{path}' is not a folder: name {what}."), "NotABackupSetFolder", ErrorCategory.InvalidArgument, path));
            return false;
        }
    }
}
