using System;

namespace EseBackup.Stores.Azure
{
    /// <summary>How to reach and use a container: the credential (when the URL carries no SAS) and transfer sizes.</summary>
    public sealed class AzureBlobStoreOptions
    {
        /// <summary>The environment variable Azure CLI and the SDK samples read a connection string from.</summary>
        public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

        /// <summary>A storage connection string (a secret); used when the URL has no SAS.</summary>
        public string? ConnectionString { get; set; }

        /// <summary>The client id of a user-assigned managed identity; null for the system-assigned one (or AZURE_CLIENT_ID).</summary>
        public string? ManagedIdentityClientId { get; set; }

        /// <summary>Create the container when it is missing (a backup does; a read never does).</summary>
        public bool CreateContainer { get; set; } = true;

        /// <summary>How long a lease lives without renewal (15 to 60 s): how soon a killed holder's lease is stale.</summary>
        public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Size of a staged block and of a ranged read.</summary>
        public int BlockSize { get; set; } = 8 * 1024 * 1024;

        /// <summary>Blocks of one file staged at the same time; the upload holds this many buffers plus one.</summary>
        public int UploadConcurrency { get; set; } = 4;

        /// <summary>Ranges of one file read ahead at the same time; the download holds this many buffers.</summary>
        public int DownloadConcurrency { get; set; } = 4;

        /// <summary>Attempts after the first for a request that failed transiently (the SDK's exponential backoff).</summary>
        public int MaxRetries { get; set; } = 6;

        internal void Validate()
        {
            if (LeaseDuration < TimeSpan.FromSeconds(15) || LeaseDuration > TimeSpan.FromSeconds(60))
                throw new ArgumentOutOfRangeException(nameof(LeaseDuration), "A blob lease lasts 15 to 60 seconds.");
            if (BlockSize < 64 * 1024 || BlockSize > 256 * 1024 * 1024)
                throw new ArgumentOutOfRangeException(nameof(BlockSize), "A block is 64 KiB to 256 MiB.");
            if (UploadConcurrency < 1 || UploadConcurrency > 64) throw new ArgumentOutOfRangeException(nameof(UploadConcurrency));
            if (DownloadConcurrency < 1 || DownloadConcurrency > 64) throw new ArgumentOutOfRangeException(nameof(DownloadConcurrency));
            if (MaxRetries < 0 || MaxRetries > 20) throw new ArgumentOutOfRangeException(nameof(MaxRetries));
        }
    }
}
