using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.BackupSets.Stores;

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

        /// <summary>For sets at a container URL: an Azure Storage connection string (else a SAS in the URL, AZURE_STORAGE_CONNECTION_STRING or Microsoft Entra ID).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ConnectionString { get; set; }

        /// <summary>What -ConnectionString says, for the store (null when not given).</summary>
        protected BackupStoreCredentials? Credentials => StoreParameters.Credentials(ConnectionString);

        /// <summary>
        /// The resolved file-system paths of this pipeline record (a path naming nothing is a failed item), and the
        /// container URLs as given (a URL is never a provider path).
        /// </summary>
        protected IEnumerable<string> InputPaths()
        {
            var urls = Path.Concat(LiteralPath).Where(BackupStores.IsUrl).Select(u => u.Trim()).ToList();
            var paths = Path.Where(p => !BackupStores.IsUrl(p)).ToArray();
            var literal = LiteralPath.Where(p => !BackupStores.IsUrl(p)).ToArray();
            var resolved = urls.Count > 0 && paths.Length + literal.Length == 0 ? Array.Empty<string>() : ResolvePathParameters(paths, literal);
            return urls.Concat(resolved).Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>The path is a folder (or a container URL); otherwise a failed item saying what to name instead.</summary>
        protected bool IsFolderItem(string path, string what)
        {
            if (BackupStores.IsUrl(path) || Directory.Exists(path)) return true;
            BeginItem();
            FailItem(new ErrorRecord(new ArgumentException($"'{path}' is not a folder: name {what}."), "NotABackupSetFolder", ErrorCategory.InvalidArgument, path));
            return false;
        }
    }
}
