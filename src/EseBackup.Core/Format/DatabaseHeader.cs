using System;
using System.Buffers.Binary;
using System.IO;

namespace EseBackup.Core.Format
{
    /// <summary>JET_dbstate: the database state recorded in the header.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum DatabaseState : long
    {
        Unknown = 0,
        JustCreated = 1,
        DirtyShutdown = 2,
        CleanShutdown = 3,
        BeingConverted = 4,
        ForceDetach = 5,
    }

    /// <summary>
    /// The database file header (file page 0, copied to file page 1 as the shadow header): what
    /// <c>eseutil /mh</c> prints, as an object. Offsets from ../shared/docs/ese-sources.md, except the
    /// log signature, which real databases place at 108 (offset 104 holds the database id).
    /// </summary>
    public sealed class DatabaseHeader
    {
        public static readonly byte[] Magic = { 0xEF, 0xCD, 0xAB, 0x89 };
        public const int MinimumHeaderSize = 4096;
        public const int FileTypeOffset = 667;

        public string Path { get; set; } = "";
        public uint Checksum { get; set; }
        public bool HeaderChecksumValid { get; set; } = true;
        public bool ShadowHeaderValid { get; set; } = true;

        /// <summary>Whether the shadow header (file page 1) holds the same header as page 0.</summary>
        public bool ShadowHeaderMatches { get; set; } = true;

        /// <summary>True when page 0 was damaged and the fields come from the shadow header.</summary>
        public bool ReadFromShadow { get; set; }

        public int FormatVersion { get; set; } = 0x620;
        public int FormatRevision { get; set; } = 0x14;
        public int CreationFormatVersion { get; set; }
        public int CreationFormatRevision { get; set; }
        public int PageSize { get; set; } = 8192;
        /// <summary>0 for a database, 1 for a streaming file (offset 12).</summary>
        public int StreamingFileType { get; set; }
        public ulong DatabaseTime { get; set; }
        public EseSignature DatabaseSignature { get; set; } = new EseSignature(0, null);
        public DatabaseState State { get; set; } = DatabaseState.CleanShutdown;
        public LogPosition ConsistentPosition { get; set; }
        public DateTime? ConsistentTime { get; set; }
        public DateTime? AttachTime { get; set; }
        public LogPosition AttachPosition { get; set; }
        public DateTime? DetachTime { get; set; }
        public LogPosition DetachPosition { get; set; }
        public int DatabaseId { get; set; } = 1;
        public EseSignature LogSignature { get; set; } = new EseSignature(0, null);
        public BackupInfo PreviousFullBackup { get; set; } = BackupInfo.Empty;
        public BackupInfo PreviousIncrementalBackup { get; set; } = BackupInfo.Empty;
        public BackupInfo CurrentFullBackup { get; set; } = BackupInfo.Empty;
        public BackupInfo CurrentShadowCopyBackup { get; set; } = BackupInfo.Empty;
        public BackupInfo PreviousCopyBackup { get; set; } = BackupInfo.Empty;
        public BackupInfo PreviousDifferentialBackup { get; set; } = BackupInfo.Empty;
        public bool ShadowingDisabled { get; set; }
        public int LastObjectId { get; set; }
        public Version OSVersion { get; set; } = new Version(10, 0, 0, 0);
        public int RepairCount { get; set; }
        public DateTime? RepairTime { get; set; }
        public long RequiredLogLow { get; set; }
        public long RequiredLogHigh { get; set; }
        public long CommittedLog { get; set; }
        public int EccFixSuccessCount { get; set; }
        public int EccFixErrorCount { get; set; }
        public int BadChecksumErrorCount { get; set; }
        public EseHeaderFileType HeaderFileType { get; set; } = EseHeaderFileType.Database;

        public long FileSize { get; set; }

        /// <summary>Database pages after the two header pages (what eseutil calls the database size in pages).</summary>
        public long PageCount => PageSize > 0 ? Math.Max(0, FileSize / PageSize - 2) : 0;

