using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>Stages that name what to back up: -Path (wildcards) or -LiteralPath, one folder or database file(s).</summary>
    public abstract class BackupPathCmdlet : BackupSessionCmdlet
    {
        private readonly List<string> _paths = new List<string>();

        /// <summary>A database folder, or one or more database files. Wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.EseFileCompleter))]
        public string[] Path { get; set; } = new string[0];

        /// <summary>Like -Path, without wildcard expansion.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.EseFileCompleter))]
        public string[] LiteralPath { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            if (ParameterSetName != "Path" && ParameterSetName != "LiteralPath") return;
            var literal = ParameterSetName == "LiteralPath";
            foreach (var p in literal ? LiteralPath : Path)
                _paths.AddRange(ResolveExistingPaths(p, literal));
        }

        /// <summary>The resolved paths, checked to be one folder or only files; null (error written) otherwise.</summary>
        protected IReadOnlyList<string>? CollectedPaths()
        {
            var distinct = _paths.Distinct().ToList();
            if (distinct.Count == 0) return null;
            if (distinct.Count > 1 && distinct.Any(Directory.Exists))
            {
                WriteError(new ErrorRecord(
                    new System.ArgumentException($"Name either one database folder or database files, not several folders ({string.Join(", ", distinct)})."),
                    "AmbiguousBackupSource", ErrorCategory.InvalidArgument, distinct));
                return null;
            }
            return distinct;
        }
    }
}
