using System;
using EseBackup.Core.BackupSets.Stores;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// The entry point the module registers with <see cref="BackupStores"/> (it finds this type by name, so that
    /// nothing of Azure loads before a URL is named). Opening is cheap: no request is made until the store is used.
    /// </summary>
    public static class AzureBlobStoreFactory
    {
        /// <summary>The store at a container URL (its query may be a SAS), or null when the URL names no blob container.</summary>
        public static IBackupStore? Create(Uri location, BackupStoreCredentials credentials)
        {
            if (location == null) throw new ArgumentNullException(nameof(location));
            var text = location.OriginalString;
            if (!AzureBlobLocation.TryParse(text, out _)) return null;
            // A user-assigned managed identity is named by AZURE_CLIENT_ID, as for the SDK's own credentials.
            return new AzureBlobBackupStore(text, new AzureBlobStoreOptions { ConnectionString = credentials?.ConnectionString });
        }
    }
}