        /// <summary>The log generations a restore needs, as eseutil prints them: "23-23", or "0-0" when none.</summary>
        public string RequiredLogs => $"{RequiredLogLow}-{RequiredLogHigh}";

        public bool IsConsistent => State == DatabaseState.CleanShutdown;

        /// <summary>Reads and validates the header of a database file; names the file in every error.</summary>
        public static DatabaseHeader Read(string path)
        {
            using var stream = RegularFile.OpenEseFile(path, "database file");
            return Read(stream, path);
        }

        public static DatabaseHeader Read(Stream stream, string path)
        {
            long length = stream.Length;
            if (length == 0)
                throw new EseFormatException(path, EseFormatProblem.Empty, $"'{path}' is empty (0 bytes), not an ESE database.");
            var first = new byte[MinimumHeaderSize];
            int got = ReadFully(stream, first, 0, first.Length);
            if (got < MinimumHeaderSize)
                throw new EseFormatException(path, EseFormatProblem.TooShort, $"'{path}' is {length} bytes, shorter than one database page (at least 4096 bytes): not an ESE database.");
            var fileType = (EseHeaderFileType)BinaryPrimitives.ReadInt32LittleEndian(first.AsSpan(FileTypeOffset));
            if (fileType == EseHeaderFileType.Log)
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE transaction log, not a database. Use Get-EseLogFile to read it.");
            if (fileType == EseHeaderFileType.Checkpoint)
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE checkpoint file, not a database. Use Get-EseCheckpoint to read it.");

            // The declared page size first; when page 0 is damaged, the shadow header tells the size.
            int declared = PageSizeOf(first);
            byte[]? pages = null;
            int pageSize = 0;
            bool primaryValid = false, shadowValid = false;
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(first), computed = 0;
            foreach (int candidate in new[] { declared, 4096, 8192, 16384, 32768 })
            {
                if (!PageChecksum.IsValidPageSize(candidate) || length < 2L * candidate) continue;
                var buffer = new byte[2 * candidate];
                stream.Position = 0;
                if (ReadFully(stream, buffer, 0, buffer.Length) != buffer.Length) continue;
                bool p = IsValidHeaderPage(buffer.AsSpan(0, candidate), candidate);
                bool sh = IsValidHeaderPage(buffer.AsSpan(candidate, candidate), candidate);
                if (candidate == declared) PageChecksum.VerifyHeader(buffer.AsSpan(0, candidate), out stored, out computed);
                if (p || sh)
                {
                    pages = buffer;
                    pageSize = candidate;
                    primaryValid = p;
                    shadowValid = sh;
                    break;
                }
            }
            if (pages == null)
            {
                // The engine reads the shadow when the primary header is bad and gives up only when both are
                // (ErrUtilReadShadowedHeader, fileu.cxx); say that both header pages are zeroed, not "not ESE".
                if (PageChecksum.IsAllZero(first) && !LogFileName.TryParse(path, out _))
                    throw new EseFormatException(path, EseFormatProblem.BadHeaderChecksum,
                        $"'{path}': the database header (file page 0) is all zeros and no intact shadow header (file page 1) was found: both header pages are zeroed or damaged, so no engine can attach it. Restore it from a backup.", -1);
                if (!first.AsSpan(4, 4).SequenceEqual(Magic))
                    throw new EseFormatException(path, EseFormatProblem.NotEse, $"'{path}' is not an ESE file: it lacks the ESE signature EF CD AB 89 at offset 4.");
                if (!PageChecksum.IsValidPageSize(declared))
                    throw new EseFormatException(path, EseFormatProblem.UnsupportedFormat, $"'{path}' declares a page size of {declared} bytes; ESE databases use 4, 8, 16 or 32 KiB pages.");
                if (length < 2L * declared)
                    throw new EseFormatException(path, EseFormatProblem.Truncated, $"'{path}' is {length} bytes, shorter than its two {declared / 1024} KiB header pages: the file is truncated.");
                throw new EseFormatException(path, EseFormatProblem.BadHeaderChecksum,
                    $"'{path}': the database header checksum is wrong (stored 0x{stored:X8}, computed 0x{computed:X8}) and the shadow header on page 1 is not usable either. The header is damaged.", -1);
            }

            var primary = pages.AsSpan(0, pageSize);
            var shadow = pages.AsSpan(pageSize, pageSize);
            var header = Parse(primaryValid ? primary : shadow, path);
            header.HeaderChecksumValid = primaryValid;
            header.ShadowHeaderValid = shadowValid;
            header.ShadowHeaderMatches = primary.SequenceEqual(shadow);
            header.ReadFromShadow = !primaryValid;
            header.FileSize = length;
            return header;
        }

