using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using EseBackup.Core.Format;
#if NET8_0_OR_GREATER
using Microsoft.Win32.SafeHandles;
#endif

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
        /// <summary>For a log streamed with its header: what its segments are.</summary>
        public LogSegmentTally? Log;
    }

    /// <summary>
    /// Reads one file of a set once: XxHash128 over every byte, page checksums for a database, segment
    /// checksums for a log, and an optional copy to an output stream. The file is cut into slices that up to four workers (the calling
    /// thread and helpers, one per core) take in turn, read, block-sum for the hash and page-check while the
    /// slice is in the core's cache; the slices are then committed in file order (hash fold, copy, reports).
    /// Memory is a few slices per worker, whatever the file size.
    /// </summary>
    internal static class SetFileStreamer
    {
        /// <summary>A slice stays in a core's L2 cache between the read, the hash and the page checks.</summary>
        public const int DefaultChunkSize = 512 * 1024;
        /// <summary>Slices a worker may hold read but not yet committed (it waits when all are).</summary>
        const int SlotsPerWorker = 3;
        const int MaxWorkers = 4;

        /// <param name="pageSize">Database page size, or 0 to check no pages (logs, -Quick).</param>
        /// <param name="copyTo">Receives every byte in file order, from whichever worker commits the slice.</param>
        /// <param name="onBadPage">Runs on the calling thread, in page order; may throw to stop.</param>
        /// <param name="onBytes">Bytes done in this file so far; runs on the calling thread.</param>
        /// <param name="workers">Threads to use, the calling one included; 0 for one per core (at most four).</param>
        /// <param name="portableReader">Read as the netstandard2.0 build does (for tests on .NET 8).</param>
        /// <param name="log">A log's verified header: every segment after it is checked (<see cref="LogVerifier"/>).</param>
        /// <param name="hash">False when only the checks are wanted (Test-EseLogFile): no hash is computed.</param>
        public static StreamedFile Stream(string path, int pageSize, Stream? copyTo, Action<BadPage>? onBadPage, Action<long>? onBytes,
            CancellationToken cancellation, int chunkSize = DefaultChunkSize, int workers = 0, bool portableReader = false,
            LogFileHeader? log = null, bool hash = true)
        {
            if (workers <= 0) workers = Math.Min(MaxWorkers, Environment.ProcessorCount);
            using var run = new StreamRun(path, SliceReader.Open(path, portableReader), pageSize, copyTo, chunkSize, workers, log, hash);
            return run.Execute(onBadPage, onBytes, cancellation);
        }

        /// <summary>
        /// Streams a file a store opened (<see cref="Stores.IBackupStore.OpenRead"/>), read from its start; <paramref name="path"/>
        /// names it in problems. A file on disk is read positionally by several workers; any other stream is read in order
        /// by one (a blob store's stream downloads ahead on its own). The stream stays the caller's to dispose.
        /// </summary>
        public static StreamedFile Stream(Stream input, string path, int pageSize, Stream? copyTo, Action<BadPage>? onBadPage, Action<long>? onBytes,
            CancellationToken cancellation, LogFileHeader? log = null)
        {
            int workers = Math.Min(MaxWorkers, Environment.ProcessorCount);
            var reader = SliceReader.Over(input, ref workers);
            using var run = new StreamRun(path, reader, pageSize, copyTo, DefaultChunkSize, workers, log, hashing: true);
            return run.Execute(onBadPage, onBytes, cancellation);
        }

        /// <summary>One slice being read, checked and waiting for its turn to commit.</summary>
        sealed class Slot
        {
            public readonly byte[] Buffer;
            public readonly ulong[] Sums;
            public readonly List<BadPage> Bad = new List<BadPage>();
            public long Index;
            /// <summary>Free to take: its last slice is committed. FreedAt orders the free ones, most recent last.</summary>
            public bool Free = true;
            public long FreedAt;
            public int Count;
            public int Blocks;
            public long Pages;
            public readonly LogSegmentTally Segments = new LogSegmentTally();

            public Slot(int sliceSize)
            {
                Buffer = ArrayPool<byte>.Shared.Rent(sliceSize);
                Sums = ArrayPool<ulong>.Shared.Rent(sliceSize / ParallelXxHash128.BlockSize * ParallelXxHash128.Lanes);
            }

            public void Return()
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                ArrayPool<ulong>.Shared.Return(Sums);
            }
        }

        sealed class StreamRun : IDisposable
        {
            readonly string path;
            readonly int pageSize;
            readonly Stream? copyTo;
            readonly SliceReader reader;
            readonly long length;
            readonly long pagesEnd;
            readonly bool hasHeaderPages;
            /// <summary>Where the engine's backup trailer page must be, when the database header calls for one.</summary>
            readonly DatabaseTrailer.Expectation? trailer;
            readonly int sliceSize;
            readonly long sliceCount;
            readonly int workerCount;
            readonly long foldedBlocks;
            readonly byte[] tail;
            readonly long tailStart;
            readonly ParallelXxHash128 hash = new ParallelXxHash128();
            readonly bool hashing;
            readonly LogFileHeader? log;
            readonly LogSegmentTally? segments;
            readonly Slot[][] slots;

            // Shared between workers: nextSlice by Interlocked, the rest under gate.
            long nextSlice = -1;
            readonly object gate = new object();
            long committed;
            readonly Dictionary<long, Slot> published = new Dictionary<long, Slot>();
            bool committing;
            bool stopping;
            /// <summary>The run is over: a helper starting now leaves at once. activeHelpers counts those inside Work.</summary>
            bool closed;
            int activeHelpers;
            Exception? failure;
            long bytesCommitted;
            long pagesChecked;
            readonly List<BadPage> undelivered = new List<BadPage>();

            public StreamRun(string path, SliceReader reader, int pageSize, Stream? copyTo, int chunkSize, int workers, LogFileHeader? log, bool hashing)
            {
                this.path = path;
                this.pageSize = pageSize;
                this.copyTo = copyTo;
                this.log = log;
                this.hashing = hashing;
                segments = log != null ? new LogSegmentTally() : null;
                this.reader = reader;
                try
                {
                    length = reader.Length;
                    pagesEnd = pageSize > 0 ? length / pageSize * pageSize : 0;
                    hasHeaderPages = pageSize > 0 && length >= 2L * pageSize;
                    if (hasHeaderPages)
                    {
                        // Two pages read ahead of the slices: the header says whether the last page is a trailer,
                        // and the slice holding it may be checked before the one holding the header.
                        var headerPages = new byte[2 * pageSize];
                        if (reader.Read(0, headerPages, headerPages.Length) == headerPages.Length)
                            trailer = DatabaseTrailer.Expectation.FromHeaderPages(path, headerPages, pageSize, length);
                    }
                    // Slices hold whole hash blocks and whole pages, so no block or page spans two workers.
                    int unit = Math.Max(Math.Max(pageSize, log?.SectorSize ?? 0), ParallelXxHash128.BlockSize);
                    sliceSize = Math.Max(unit, chunkSize / unit * unit);
                    sliceCount = (length + sliceSize - 1) / sliceSize;
                    workerCount = (int)Math.Max(1, Math.Min(workers, sliceCount));
                    foldedBlocks = ParallelXxHash128.FoldedBlocks(length);
                    tail = new byte[(int)Math.Min(length, ParallelXxHash128.TailSize)];
                    tailStart = length - tail.Length;
                    slots = new Slot[workerCount][];
                    for (int w = 0; w < workerCount; w++)
                    {
                        slots[w] = new Slot[(int)Math.Min(SlotsPerWorker, sliceCount)];
                        for (int k = 0; k < slots[w].Length; k++) slots[w][k] = new Slot(sliceSize);
                    }
                }
                catch
                {
                    Dispose();
                    throw;
                }
            }

            public StreamedFile Execute(Action<BadPage>? onBadPage, Action<long>? onBytes, CancellationToken cancellation)
            {
                var helpers = new Task[workerCount - 1];
                for (int w = 1; w < workerCount; w++)
                {
                    int worker = w;
                    helpers[w - 1] = Task.Run(() => Work(worker, null, null, cancellation));
                }
                try
                {
                    Work(0, onBadPage, onBytes, cancellation);
                    // The calling thread's slices are done; report the helpers' as they commit.
                    while (true)
                    {
                        bool finished;
                        lock (gate)
                        {
                            finished = committed == sliceCount || stopping;
                            if (!finished && undelivered.Count == 0) Monitor.Wait(gate);
                        }
                        Deliver(onBadPage, onBytes);
                        if (finished) break;
                    }
                }
                catch (Exception ex)
                {
                    Stop(ex);
                    throw;
                }
                finally
                {
                    // Never hand a slice back to the pool while a helper may still use it.
                    // Wait for the helpers that started; one the thread pool has not started yet never will touch
                    // a slot (a busy machine can delay it past a small file's whole run).
                    lock (gate)
                    {
                        closed = true;
                        while (activeHelpers > 0) Monitor.Wait(gate);
                    }
                }
                if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
                cancellation.ThrowIfCancellationRequested();

                return new StreamedFile
                {
                    Hash = hashing ? ToHex(hash.Finish(tail, length)) : "",
                    Bytes = bytesCommitted,
                    PagesChecked = pagesChecked,
                    TrailingBytes = pageSize > 0 ? length - pagesEnd : 0,
                    Log = segments,
                };
            }

            /// <summary>Each worker takes the next slice as soon as it is free (no worker waits on a slower one); only the calling thread reports.</summary>
            void Work(int w, Action<BadPage>? onBadPage, Action<long>? onBytes, CancellationToken cancellation)
            {
                bool reports = w == 0;
                if (!reports)
                {
                    lock (gate)
                    {
                        if (closed) return;
                        activeHelpers++;
                    }
                }
                try
                {
                    long i;
                    while ((i = Interlocked.Increment(ref nextSlice)) < sliceCount)
                    {
                        var slot = cancellation.IsCancellationRequested ? null : TakeFreeSlot(w);
                        if (slot == null)
                        {
                            Stop(null);
                            break;
                        }
                        Process(slot, i);
                        Publish(slot);
                        if (reports) Deliver(onBadPage, onBytes);
                    }
                }
                catch (Exception ex) when (!reports)
                {
                    Stop(ex);
                }
                finally
                {
                    if (!reports)
                        lock (gate)
                        {
                            activeHelpers--;
                            Monitor.PulseAll(gate);
                        }
                }
            }

            /// <summary>Reads slice <paramref name="index"/>, sums its hash blocks and checks its pages.</summary>
#if NET8_0_OR_GREATER
            // Fully optimised from the first call: a one-off verification in a fresh process must not run the
            // hot loop as unoptimised tier-0 code until tiered compilation catches up.
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
            void Process(Slot slot, long index)
            {
                long offset = index * sliceSize;
                int count = (int)Math.Min(sliceSize, length - offset);
                int got = reader.Read(offset, slot.Buffer, count);
                if (got != count)
                    throw new IOException($"'{path}' ended at byte {offset + got} while it was being read; it was {length} bytes long when opened.");
                slot.Index = index;
                slot.Count = count;

                slot.Blocks = 0;
                if (hashing)
                {
                    long firstBlock = offset / ParallelXxHash128.BlockSize;
                    slot.Blocks = (int)Math.Max(0, Math.Min((offset + count) / ParallelXxHash128.BlockSize, foldedBlocks) - firstBlock);
                    ParallelXxHash128.SumBlocks(new ReadOnlySpan<byte>(slot.Buffer, 0, slot.Blocks * ParallelXxHash128.BlockSize), slot.Sums);
                    long tailFrom = Math.Max(offset, tailStart);
                    if (tailFrom < offset + count)
                        Array.Copy(slot.Buffer, tailFrom - offset, tail, tailFrom - tailStart, offset + count - tailFrom);
                }

                slot.Bad.Clear();
                slot.Pages = 0;
                slot.Segments.Clear();
                if (log != null)
                {
                    // Slices hold whole sectors: the segments from csecHeader on, as the engine reads them.
                    int cbSec = log.SectorSize;
                    long firstSector = Math.Max(offset / cbSec, log.HeaderSectors);
                    long endSector = (offset + count) / cbSec;
                    if (endSector > firstSector)
                        LogVerifier.CheckSegments(new ReadOnlySpan<byte>(slot.Buffer, (int)(firstSector * cbSec - offset), (int)((endSector - firstSector) * cbSec)),
                            firstSector, cbSec, log.Generation, slot.Segments);
                }
                if (pageSize <= 0) return;
                int wholePages = (int)(Math.Max(0, Math.Min(count, pagesEnd - offset)) / pageSize);
                long filePage = offset / pageSize;
                int first = 0;
                for (; hasHeaderPages && first < wholePages && filePage + first < 2; first++)
                {
                    var bad = DatabaseVerifier.CheckHeaderPage(path, new ReadOnlySpan<byte>(slot.Buffer, first * pageSize, pageSize), shadow: filePage + first == 1);
                    if (bad != null) slot.Bad.Add(bad);
                }
                if (wholePages > first)
                    DatabaseVerifier.VerifyPages(path, slot.Buffer, first * pageSize, (wholePages - first) * pageSize, filePage + first, pageSize, slot.Bad.Add, trailer);
                if (index == 0 && trailer?.CheckRoom() is BadPage noRoom) slot.Bad.Add(noRoom);
                slot.Pages = wholePages;
            }

            /// <summary>Marks a slice ready and commits every ready slice in file order, unless another worker already is.</summary>
            void Publish(Slot slot)
            {
                lock (gate)
                {
                    published.Add(slot.Index, slot);
                    if (committing) return;
                    committing = true;
                }
                while (true)
                {
                    Slot? next;
                    lock (gate)
                    {
                        if (stopping || !published.TryGetValue(committed, out next))
                        {
                            committing = false;
                            Monitor.PulseAll(gate);
                            return;
                        }
                        published.Remove(committed);
                    }
                    try
                    {
                        hash.Fold(new ReadOnlySpan<ulong>(next.Sums, 0, next.Blocks * ParallelXxHash128.Lanes));
                        copyTo?.Write(next.Buffer, 0, next.Count);
                    }
                    catch
                    {
                        lock (gate) committing = false;
                        throw;
                    }
                    lock (gate)
                    {
                        undelivered.AddRange(next.Bad);
                        segments?.Add(next.Segments);
                        bytesCommitted += next.Count;
                        pagesChecked += next.Pages;
                        committed++;
                        next.Free = true;
                        next.FreedAt = committed;
                        Monitor.PulseAll(gate);
                    }
                }
            }

            /// <summary>
            /// One of the worker's own slots, waiting while all hold uncommitted slices; null when the run is
            /// stopping. The most recently freed slot is likely still in this core's cache.
            /// </summary>
            Slot? TakeFreeSlot(int w)
            {
                lock (gate)
                {
                    while (!stopping)
                    {
                        Slot? best = null;
                        foreach (var slot in slots[w])
                            if (slot.Free && (best == null || slot.FreedAt > best.FreedAt)) best = slot;
                        if (best != null)
                        {
                            best.Free = false;
                            return best;
                        }
                        Monitor.Wait(gate);
                    }
                    return null;
                }
            }

            void Stop(Exception? ex)
            {
                lock (gate)
                {
                    if (ex != null && failure == null) failure = ex;
                    stopping = true;
                    Monitor.PulseAll(gate);
                }
            }

            long bytesReported = -1;

            /// <summary>Calling thread only: bad pages and progress of the slices committed so far.</summary>
            void Deliver(Action<BadPage>? onBadPage, Action<long>? onBytes)
            {
                BadPage[] bad;
                long bytes;
                lock (gate)
                {
                    bad = undelivered.Count > 0 ? undelivered.ToArray() : Array.Empty<BadPage>();
                    undelivered.Clear();
                    bytes = bytesCommitted;
                }
                foreach (var page in bad) onBadPage?.Invoke(page);
                if (bytes != bytesReported)
                {
                    bytesReported = bytes;
                    onBytes?.Invoke(bytes);
                }
            }

            public void Dispose()
            {
                reader.Dispose();
                if (slots == null) return;
                foreach (var worker in slots)
                    if (worker != null)
                        foreach (var slot in worker) slot?.Return();
            }
        }

        /// <summary>Positional reads that several workers can issue at once.</summary>
        abstract class SliceReader : IDisposable
        {
            public static SliceReader Open(string path, bool portable)
            {
                // A FIFO or device where a set file belongs would block or stream forever: refused, never opened.
                RegularFile.ThrowIfNotRegular(path);
#if NET8_0_OR_GREATER
                if (!portable) return new PositionalReader(path);
#endif
                return new StreamPerThreadReader(path);
            }

            /// <summary>
            /// Reads a stream a store opened: positionally by every worker when it is a file; any other stream (a blob
            /// download reading ahead) in file order by one worker, so its read-ahead is never broken by a jump.
            /// </summary>
            public static SliceReader Over(Stream stream, ref int workers)
            {
#if NET8_0_OR_GREATER
                if (stream is FileStream file) return new PositionalReader(file.SafeFileHandle, owns: false);
#else
                if (stream is FileStream file) return new StreamPerThreadReader(file.Name);
#endif
                workers = 1;
                return new LockedStreamReader(stream);
            }

            public abstract long Length { get; }

            /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="offset"/>; fewer only at the end of the file.</summary>
            public abstract int Read(long offset, byte[] buffer, int count);

            public abstract void Dispose();
        }

