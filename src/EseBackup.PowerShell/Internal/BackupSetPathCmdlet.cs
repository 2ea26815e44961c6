using System;
using System.Collections.Generic;
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
        protected const string LiteralSet = "LiteralPath";

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

        /// <summary>The resolved file-system paths of this pipeline record.</summary>
        protected IEnumerable<string> InputPaths() =>
            ResolveInputPaths(ParameterSetName == PathSet ? Path : null, ParameterSetName == LiteralSet ? LiteralPath : null);
    }
}