        /// <summary>True when file page 1 holds an intact database header at one of the page sizes: what the engine attaches from when page 0 is damaged.</summary>
        internal static bool HasIntactShadowHeader(Stream stream)
        {
            foreach (int candidate in new[] { 4096, 8192, 16384, 32768 })
            {
                if (stream.Length < 2L * candidate) break;
                var page = new byte[candidate];
                stream.Position = candidate;
                if (ReadFully(stream, page, 0, candidate) == candidate && IsValidHeaderPage(page, candidate)) return true;
            }
            return false;
        }

        static bool IsValidHeaderPage(ReadOnlySpan<byte> page, int pageSize) =>
            page.Slice(4, 4).SequenceEqual(Magic) && PageSizeOf(page) == pageSize && PageChecksum.VerifyHeader(page, out _, out _);

        /// <summary>The page size field, where 0 (old formats) means 4 KiB.</summary>
        public static int PageSizeOf(ReadOnlySpan<byte> header)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(header.Slice(236));
            return size == 0 ? 4096 : size;
        }

        // The OS version fields are ULONGs; System.Version refuses negative parts, so a value above
        // int.MaxValue (a damaged or hostile header) is capped instead of throwing from a reader.
        private static Version OsVersionOf(ReadOnlySpan<byte> h)
        {
            static int Part(ReadOnlySpan<byte> page, int offset) => (int)Math.Min(U32(page, offset), int.MaxValue);
            return new Version(Part(h, 216), Part(h, 220), Part(h, 224), Part(h, 228));
        }

        /// <summary>Parses the fields of a header page without checking its checksum.</summary>
        public static DatabaseHeader Parse(ReadOnlySpan<byte> h, string path)
        {
            return new DatabaseHeader
            {
                Path = path,
                Checksum = U32(h, 0),
                FormatVersion = I32(h, 8),
                StreamingFileType = I32(h, 12),
                DatabaseTime = BinaryPrimitives.ReadUInt64LittleEndian(h.Slice(16)),
                DatabaseSignature = EseSignature.Read(h.Slice(24)),
                State = (DatabaseState)I32(h, 52),
                ConsistentPosition = LogPosition.Read(h.Slice(56)),
                ConsistentTime = LogTime.Read(h.Slice(64)),
                AttachTime = LogTime.Read(h.Slice(72)),
                AttachPosition = LogPosition.Read(h.Slice(80)),
                DetachTime = LogTime.Read(h.Slice(88)),
                DetachPosition = LogPosition.Read(h.Slice(96)),
                DatabaseId = I32(h, 104),
                LogSignature = EseSignature.Read(h.Slice(108)),
                PreviousFullBackup = BackupInfo.Read(h.Slice(136)),
                PreviousIncrementalBackup = BackupInfo.Read(h.Slice(160)),
                CurrentFullBackup = BackupInfo.Read(h.Slice(184)),
                ShadowingDisabled = I32(h, 208) != 0,
                LastObjectId = I32(h, 212),
                OSVersion = OsVersionOf(h),
                FormatRevision = I32(h, 232),
                PageSize = PageSizeOf(h),
                RepairCount = I32(h, 240),
                RepairTime = LogTime.Read(h.Slice(244)),
                RequiredLogLow = I32(h, 296),
                RequiredLogHigh = I32(h, 300),
                CurrentShadowCopyBackup = BackupInfo.Read(h.Slice(316)),
                CreationFormatVersion = I32(h, 340),
                CreationFormatRevision = I32(h, 344),
                EccFixSuccessCount = I32(h, 368),
                EccFixErrorCount = I32(h, 384),
                BadChecksumErrorCount = I32(h, 400),
                CommittedLog = I32(h, 416),
                PreviousCopyBackup = BackupInfo.Read(h.Slice(420)),
                PreviousDifferentialBackup = BackupInfo.Read(h.Slice(444)),
                HeaderFileType = (EseHeaderFileType)I32(h, FileTypeOffset),
            };
        }

