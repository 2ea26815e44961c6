using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Sources
{
    /// <summary>The few header facts a snapshot backup needs about a database.</summary>
    internal sealed class DatabaseFacts
    {
        public string Path { get; set; } = "";
        public int PageSize { get; set; }
        public long RequiredLogLow { get; set; }
        public long RequiredLogHigh { get; set; }
        public long LastBackupHighGeneration { get; set; }
        public EseSignature? LogSignature { get; set; }
    }

    /// <summary>Reads what SnapshotSource needs from database and log headers (through the Format readers).</summary>
    internal static class SnapshotFacts
    {
        public static bool LooksLikeDatabase(string path) => EseFileDetector.Detect(path) == EseFileKind.Database;

        /// <summary>A regular .edb file whose first 4 KiB (the header page) are all zeros.</summary>
        public static bool HasZeroedHeader(string path)
        {
            if (!path.EndsWith(".edb", StringComparison.OrdinalIgnoreCase) || RegularFile.KindOf(path) != FileEntryKind.Regular) return false;
            try
            {
                using var stream = RegularFile.OpenRead(path);
                var page = new byte[DatabaseHeader.MinimumHeaderSize];
                return DatabaseHeader.ReadFully(stream, page, 0, page.Length) == page.Length && PageChecksum.IsAllZero(page);
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }

        public static DatabaseFacts ReadDatabase(string path)
        {
            DatabaseHeader header;
            try
            {
                header = DatabaseHeader.Read(path);
            }
            catch (EseFormatException ex)
            {
                throw new JetException(JetError.JET_errInvalidDatabase, ex.Message, path, ex.PageNumber, ex);
            }
            if (!header.HeaderChecksumValid)
            {
                // The engine could still open it from the shadow header, but a backup copies verified pages only.
                throw new JetException(JetError.JET_errReadVerifyFailure,
                    $"'{path}': the database header (file page 0) fails its checksum; only the shadow header is intact. Repair the database before backing it up.", path, -1);
            }
            return new DatabaseFacts
            {
                Path = path,
                PageSize = header.PageSize,
                RequiredLogLow = header.RequiredLogLow,
                RequiredLogHigh = header.RequiredLogHigh,
                LogSignature = header.LogSignature.IsEmpty ? null : header.LogSignature,
                LastBackupHighGeneration = Math.Max(header.PreviousFullBackup.HighGeneration, header.PreviousIncrementalBackup.HighGeneration),
            };
        }

        /// <summary>The archived and current logs of the folder's log stream, by header generation (the caller decides about unreadable ones).</summary>
        public static LogSequence ScanLogs(string folder, List<string> notes)
        {
            var bases = LogSequence.FindBaseNames(folder);
            var sequence = LogSequence.Scan(folder);
            if (bases.Count > 1)
                notes.Add($"Several log streams are in '{folder}' ({string.Join(", ", bases)}); '{sequence.BaseName}' (the most files) is backed up.");
            return sequence;
        }
    }
}
