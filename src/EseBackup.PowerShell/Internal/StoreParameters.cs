using EseBackup.Core.BackupSets.Stores;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>What the store parameters (-ConnectionString beside a container URL) become for the core.</summary>
    internal static class StoreParameters
    {
        public static BackupStoreCredentials? Credentials(string? connectionString) =>
            string.IsNullOrEmpty(connectionString) ? null : new BackupStoreCredentials { ConnectionString = connectionString };

        /// <summary>A location as messages, -WhatIf texts and error targets show it: a URL without its query (a SAS), a path as it is.</summary>
        public static string Shown(string location) => BackupStores.Redact(location);
    }
}
