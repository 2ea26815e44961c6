using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace EseBackup.Core.Format
{
    /// <summary>A page whose checksum does not match its bytes.</summary>
    public sealed class BadPage
    {
        public BadPage(string path, long pageNumber, int pageSize, PageCheck check, string? reason = null)
        {
            Reason = reason;
            Path = path;
            PageNumber = pageNumber;
            FileOffset = (pageNumber + 1) * pageSize;
            Block = check.Block;
            Expected = check.Expected;
            Actual = check.Actual;
            CorrectableBit = check.CorrectableBit;
            NewChecksumFormat = check.NewFormat;
        }

        public string Path { get; }
        /// <summary>ESE page number (file page index − 1).</summary>
        public long PageNumber { get; }
        public long FileOffset { get; }
        public int Block { get; }
        public ulong Expected { get; }
        public ulong Actual { get; }
        public int CorrectableBit { get; }
        public bool NewChecksumFormat { get; }

        /// <summary>What is wrong, when it is more than a checksum (a backup trailer page out of place or not matching).</summary>
        public string? Reason { get; }

        /// <summary>A damaged header (page number −1, file page 0) or shadow header (page number 0, file page 1).</summary>
        public static BadPage Header(string path, bool shadow, int pageSize, uint stored, uint computed, bool zeroed = false) =>
            new BadPage(path, shadow ? 0 : -1, pageSize, new PageCheck(PageCheckStatus.Bad, stored, computed)) { IsZeroed = zeroed };

        public bool IsHeader => PageNumber < 1;

        /// <summary>A header page that is all zeros (overwritten or never written), not merely a wrong checksum.</summary>
        public bool IsZeroed { get; private set; }

        public string Describe() => Reason ?? (IsHeader
            ? IsZeroed
                ? $"'{Path}': the {(PageNumber == 0 ? "shadow database header (file page 1)" : "database header (file page 0)")} is all zeros: the header page is zeroed (damaged)."
                : $"'{Path}': the {(PageNumber == 0 ? "shadow database header (file page 1)" : "database header (file page 0)")} fails its checksum: stored 0x{Expected:X8}, computed 0x{Actual:X8}."
            : $"'{Path}': page {PageNumber} (file offset {FileOffset}) fails its checksum" +
            (Block > 0 ? $" in block {Block}" : "") +
            $": stored 0x{Expected:X16}, computed 0x{Actual:X16}" +
            (CorrectableBit >= 0 ? $" (a single flipped bit at bit {CorrectableBit} of the page)." : "."));

        /// <summary>
        /// A page that fails its page checksum but is a well-formed backup trailer (BKIMakeDbTrailer): the
        /// engine only ever reads the trailer as the last page, so anywhere else it is damage worth naming.
        /// </summary>
        internal static BadPage Classify(string path, long pageNumber, ReadOnlySpan<byte> page, PageCheck check) =>
            DatabaseTrailer.LooksLikeTrailer(page)
                ? new BadPage(path, pageNumber, page.Length, check,
                    $"'{path}': page {pageNumber} (file page {pageNumber + 1}, offset {(pageNumber + 1) * page.Length}) is a backup trailer page in the wrong place: " +
                    "the engine appends the trailer as the last page of a backed-up database and reads it only there; " +
                    $"as a database page it fails its checksum (stored 0x{check.Expected:X16}, computed 0x{check.Actual:X16}).")
                : new BadPage(path, pageNumber, page.Length, check);

        public override string ToString() => Describe();
    }

    /// <summary>What verifying a whole database found.</summary>
    public sealed class DatabaseVerificationResult
    {
        public const int MaxBadPagesKept = 10000;

        public string Path { get; set; } = "";
        public int PageSize { get; set; }
        public long PagesChecked { get; set; }
        public long ValidPages { get; set; }
        public long UninitializedPages { get; set; }
        public long BadPageCount { get; set; }
        /// <summary>The bad pages (the first <see cref="MaxBadPagesKept"/> when there are more).</summary>
        public ProblemList<BadPage> BadPages { get; } = new ProblemList<BadPage>();
        public bool HeaderChecksumValid { get; set; }
        public bool ShadowHeaderMatches { get; set; }
        public long BytesRead { get; set; }
        public TimeSpan Duration { get; set; }
        public bool IsValid => BadPageCount == 0 && HeaderChecksumValid && ShadowHeaderMatches;

        /// <summary>Bad pages (the header pages among them) and a shadow header that differs: zero exactly when valid.</summary>
        public long ProblemCount => BadPageCount + (ShadowHeaderMatches ? 0 : 1) + (HeaderChecksumValid || BadPages.Any(p => p.PageNumber == -1) ? 0 : 1);

        /// <summary>What is wrong on one line (empty when valid): header, how many bad pages and the first few.</summary>
        public string ProblemSummary
        {
            get
            {
                if (IsValid) return "";
                var parts = new List<string>();
                if (!HeaderChecksumValid) parts.Add("the database header checksum is wrong");
                if (BadPageCount > 0)
                {
                    var first = string.Join(", ", BadPages.Take(3).Select(b => b.IsHeader ? "the header" : $"page {b.PageNumber}"));
                    parts.Add($"{BadPageCount} of {PagesChecked} page(s) have a bad checksum{(first.Length > 0 ? $" ({first}{(BadPageCount > 3 ? ", ..." : "")})" : "")}");
                }
                if (!ShadowHeaderMatches && HeaderChecksumValid) parts.Add("the shadow header (page 1) differs from the database header (page 0)");
                return string.Join("; ", parts);
            }
        }
        public double MegabytesPerSecond => Duration.TotalSeconds > 0 ? BytesRead / 1048576.0 / Duration.TotalSeconds : 0;
    }

    /// <summary>Counts from checking a run of pages.</summary>
    public struct PageRunCounts
    {
        public long Valid;
        public long Uninitialized;
        public long Bad;
    }

    /// <summary>
    /// Verifies every page of a database file as a streaming pipeline: large page-aligned reads, the
    /// next chunk read while the current one is checked on both cores; memory is two chunk buffers
    /// whatever the file size.
    /// </summary>
    public static class DatabaseVerifier
    {
        public const int DefaultChunkSize = 4 * 1024 * 1024;

        /// <summary>
        /// Checks the pages in a buffer that starts at file page <paramref name="firstFilePageIndex"/>
        /// (≥ 2; header pages are checked by <see cref="DatabaseHeader"/>). Bad pages go to <paramref name="onBad"/>.
        /// </summary>
        public static PageRunCounts VerifyPages(string path, byte[] buffer, int count, long firstFilePageIndex, int pageSize, Action<BadPage> onBad) =>
            VerifyPages(path, buffer, 0, count, firstFilePageIndex, pageSize, onBad);

        /// <summary>The pages in buffer[offset..offset+count), the first of them at file page <paramref name="firstFilePageIndex"/>.</summary>
        /// <param name="trailer">Where the file's backup trailer page is, when its header calls for one: that page is checked as a trailer.</param>
        public static unsafe PageRunCounts VerifyPages(string path, byte[] buffer, int offset, int count, long firstFilePageIndex, int pageSize, Action<BadPage> onBad,
            DatabaseTrailer.Expectation? trailer = null)
        {
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
            int pages = count / pageSize;
            long trailerAt = trailer == null ? -1 : trailer.FilePage - firstFilePageIndex;
            fixed (byte* start = buffer)
            {
                if (trailerAt < 0 || trailerAt >= pages)
                    return VerifyPagesAt(path, (IntPtr)(start + offset), pages, firstFilePageIndex, pageSize, onBad);
                int before = (int)trailerAt;
                var counts = VerifyPagesAt(path, (IntPtr)(start + offset), before, firstFilePageIndex, pageSize, onBad);
                var bad = trailer!.Check(new ReadOnlySpan<byte>(buffer, offset + before * pageSize, pageSize));
                if (bad == null) counts.Valid++;
                else
                {
                    counts.Bad++;
                    onBad(bad);
                }
                var after = VerifyPagesAt(path, (IntPtr)(start + offset + (before + 1) * pageSize), pages - before - 1, firstFilePageIndex + before + 1, pageSize, onBad);
                counts.Valid += after.Valid;
                counts.Uninitialized += after.Uninitialized;
                counts.Bad += after.Bad;
                return counts;
            }
        }

        /// <summary>
        /// Verifies the whole file. <paramref name="onBadPage"/> and <paramref name="onProgress"/> run on
        /// the calling thread (a cmdlet may write errors from them); an exception thrown there stops the run.
        /// </summary>
        public static DatabaseVerificationResult Verify(string path, Action<BadPage>? onBadPage = null, Action<long, long>? onProgress = null,
            CancellationToken cancellation = default, int chunkSize = DefaultChunkSize)
        {
            var clock = Stopwatch.StartNew();
            var header = DatabaseHeader.Read(path);
            int pageSize = header.PageSize;
            chunkSize = Math.Max(pageSize, chunkSize / pageSize * pageSize);
            var result = new DatabaseVerificationResult
            {
                Path = path,
                PageSize = pageSize,
                HeaderChecksumValid = header.HeaderChecksumValid,
                ShadowHeaderMatches = header.ShadowHeaderMatches,
            };

            using (var stream = RegularFile.OpenEseFile(path, "database file", 1, FileOptions.SequentialScan))
            {
                long length = stream.Length;
                ReportHeaderPages(path, stream, pageSize, result, onBadPage);
                var trailer = DatabaseTrailer.Expectation.For(path, header, length);
                var noRoom = trailer?.CheckRoom();
                if (noRoom != null) Accumulate(result, new PageRunCounts { Bad = 1 }, new List<BadPage> { noRoom }, 0, pageSize, onBadPage);
                VerifyBodyStreamed(path, stream, pageSize, chunkSize, trailer, result, onBadPage, onProgress, cancellation);
                if (length % pageSize != 0)
                    throw new EseFormatException(path, EseFormatProblem.Truncated,
                        $"'{path}' is {length} bytes, not a whole number of {pageSize}-byte pages: the last page (page {length / pageSize - 1}) is truncated.", length / pageSize - 1);
            }
            result.BytesRead += 2L * pageSize;
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>
        /// The body in rounds of two chunks: this thread reads and checks one chunk while a second thread,
        /// with its own handle on the file, reads and checks the next. Reading (a copy out of the page
        /// cache) costs about as much CPU as the checksums, so each core does both for its own chunk;
        /// a reader thread feeding a checker thread measured slower (the copy and the check then serialise
        /// on memory). Memory is two pooled chunk buffers whatever the file size.
        /// </summary>
        static void VerifyBodyStreamed(string path, FileStream stream, int pageSize, int chunkSize, DatabaseTrailer.Expectation? trailer, DatabaseVerificationResult result,
            Action<BadPage>? onBadPage, Action<long, long>? onProgress, CancellationToken cancellation)
        {
            var pool = ArrayPool<byte>.Shared;
            var mine = pool.Rent(chunkSize);
            var theirs = pool.Rent(chunkSize);
            try
            {
                using var second = RegularFile.OpenEseFile(path, "database file", 1, FileOptions.SequentialScan);
                long length = stream.Length;
                long usable = length / pageSize * pageSize;
                for (long offset = 2L * pageSize; offset < usable; offset += 2L * chunkSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    long nextOffset = offset + chunkSize;
                    var badTheirs = new List<BadPage>();
                    var other = nextOffset < usable
                        ? Task.Run(() => ReadAndVerify(path, second, theirs, nextOffset, chunkSize, usable, pageSize, trailer, badTheirs))
                        : null;
                    var badMine = new List<BadPage>();
                    var (got, counts) = ReadAndVerify(path, stream, mine, offset, chunkSize, usable, pageSize, trailer, badMine);
                    var (otherGot, otherCounts) = other?.GetAwaiter().GetResult() ?? (0, new PageRunCounts());
                    Accumulate(result, counts, badMine, got, pageSize, onBadPage);
                    if (otherGot > 0) Accumulate(result, otherCounts, badTheirs, otherGot, pageSize, onBadPage);
                    onProgress?.Invoke(2L * pageSize + result.BytesRead, length);
                }
            }
            finally
            {
                pool.Return(mine);
                pool.Return(theirs);
            }
        }

        static (int Got, PageRunCounts Counts) ReadAndVerify(string path, FileStream stream, byte[] buffer, long offset, int chunkSize, long usable, int pageSize,
            DatabaseTrailer.Expectation? trailer, List<BadPage> bad)
        {
            stream.Position = offset;
            int want = (int)Math.Min(chunkSize, usable - offset);
            int got = DatabaseHeader.ReadFully(stream, buffer, 0, want) / pageSize * pageSize;
            if (got < want)
                throw new EseFormatException(path, EseFormatProblem.Truncated, $"'{path}' ended at byte {offset + got} while it was being verified: the file shrank or is truncated.", (offset + got) / pageSize - 1);
            return (got, VerifyPages(path, buffer, 0, got, offset / pageSize, pageSize, bad.Add, trailer));
        }

        static void Accumulate(DatabaseVerificationResult result, PageRunCounts counts, List<BadPage> bad, int bytes, int pageSize, Action<BadPage>? onBadPage)
        {
            result.ValidPages += counts.Valid;
            result.UninitializedPages += counts.Uninitialized;
            result.BadPageCount += counts.Bad;
            result.PagesChecked += bytes / pageSize;
            result.BytesRead += bytes;
            foreach (var page in bad)
            {
                if (result.BadPages.Count < DatabaseVerificationResult.MaxBadPagesKept) result.BadPages.Add(page);
                onBadPage?.Invoke(page);
            }
        }

        /// <summary>Checks file page 0 (or 1, the shadow) with the header checksum, not a page checksum; null when it is good.</summary>
        internal static BadPage? CheckHeaderPage(string path, ReadOnlySpan<byte> page, bool shadow) =>
            PageChecksum.VerifyHeader(page, out uint stored, out uint computed) ? null : BadPage.Header(path, shadow, page.Length, stored, computed, PageChecksum.IsAllZero(page));

        /// <summary>Checks the header and its shadow from the stream the body is read from (no second open).</summary>
        static void ReportHeaderPages(string path, FileStream stream, int pageSize, DatabaseVerificationResult result, Action<BadPage>? onBadPage)
        {
            var pages = new byte[2 * pageSize];
            stream.Position = 0;
            DatabaseHeader.ReadFully(stream, pages, 0, pages.Length);
            for (int i = 0; i < 2; i++)
            {
                // The header pages count as checked pages too, as Test-EseBackup counts them.
                result.PagesChecked++;
                var bad = CheckHeaderPage(path, new ReadOnlySpan<byte>(pages, i * pageSize, pageSize), shadow: i == 1);
                if (bad == null)
                {
                    result.ValidPages++;
                    continue;
                }
                result.BadPageCount++;
                result.BadPages.Add(bad);
                onBadPage?.Invoke(bad);
            }
        }


#if NET8_0_OR_GREATER
        // Fully optimised from the first call: a one-off verification in a fresh process must not run the
        // hot loop as unoptimised tier-0 code until tiered compilation catches up.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        static unsafe PageRunCounts VerifyPagesAt(string path, IntPtr start, int pageCount, long firstFilePageIndex, int pageSize, Action<BadPage> onBad)
        {
            var counts = new PageRunCounts();
            byte* p = (byte*)start;
            for (int i = 0; i < pageCount; i++)
            {
                long pageNumber = firstFilePageIndex + i - 1;
                var check = PageChecksum.Verify(new ReadOnlySpan<byte>(p + (long)i * pageSize, pageSize), pageNumber);
                switch (check.Status)
                {
                    case PageCheckStatus.Valid: counts.Valid++; break;
                    case PageCheckStatus.Uninitialized: counts.Uninitialized++; break;
                    default: counts.Bad++; onBad(BadPage.Classify(path, pageNumber, new ReadOnlySpan<byte>(p + (long)i * pageSize, pageSize), check)); break;
                }
            }
            return counts;
        }
    }
}
