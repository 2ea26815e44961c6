using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.BackupSets.Stores;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Stages that name what to back up: -Path (wildcards) or -LiteralPath. Each folder, given or piped, is its
    /// own backup (its own session and set); the database files of one pipeline record together are one
    /// backup. Each backup is an item of the failure contract (EseCmdlet).
    /// </summary>
    public abstract class BackupPathCmdlet : BackupSessionCmdlet
    {
        protected const string PathSet = "Path";
        protected const string InstanceSet = "Instance";

        /// <summary>A database folder, or one or more database files. Wildcards allowed.</summary>
        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.EseFileCompleter))]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Like -Path, without wildcard expansion.</summary>
        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias(PathAlias.PSPath, PathAlias.FullName, PathAlias.LP)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseBackup.PowerShell.Completion.EseFileCompleter))]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>For a container URL: an Azure Storage connection string (else a SAS in the URL, AZURE_STORAGE_CONNECTION_STRING or Microsoft Entra ID).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ConnectionString { get; set; }

        /// <summary>
        /// The store a -Destination names (a folder, or a container URL opened with -ConnectionString), and how
        /// messages show it (a URL without its query).
        /// </summary>
        protected IBackupStore OpenDestination(string destination, out string shown)
        {
            shown = StoreParameters.Shown(destination);
            return BackupStores.Open(destination, StoreParameters.Credentials(ConnectionString));
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InstanceSet)
            {
                BeginItem();
                BackUpOne(Array.Empty<string>(), fromInstance: true);
                return;
            }
            foreach (var source in SourcesOfRecord())
            {
                if (Stopping) return;
                BeginItem();
                BackUpOne(source, fromInstance: false);
            }
        }

        /// <summary>One backup: a folder, or database files that go into one set (empty for -Instance).</summary>
        protected abstract void BackUpOne(IReadOnlyList<string> paths, bool fromInstance);

        /// <summary>This record's backups: each folder alone, then its files together.</summary>
        private IEnumerable<IReadOnlyList<string>> SourcesOfRecord()
        {
            var resolved = ResolvePathParameters(Path, LiteralPath)
                .Distinct(StringComparer.Ordinal).ToList();
            foreach (var folder in resolved.Where(Directory.Exists)) yield return new[] { folder };
            var files = resolved.Where(p => !Directory.Exists(p)).ToList();
            if (files.Count > 0) yield return files;
        }

        /// <summary>What a backup is of, for messages: the instance, or the folder / files.</summary>
        protected string Describe(IReadOnlyList<string> paths, object? instance, bool fromInstance) =>
            fromInstance ? $"ESE instance {instance}" : string.Join(", ", paths);
    }
}
