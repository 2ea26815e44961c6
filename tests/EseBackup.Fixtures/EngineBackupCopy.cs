using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Fixtures.Internal;

namespace EseBackup.Fixtures
{
    /// <summary>The backup the engine is taking when it hands out a database (defaults fit a set's log range).</summary>
    public sealed class EngineBackupCopySpec
    {
        /// <summary>The first log generation the backup copies (the engine's m_lgenCopyMic). Default 1.</summary>
        public long LowGeneration { get; set; } = 1;

        /// <summary>The log generation current when the last page was read (the trailer's genHigh). Default: the low generation.</summary>
        public long? HighGeneration { get; set; }

        /// <summary>The full-backup mark (lgposMark). Default: sector 1 of the low generation.</summary>
        public LogPosition? Mark { get; set; }

        public DateTime MarkTime { get; set; } = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
    }

    /// <summary>What <see cref="EngineBackupCopies.Write"/> wrote.</summary>
    public sealed class EngineBackupCopy
    {
        internal EngineBackupCopy(string path, int pageSize, long length, long low, long high, LogPosition mark)
        {
            Path = path;
            PageSize = pageSize;
            FileSize = length;
            LowGeneration = low;
            HighGeneration = high;
            Mark = mark;
        }

        public string Path { get; }
        public int PageSize { get; }
        public long FileSize { get; }
        /// <summary>File page index of the trailer: the last page.</summary>
        public long TrailerFilePage => FileSize / PageSize - 1;
        public long LowGeneration { get; }
        public long HighGeneration { get; }
        public LogPosition Mark { get; }
    }

    /// <summary>
    /// What a backup through the engine (JetOpenFileInstance / JetReadFileInstance) hands out for a database,
    /// written from the engine's source (backup.cxx) independently of the project's readers: both header
    /// pages are the header with the current full backup's BKINFO set (mark, time, low generation, no high
    /// one) and the header checksum restamped (ErrBKIOpenFile); after the last page comes one trailer page
    /// (BKIMakeDbTrailer): a zero page header, BKINFO with the high generation at offset 40, the database
    /// and log signatures at 64 and 92, required low/high and committed generations at 120/124/128, the
    /// XOR header checksum in its first 4 bytes (SetPageChecksum with databaseHeader, page number 0).
    /// </summary>
    public static class EngineBackupCopies
    {
        // DBFILEHDR offsets (daedef.hxx) this writer needs.
        const int HeaderSignDb = 24, HeaderSignLog = 108, HeaderBkinfoFullCur = 184, HeaderGenMinRequired = 296, HeaderGenMaxRequired = 300;
        // PATCHHDR offsets (cpage.hxx): after the 40-byte PGHDR.
        const int TrailerBkinfo = 40, TrailerSignDb = 64, TrailerSignLog = 92, TrailerMinReq = 120, TrailerMaxReq = 124, TrailerMaxCommitted = 128;
        const int SignatureSize = 28;

        /// <summary>Writes the engine's copy of <paramref name="databasePath"/> to <paramref name="copyPath"/> (overwriting it).</summary>
        public static EngineBackupCopy Write(string databasePath, string copyPath, EngineBackupCopySpec? spec = null)
        {
            spec ??= new EngineBackupCopySpec();
            long low = spec.LowGeneration;
            long high = spec.HighGeneration ?? low;
            var mark = spec.Mark ?? new LogPosition(low, 1, 0);
            if (low < 1 || high < low) throw new ArgumentException($"Generations {low}-{high}: the low one starts at 1 and the high one is not below it.");

            var source = File.ReadAllBytes(databasePath);
            int pageSize = DatabaseHeader.PageSizeOf(source);
            var header = new byte[pageSize];
            Array.Copy(source, header, pageSize);
            WriteBkinfo(header, HeaderBkinfoFullCur, mark, spec.MarkTime, low, 0);
            PageChecksum.StampHeader(header);

            var trailer = new byte[pageSize];
            WriteBkinfo(trailer, TrailerBkinfo, mark, spec.MarkTime, low, high);
            Array.Copy(header, HeaderSignDb, trailer, TrailerSignDb, SignatureSize);
            Array.Copy(header, HeaderSignLog, trailer, TrailerSignLog, SignatureSize);
            uint minRequired = BitConverter.ToUInt32(header, HeaderGenMinRequired);
            uint maxRequired = BitConverter.ToUInt32(header, HeaderGenMaxRequired);
            if (minRequired != 0)
            {
                // Captured only when the format keeps them (JET_efvLowerMinReqLogGenOnRedo); committed is at least the required.
                Le.U32(trailer, TrailerMinReq, minRequired);
                Le.U32(trailer, TrailerMaxReq, maxRequired);
                Le.U32(trailer, TrailerMaxCommitted, (uint)Math.Max(maxRequired, high));
            }
            PageChecksum.StampHeader(trailer);

            var full = System.IO.Path.GetFullPath(copyPath);
            using (var output = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                output.Write(header, 0, pageSize);
                output.Write(header, 0, pageSize);
                output.Write(source, 2 * pageSize, source.Length - 2 * pageSize);
                output.Write(trailer, 0, pageSize);
            }
            return new EngineBackupCopy(full, pageSize, source.Length + pageSize, low, high, mark);
        }

        /// <summary>
        /// Turns a set written from a database folder into what a backup through the engine writes: every
        /// database replaced by the engine's copy (generations from the set's log range unless given), the
        /// manifest's sizes and hashes updated to match. Returns the copies.
        /// </summary>
        public static IReadOnlyList<EngineBackupCopy> MakeSetEngineMade(string setFolder, EngineBackupCopySpec? spec = null)
        {
            var manifest = BackupManifest.Read(setFolder);
            spec ??= new EngineBackupCopySpec
            {
                LowGeneration = Math.Max(1, manifest.LogGenerationLow),
                HighGeneration = Math.Max(1, manifest.LogGenerationHigh),
            };
            var copies = new List<EngineBackupCopy>();
            foreach (var entry in manifest.Files.Where(f => f.Role == BackupFileRole.Database))
            {
                var path = BackupManifest.ResolveInside(setFolder, entry.Path);
                var temp = path + ".engine";
                var copy = Write(path, temp, spec);
                File.Delete(path);
                File.Move(temp, path);
                entry.Size = copy.FileSize;
                entry.Hash = BackupSetWriter.HashFile(path);
                copies.Add(new EngineBackupCopy(path, copy.PageSize, copy.FileSize, copy.LowGeneration, copy.HighGeneration, copy.Mark));
            }
            // The writer never overwrites a manifest: remove it first, then write the edited one.
            var manifestPath = System.IO.Path.Combine(setFolder, BackupManifest.FileName);
            File.Delete(manifestPath);
            File.WriteAllText(manifestPath, manifest.ToJson());
            return copies;
        }

        static void WriteBkinfo(byte[] page, int offset, LogPosition mark, DateTime time, long low, long high)
        {
            Le.U16(page, offset, mark.Offset);
            Le.U16(page, offset + 2, mark.Sector);
            Le.U32(page, offset + 4, (uint)mark.Generation);
            LogTime.Write(page.AsSpan(offset + 8), time);
            Le.U32(page, offset + 16, (uint)low);
            Le.U32(page, offset + 20, (uint)high);
        }
    }
}