        /// <summary>
        /// Writes this header into a zeroed header page (the whole page) and stamps its checksum.
        /// The fixture writer writes the same page twice: header and shadow.
        /// </summary>
        public void WriteTo(Span<byte> page)
        {
            if (page.Length != PageSize) throw new ArgumentException($"The header page must be {PageSize} bytes.", nameof(page));
            page.Clear();
            Magic.CopyTo(page.Slice(4));
            W32(page, 8, FormatVersion);
            W32(page, 12, StreamingFileType);
            BinaryPrimitives.WriteUInt64LittleEndian(page.Slice(16), DatabaseTime);
            DatabaseSignature.Write(page.Slice(24));
            W32(page, 52, (int)State);
            ConsistentPosition.Write(page.Slice(56));
            LogTime.Write(page.Slice(64), ConsistentTime);
            LogTime.Write(page.Slice(72), AttachTime);
            AttachPosition.Write(page.Slice(80));
            LogTime.Write(page.Slice(88), DetachTime);
            DetachPosition.Write(page.Slice(96));
            W32(page, 104, DatabaseId);
            LogSignature.Write(page.Slice(108));
            PreviousFullBackup.Write(page.Slice(136));
            PreviousIncrementalBackup.Write(page.Slice(160));
            CurrentFullBackup.Write(page.Slice(184));
            W32(page, 208, ShadowingDisabled ? 1 : 0);
            W32(page, 212, LastObjectId);
            W32(page, 216, OSVersion.Major);
            W32(page, 220, OSVersion.Minor);
            W32(page, 224, Math.Max(0, OSVersion.Build));
            W32(page, 228, Math.Max(0, OSVersion.Revision));
            W32(page, 232, FormatRevision);
            W32(page, 236, PageSize);
            W32(page, 240, RepairCount);
            LogTime.Write(page.Slice(244), RepairTime);
            W32(page, 296, checked((int)RequiredLogLow));
            W32(page, 300, checked((int)RequiredLogHigh));
            CurrentShadowCopyBackup.Write(page.Slice(316));
            W32(page, 340, CreationFormatVersion == 0 ? FormatVersion : CreationFormatVersion);
            W32(page, 344, CreationFormatRevision == 0 ? FormatRevision : CreationFormatRevision);
            W32(page, 368, EccFixSuccessCount);
            W32(page, 384, EccFixErrorCount);
            W32(page, 400, BadChecksumErrorCount);
            W32(page, 416, checked((int)CommittedLog));
            PreviousCopyBackup.Write(page.Slice(420));
            PreviousDifferentialBackup.Write(page.Slice(444));
            W32(page, FileTypeOffset, (int)HeaderFileType);
            PageChecksum.StampHeader(page);
        }

        /// <summary>This header as a stamped page (array form of <see cref="WriteTo"/> for scripts).</summary>
        public byte[] ToPage()
        {
            var page = new byte[PageSize];
            WriteTo(page);
            return page;
        }

        internal static int ReadFully(Stream stream, byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = stream.Read(buffer, offset + total, count - total);
                if (n == 0) break;
                total += n;
            }
            return total;
        }

        static int I32(ReadOnlySpan<byte> s, int o) => BinaryPrimitives.ReadInt32LittleEndian(s.Slice(o));
        static uint U32(ReadOnlySpan<byte> s, int o) => BinaryPrimitives.ReadUInt32LittleEndian(s.Slice(o));
        static void W32(Span<byte> s, int o, int v) => BinaryPrimitives.WriteInt32LittleEndian(s.Slice(o), v);
    }
}
