using System;
using System.Buffers.Binary;

namespace EseBackup.Core.Format
{
    /// <summary>
    /// The page the engine appends to every database it hands out through the backup API
    /// (<c>BKIMakeDbTrailer</c> in backup.cxx, layout <c>PATCHHDR</c> in cpage.hxx): an empty page header,
    /// then the end-of-backup facts (BKINFO with the high log generation, the database and log signatures,
    /// the required and committed generations), checksummed like a database header (XOR over the whole
    /// page, so bytes 4–7 stay zero where a page would hold its number). The backup copy's header pages
    /// carry BKINFO with a low generation but no high one; restore and recovery read the trailer to finish
    /// it (ErrLGCheckDBFiles / ErrDBUpdateHeaderFromTrailer), then zero it (ErrDBTryToZeroDBTrailer).
    /// </summary>
    public sealed class DatabaseTrailer
    {
        /// <summary>The page header (PGHDR) the engine leaves zero, apart from the checksum in its first 4 bytes.</summary>
        public const int EmptyPageHeaderSize = 40;
        const int BackupInfoOffset = 40;
        const int DatabaseSignatureOffset = 64;
        const int LogSignatureOffset = 92;
        const int RequiredLowOffset = 120;
        const int RequiredHighOffset = 124;
        const int CommittedOffset = 128;

        public BackupInfo Backup { get; private set; } = BackupInfo.Empty;
        public EseSignature DatabaseSignature { get; private set; } = new EseSignature(0, null);
        public EseSignature LogSignature { get; private set; } = new EseSignature(0, null);
        /// <summary>lgenMinReq / lgenMaxReq / lgenMaxCommitted at the end of the backup (0 when the format predates them).</summary>
        public long RequiredLogLow { get; private set; }
        public long RequiredLogHigh { get; private set; }
        public long CommittedLog { get; private set; }

        /// <summary>Reads the fields of a trailer page without checking it.</summary>
        public static DatabaseTrailer Parse(ReadOnlySpan<byte> page) => new DatabaseTrailer
        {
            Backup = BackupInfo.Read(page.Slice(BackupInfoOffset)),
            DatabaseSignature = EseSignature.Read(page.Slice(DatabaseSignatureOffset)),
            LogSignature = EseSignature.Read(page.Slice(LogSignatureOffset)),
            RequiredLogLow = BinaryPrimitives.ReadUInt32LittleEndian(page.Slice(RequiredLowOffset)),
            RequiredLogHigh = BinaryPrimitives.ReadUInt32LittleEndian(page.Slice(RequiredHighOffset)),
            CommittedLog = BinaryPrimitives.ReadUInt32LittleEndian(page.Slice(CommittedOffset)),
        };

        /// <summary>
        /// Whether the file's last page must be a trailer: the header names a full backup with a low log
        /// generation but not yet a high one. The engine's own rule (FDBHeaderNeedsUpdating in db.cxx;
        /// eseutil /mh reads the trailer on the same condition), so no manifest flag is needed and sets
        /// written before this check existed are judged the same way.
        /// </summary>
        public static bool IsExpected(DatabaseHeader header) =>
            header.CurrentFullBackup.LowGeneration != 0 && header.CurrentFullBackup.HighGeneration == 0;

        /// <summary>
        /// A page shaped like a trailer: not all zero, the page header empty but for the checksum, and the
        /// header checksum right. Used to name a trailer found where it does not belong.
        /// </summary>
        public static bool LooksLikeTrailer(ReadOnlySpan<byte> page) =>
            page.Length >= 4096 && PageChecksum.IsAllZero(page.Slice(4, EmptyPageHeaderSize - 4)) &&
            !PageChecksum.IsAllZero(page) && PageChecksum.VerifyHeader(page, out _, out _);

        /// <summary>Where the trailer of one database file must be and what it must match.</summary>
        public sealed class Expectation
        {
            Expectation(string path, int pageSize, long filePage, DatabaseHeader header)
            {
                Path = path;
                PageSize = pageSize;
                FilePage = filePage;
                Header = header;
            }

            public string Path { get; }
            public int PageSize { get; }
            /// <summary>File page index of the trailer: the last whole page.</summary>
            public long FilePage { get; }
            public DatabaseHeader Header { get; }

