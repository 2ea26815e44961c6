using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Threading;
using System.Threading.Tasks;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What streaming one file of a set found.</summary>
    internal sealed class StreamedFile
    {
        public string Hash = "";
        public long Bytes;
        public long PagesChecked;
        /// <summary>Bytes after the last whole page of a database (a torn last page).</summary>
        public long TrailingBytes;
    }

    /// <summary>
    /// Reads one file of a set once, in large chunks: XxHash128 over every byte, page checksums for a
    /// database, and an optional copy to an output stream. The next chunk is read while the current one
    /// is hashed, written and page-checked, the work split over both cores; memory is two pooled chunks.
    /// </summary>
    internal static class SetFileStreamer
    {
        public const int DefaultChunkSize = 4 * 1024 * 1024;

        /// <param name="pageSize">Database page size, or 0 to check no pages (logs, -Quick).</param>
        /// <param name="onBadPage">Runs on the calling thread; may throw to stop.</param>
        /// <param name="onBytes">Bytes done in this file so far; runs on the calling thread.</param>
        public static StreamedFile Stream(string path, int pageSize, Stream? copyTo, Action<BadPage>? onBadPage, Action<long>? onBytes,
            CancellationToken cancellation, int chunkSize = DefaultChunkSize)
        {
            var result = new StreamedFile();
            var hasher = new XxHash128();
            var pool = ArrayPool<byte>.Shared;
            if (pageSize > 0) chunkSize = Math.Max(pageSize, chunkSize / pageSize * pageSize);
            var current = pool.Rent(chunkSize);
            var next = pool.Rent(chunkSize);
            Task<int>? readAhead = null;
            try
            {
                using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                long length = input.Length;
                long pagesEnd = pageSize > 0 ? length / pageSize * pageSize : 0;

                if (pageSize > 0 && length >= 2L * pageSize)
                {
                    // The header and its shadow: checked with the header checksum, then hashed and copied like any bytes.
                    int got = DatabaseHeader.ReadFully(input, current, 0, 2 * pageSize);
                    for (int i = 0; i < 2; i++)
                    {
                        if (PageChecksum.VerifyHeader(new ReadOnlySpan<byte>(current, i * pageSize, pageSize), out uint stored, out uint computed)) continue;
                        onBadPage?.Invoke(BadPage.Header(path, i == 1, pageSize, stored, computed));
                    }
                    AppendInSlices(hasher, current, got);
                    copyTo?.Write(current, 0, got);
                    result.Bytes += got;
                    result.PagesChecked += 2;
                }
                long filePage = result.Bytes / Math.Max(1, pageSize);
                int n = ReadChunk(input, current, chunkSize);
                while (n > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var buffer = current;
                    var spare = next;
                    int count = n;
                    long chunkStart = result.Bytes;
                    int wholePages = pageSize > 0 ? (int)(Math.Max(0, Math.Min(count, pagesEnd - chunkStart)) / pageSize) : 0;
                    // Two threads, balanced by cost: the helper writes this chunk, checks the last quarter of its
                    // pages and reads the next chunk (the read, a copy out of the page cache, is the dearest
                    // step); this thread hashes the chunk in order and checks the other pages.
                    int helperPages = wholePages / 4;
                    int mainPages = wholePages - helperPages;
                    long helperFirstPage = filePage + mainPages;
                    var helperBad = new List<BadPage>();
                    readAhead = Task.Run(() =>
                    {
                        copyTo?.Write(buffer, 0, count);
                        if (helperPages > 0)
                            DatabaseVerifier.VerifyPages(path, buffer, mainPages * pageSize, helperPages * pageSize, helperFirstPage, pageSize, helperBad.Add);
                        return ReadChunk(input, spare, chunkSize);
                    });
                    AppendInSlices(hasher, buffer, count);
                    List<BadPage>? bad = null;
                    if (wholePages > 0)
                    {
                        bad = new List<BadPage>();
                        DatabaseVerifier.VerifyPages(path, buffer, 0, mainPages * pageSize, filePage, pageSize, bad.Add);
                        result.PagesChecked += wholePages;
                        filePage += wholePages;
                    }
                    n = readAhead.GetAwaiter().GetResult();
                    readAhead = null;
                    result.Bytes += count;
                    if (bad != null)
                    {
                        bad.AddRange(helperBad);
                        foreach (var page in bad) onBadPage?.Invoke(page);
                    }
                    (current, next) = (next, current);
                    onBytes?.Invoke(result.Bytes);
                }
                if (pageSize > 0) result.TrailingBytes = length - pagesEnd;
            }
            finally
            {
                // Never hand a buffer back to the pool while a task may still use it.
                try { readAhead?.Wait(); } catch (Exception) { /* the first failure is already propagating */ }
                pool.Return(current);
                pool.Return(next);
            }
            result.Hash = ToHex(hasher.GetCurrentHash());
            return result;
        }

        // Many moderate calls rather than one per 4 MiB chunk: the hash's inner loop is promoted from unoptimised
        // to optimised code by call count (tiered JIT), so this reaches full speed after a few MiB, not hundreds.
        const int HashSlice = 256 * 1024;

        static void AppendInSlices(XxHash128 hasher, byte[] buffer, int count)
        {
            for (int offset = 0; offset < count; offset += HashSlice)
                hasher.Append(new ReadOnlySpan<byte>(buffer, offset, Math.Min(HashSlice, count - offset)));
        }

        static int ReadChunk(Stream stream, byte[] buffer, int count) => DatabaseHeader.ReadFully(stream, buffer, 0, count);

        internal static string ToHex(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            const string digits = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[2 * i + 1] = digits[bytes[i] & 0xF];
            }
            return new string(chars);
        }
    }

    /// <summary>Checks that keep a hostile set from reaching outside itself through links.</summary>
    internal static class SetPathSafety
    {
        /// <summary>True when the path is a symbolic link or junction (reparse point); false when it does not exist.</summary>
        public static bool IsLink(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists && !Directory.Exists(path))
                {
                    // A dangling link has no target but still has link attributes.
                    try { return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0; }
                    catch (Exception) { return false; }
                }
                return (info.Attributes & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>The first link among <paramref name="fullPath"/> and its folders below <paramref name="root"/>, or null.</summary>
        public static string? FirstLinkBelow(string root, string fullPath)
        {
            var rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
            var current = Path.GetFullPath(fullPath);
            while (current.Length > rootFull.Length && current.StartsWith(rootFull, StringComparison.Ordinal))
            {
                if (IsLink(current)) return current;
                current = Path.GetDirectoryName(current) ?? "";
            }
            return null;
        }
    }
}
