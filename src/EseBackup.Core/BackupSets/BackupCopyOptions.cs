using System;
using System.IO;

namespace EseBackup.Core.BackupSets
{
    /// <summary>How files are copied into a backup set.</summary>
    public sealed class BackupCopyOptions
    {
        public const int DefaultChunkSize = 4 * 1024 * 1024;

        /// <summary>Bytes read per call; a multiple of every ESE page size (32 KiB) between 128 KiB and 64 MiB (the engine refuses a first read of fewer than three 32 KiB pages).</summary>
        public int ChunkSize
        {
            get => _chunkSize;
            set
            {
                if (value < 128 * 1024 || value > 64 * 1024 * 1024 || value % (32 * 1024) != 0)
                    throw new ArgumentOutOfRangeException(nameof(ChunkSize), value, "The chunk size must be a multiple of 32 KiB between 128 KiB and 64 MiB (the engine refuses a first read of fewer than three 32 KiB pages).");
                _chunkSize = value;
            }
        }
        private int _chunkSize = DefaultChunkSize;

        /// <summary>Upper bound on the copy rate in MB/s (10^6 bytes); 0 means no limit.</summary>
        public double ThrottleMBps
        {
            get => _throttle;
            set
            {
                if (value < 0 || double.IsNaN(value) || double.IsInfinity(value))
                    throw new ArgumentOutOfRangeException(nameof(ThrottleMBps), value, "The throttle must be 0 (no limit) or a positive number of MB/s.");
                _throttle = value;
            }
        }
        private double _throttle;

        /// <summary>Called after every chunk and every file.</summary>
        public IProgress<BackupProgress>? Progress { get; set; }

        /// <summary>Opens a file of a folder store's set for writing (a seam for fault injection: disk full, read-only media); null for the store's own.</summary>
        internal Func<string, Stream>? CreateFile { get; set; }
    }

    /// <summary>Where a backup copy stands.</summary>
    public sealed class BackupProgress
    {
        public BackupProgress(string currentFile, long currentFileBytes, long currentFileSize, long bytesDone, int filesDone, int filesKnown, long bytesKnown, long bytesTotal = -1, int filesTotal = -1)
        {
            BytesTotal = bytesTotal;
            FilesTotal = filesTotal;
            CurrentFile = currentFile;
            CurrentFileBytes = currentFileBytes;
            CurrentFileSize = currentFileSize;
            BytesDone = bytesDone;
            FilesDone = filesDone;
            FilesKnown = filesKnown;
            BytesKnown = bytesKnown;
        }

        public string CurrentFile { get; }
        public long CurrentFileBytes { get; }
        public long CurrentFileSize { get; }

        /// <summary>Bytes copied into the set so far, over all files.</summary>
        public long BytesDone { get; }

        public int FilesDone { get; }

        /// <summary>Files named so far (databases after the attach info; plus logs after the log info).</summary>
        public int FilesKnown { get; }

        /// <summary>Sum of the sizes of the files opened so far plus those already copied.</summary>
        public long BytesKnown { get; }

        /// <summary>Total bytes the backup will copy when the source knows it up front (a snapshot), else −1.</summary>
        public long BytesTotal { get; }

        /// <summary>Total files the backup will copy when the source knows it up front, else −1.</summary>
        public int FilesTotal { get; }

        /// <summary>0–100 when the total is known, else −1.</summary>
        public int PercentComplete => BytesTotal > 0 ? (int)Math.Min(100, BytesDone * 100 / BytesTotal) : -1;
    }

    /// <summary>Writing the backup set failed (disk full, read-only or missing destination). The session was aborted.</summary>
    public sealed class BackupDestinationException : IOException
    {
        public BackupDestinationException(string message, string path, Exception inner) : base(message, inner)
        {
            Path = path;
            HResult = inner.HResult;
        }

        /// <summary>The file or folder that could not be written.</summary>
        public string Path { get; }
    }
}