            /// <summary>Null when the header does not call for a trailer.</summary>
            public static Expectation? For(string path, DatabaseHeader header, long fileLength) =>
                IsExpected(header) && header.PageSize > 0
                    ? new Expectation(path, header.PageSize, fileLength / header.PageSize - 1, header)
                    : null;

            /// <summary>
            /// From a file's two header pages as a streaming reader has them (no second open): the first page
            /// whose header checksum holds decides; null when neither does (the header problem is reported elsewhere).
            /// </summary>
            public static Expectation? FromHeaderPages(string path, ReadOnlySpan<byte> headerPages, int pageSize, long fileLength)
            {
                for (int i = 0; i < 2 && (i + 1) * pageSize <= headerPages.Length; i++)
                {
                    var page = headerPages.Slice(i * pageSize, pageSize);
                    if (PageChecksum.VerifyHeader(page, out _, out _) && DatabaseHeader.PageSizeOf(page) == pageSize)
                        return For(path, DatabaseHeader.Parse(page, path), fileLength);
                }
                return null;
            }

            /// <summary>
            /// A file too short to hold a trailer after its two header pages (ErrDBReadDBTrailer refuses it as
            /// corrupt); null when there is room for one.
            /// </summary>
            public BadPage? CheckRoom() =>
                FilePage >= 2 ? null : new BadPage(Path, 1, PageSize, new PageCheck(PageCheckStatus.Bad),
                    $"'{Path}' is a backup copy (its header names full backup generation {Header.CurrentFullBackup.LowGeneration} without an end) " +
                    "but holds no page after its two header pages: the trailer page the engine appends to a backed-up database is missing.");

            /// <summary>
            /// Checks the trailer page as ErrDBReadAndCheckDBTrailer and ErrDBCheckDBHeaderAndTrailer do:
            /// the header checksum, then the signatures and backup mark against the header. Null when good.
            /// </summary>
            public BadPage? Check(ReadOnlySpan<byte> page)
            {
                long pageNumber = FilePage - 1;
                string where = $"'{Path}': the backup trailer page (file page {FilePage}, the last page, offset {FilePage * PageSize})";
                if (!PageChecksum.VerifyHeader(page, out uint stored, out uint computed))
                {
                    string what = PageChecksum.IsAllZero(page) ? " It is all zeros" :
                        !PageChecksum.IsAllZero(page.Slice(4, EmptyPageHeaderSize - 4)) ? " It looks like an ordinary database page" : " It";
                    return new BadPage(Path, pageNumber, PageSize, new PageCheck(PageCheckStatus.Bad, stored, computed),
                        $"{where} fails its checksum: stored 0x{stored:X8}, computed 0x{computed:X8}.{what}, not the trailer the header " +
                        $"(full backup from generation {Header.CurrentFullBackup.LowGeneration}, no end yet) calls for; the engine refuses it (JET_errBadPatchPage).");
                }
                var trailer = Parse(page);
                string? mismatch =
                    !trailer.DatabaseSignature.Equals(Header.DatabaseSignature) ? $"its database signature {trailer.DatabaseSignature} is not the header's {Header.DatabaseSignature}" :
                    !trailer.LogSignature.Equals(Header.LogSignature) ? $"its log signature {trailer.LogSignature} is not the header's {Header.LogSignature}" :
                    !trailer.Backup.Mark.Equals(Header.CurrentFullBackup.Mark) ? $"its backup mark {trailer.Backup.Mark} is not the header's {Header.CurrentFullBackup.Mark}" :
                    trailer.Backup.LowGeneration != Header.CurrentFullBackup.LowGeneration ? $"its low generation {trailer.Backup.LowGeneration} is not the header's {Header.CurrentFullBackup.LowGeneration}" :
                    trailer.Backup.HighGeneration < Math.Max(1, trailer.Backup.LowGeneration) ? $"its high generation {trailer.Backup.HighGeneration} is below its low generation {trailer.Backup.LowGeneration}" :
                    null;
                return mismatch == null ? null : new BadPage(Path, pageNumber, PageSize, new PageCheck(PageCheckStatus.Bad),
                    $"{where} does not belong to this database: {mismatch}; the engine refuses it (JET_errDatabasePatchFileMismatch).");
            }
        }
    }
}