#if NET8_0_OR_GREATER
        /// <summary>One handle for all workers: the kernel sees one stream of neighbouring reads and keeps reading ahead.</summary>
        sealed class PositionalReader : SliceReader
        {
            readonly SafeFileHandle handle;
            readonly bool owns = true;

            public PositionalReader(string path)
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                Length = RandomAccess.GetLength(handle);
            }

            public PositionalReader(SafeFileHandle handle, bool owns)
            {
                this.handle = handle;
                this.owns = owns;
                Length = RandomAccess.GetLength(handle);
            }

            public override long Length { get; }

            public override int Read(long offset, byte[] buffer, int count)
            {
                int got = 0;
                while (got < count)
                {
                    int n = RandomAccess.Read(handle, new Span<byte>(buffer, got, count - got), offset + got);
                    if (n <= 0) break;
                    got += n;
                }
                return got;
            }

            public override void Dispose()
            {
                if (owns) handle.Dispose();
            }
        }
#endif

        /// <summary>
        /// Any other stream, read by one worker whose slices come in file order (a seek only if a caller asks out of
        /// order and the stream can). The database header pages read ahead of the slices (at most
        /// <see cref="FileHead.Size"/> bytes from the start) are kept, so the first slice reads them again without a seek.
        /// </summary>
        sealed class LockedStreamReader : SliceReader
        {
            readonly Stream stream;
            long position;
            byte[]? head;

            public LockedStreamReader(Stream stream)
            {
                this.stream = stream;
                Length = stream.Length;
                position = stream.CanSeek ? stream.Position : 0;
            }

            public override long Length { get; }

            public override int Read(long offset, byte[] buffer, int count)
            {
                lock (stream)
                {
                    int done = 0;
                    if (head != null && offset < head.Length)
                    {
                        done = (int)Math.Min(count, head.Length - offset);
                        Buffer.BlockCopy(head, (int)offset, buffer, 0, done);
                        if (done == count) return done;
                        offset += done;
                    }
                    if (offset != position)
                    {
                        if (!stream.CanSeek) throw new InvalidOperationException($"A stream that cannot seek was read out of order (at {offset}, not {position}).");
                        stream.Position = offset;
                    }
                    int got = DatabaseHeader.ReadFully(stream, buffer, done, count - done);
                    if (offset == 0 && head == null && got <= FileHead.Size)
                    {
                        head = new byte[got];
                        Buffer.BlockCopy(buffer, 0, head, 0, got);
                    }
                    position = offset + got;
                    return done + got;
                }
            }

            public override void Dispose() { }
        }

        /// <summary>netstandard2.0 has no positional read: a stream per worker thread, positioned for each slice.</summary>
        sealed class StreamPerThreadReader : SliceReader
        {
            readonly string path;
            readonly ThreadLocal<FileStream> streams;

            public StreamPerThreadReader(string path)
            {
                this.path = path;
                streams = new ThreadLocal<FileStream>(OpenStream, trackAllValues: true);
                try { Length = streams.Value!.Length; }
                catch
                {
                    Dispose();
                    throw;
                }
            }

            FileStream OpenStream() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

            public override long Length { get; }

            public override int Read(long offset, byte[] buffer, int count)
            {
                var stream = streams.Value!;
                stream.Position = offset;
                return DatabaseHeader.ReadFully(stream, buffer, 0, count);
            }

            public override void Dispose()
            {
                foreach (var stream in streams.Values) stream.Dispose();
                streams.Dispose();
            }
        }

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
