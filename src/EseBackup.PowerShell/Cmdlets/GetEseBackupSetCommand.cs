using System;
using System.IO;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseBackupSet: the backup sets in a folder (complete and incomplete), newest first.</summary>
    [Cmdlet(VerbsCommon.Get, "EseBackupSet", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(BackupSetInfo))]
    public sealed class GetEseBackupSetCommand : EseCmdlet
    {
        const string PathSet = "Path";
        const string LiteralSet = "LiteralPath";

        /// <summary>A folder holding backup sets (a backup destination), or one set folder. Wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.BackupSetPathCompleter))]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.BackupSetPathCompleter))]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            foreach (var path in ResolveInputPaths(ParameterSetName == PathSet ? Path : null, ParameterSetName == LiteralSet ? LiteralPath : null))
            {
                if (!Directory.Exists(path))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{path}' is not a folder: name a backup destination folder or a backup set folder."),
                        "NotABackupSetFolder", ErrorCategory.InvalidArgument, path));
                    continue;
                }
                try
                {
                    foreach (var set in BackupSetInfo.List(path)) WriteObject(set);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteEngineError(ex, "BackupSetListFailed", path);
                }
            }
        }
    }
}
