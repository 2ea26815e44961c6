using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>
    /// The set file streamer splits a file between workers; whatever the cut, it must give the file's
    /// XxHash128, copy every byte in order, and report bad pages in page order on the calling thread.
    /// </summary>
    public sealed class SetFileStreamerTests : TempFolderTest
    {
        public SetFileStreamerTests() : base("streamer") { }

        /// <summary>A database of <paramref name="pages"/> file pages: header, shadow, then stamped random pages (XOR+ECC).</summary>
        string WriteDatabase(string name, int pageSize, int pages, int trailingBytes = 0, int seed = 1)
        {
            var header = new DatabaseHeader { PageSize = pageSize, FormatRevision = 0x14 };
            header.DatabaseSignature = new EseSignature(1, DateTime.UtcNow, "STREAM");
            header.LogSignature = new EseSignature(2, DateTime.UtcNow, "STREAM");
            var page0 = header.ToPage();
            var bytes = new byte[(long)pages * pageSize + trailingBytes];
            Array.Copy(page0, 0, bytes, 0, pageSize);
            Array.Copy(page0, 0, bytes, pageSize, pageSize);
            var rng = new Random(seed);
            for (int p = 2; p < pages; p++)
            {
                var page = bytes.AsSpan(p * pageSize, pageSize);
                rng.NextBytes(page);
                page[37] |= 0x20;
                PageChecksum.Stamp(page, p - 1);
            }
            rng.NextBytes(bytes.AsSpan(pages * pageSize, trailingBytes));
            var path = Path.Combine(Dir, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        string WriteBytes(string name, int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            var path = Path.Combine(Dir, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();

        public static IEnumerable<object[]> Cuts() =>
            from workers in new[] { 1, 2, 3, 4 }
            from chunk in new[] { 1024, 8192, 40 * 1024, 512 * 1024 }
            from portable in new[] { false, true }
            select new object[] { workers, chunk, portable };

        [Theory]
        [MemberData(nameof(Cuts))]
        public void Any_cut_gives_the_file_hash_and_an_exact_copy(int workers, int chunk, bool portable)
        {
            foreach (var length in new[] { 0, 1, 240, 241, 1024, 1025, 1088, 8191, 65536, 65536 + 100, 300_001 })
            {
                var path = WriteBytes($"f{length}.bin", length, length);
                var expected = File.ReadAllBytes(path);
                using var copy = new MemoryStream();
                var result = SetFileStreamer.Stream(path, 0, copy, null, null, CancellationToken.None, chunk, workers, portable);
                Assert.Equal(Hex(XxHash128.Hash(expected)), result.Hash);
                Assert.Equal(length, result.Bytes);
                Assert.Equal(expected, copy.ToArray());
                Assert.Equal(0, result.PagesChecked);
            }
        }

        [Theory]
        [InlineData(1, 4096)] [InlineData(2, 4096)] [InlineData(2, 8192)] [InlineData(4, 32768)] [InlineData(3, 16384)]
        public void Bad_pages_arrive_in_page_order_on_the_calling_thread(int workers, int pageSize)
        {
            var path = WriteDatabase("bad.edb", pageSize, 300);
            var bytes = File.ReadAllBytes(path);
            var flipped = new long[] { 0, 1, 2, 3, 57, 58, 150, 299 };     // file page indexes: header, shadow, pages
            foreach (var p in flipped) bytes[p * pageSize + pageSize / 2] ^= 0x04;
            File.WriteAllBytes(path, bytes);

            int caller = Environment.CurrentManagedThreadId;
            var reported = new List<long>();
            var progress = new List<long>();
            var result = SetFileStreamer.Stream(path, pageSize, null,
                bad => { Assert.Equal(caller, Environment.CurrentManagedThreadId); reported.Add(bad.PageNumber); },
                done => { Assert.Equal(caller, Environment.CurrentManagedThreadId); progress.Add(done); },
                CancellationToken.None, 3 * pageSize, workers);

            Assert.Equal(flipped.Select(p => p - 1), reported);           // page number = file page index − 1
            Assert.Equal(300, result.PagesChecked);
            Assert.Equal(Hex(XxHash128.Hash(bytes)), result.Hash);
            Assert.Equal(bytes.Length, progress.Last());
            Assert.Equal(progress.OrderBy(x => x), progress);
        }

        [Fact]
        public void A_valid_database_has_no_bad_pages_and_a_torn_tail_is_counted()
        {
            var path = WriteDatabase("good.edb", 8192, 200, trailingBytes: 100);
            var bad = new List<BadPage>();
            var result = SetFileStreamer.Stream(path, 8192, null, bad.Add, null, CancellationToken.None, 64 * 1024, 2);
            Assert.Empty(bad);
            Assert.Equal(200, result.PagesChecked);
            Assert.Equal(100, result.TrailingBytes);
            Assert.Equal(Hex(XxHash128.Hash(File.ReadAllBytes(path))), result.Hash);
        }

        [Fact]
        public void A_throwing_bad_page_handler_stops_the_run_and_no_worker_outlives_it()
        {
            var path = WriteDatabase("stop.edb", 4096, 2000);
            var bytes = File.ReadAllBytes(path);
            bytes[10 * 4096 + 99] ^= 1;
            File.WriteAllBytes(path, bytes);
            long copied = 0;
            var sink = new CountingStream(n => Interlocked.Add(ref copied, n));
            var ex = Assert.Throws<InvalidOperationException>(() =>
                SetFileStreamer.Stream(path, 4096, sink, bad => throw new InvalidOperationException($"stop at {bad.PageNumber}"), null, CancellationToken.None, 8192, 2));
            Assert.Equal("stop at 9", ex.Message);
            long after = Interlocked.Read(ref copied);
            Thread.Sleep(50);
            Assert.Equal(after, Interlocked.Read(ref copied));               // nothing still writing
            Assert.True(after < bytes.Length);
        }

        [Fact]
        public void Cancellation_stops_the_run()
        {
            var path = WriteBytes("cancel.bin", 4 << 20, 5);
            using var cts = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                SetFileStreamer.Stream(path, 0, null, null, done => { if (done > 1 << 20) cts.Cancel(); }, cts.Token, 64 * 1024, 2));
        }

        [Fact]
        public void A_failing_copy_target_surfaces_its_error()
        {
            var path = WriteBytes("copy.bin", 1 << 20, 6);
            var sink = new CountingStream(n => throw new IOException("disk full"));
            var ex = Assert.Throws<IOException>(() => SetFileStreamer.Stream(path, 0, sink, null, null, CancellationToken.None, 64 * 1024, 2));
            Assert.Equal("disk full", ex.Message);
        }

        [XxhsumOracleFact]
        public void The_hash_is_what_the_reference_xxhsum_prints()
        {
            // Lengths around XXH3's short-input and block boundaries, and a file several slices long.
            foreach (var length in new[] { 0, 17, 240, 241, 1024, 1025, 70_000, 3 * 1024 * 1024 + 7 })
            {
                var path = WriteBytes($"x{length}.bin", length, length + 1);
                var (exit, stdout, stderr) = TestEnvironment.Run("xxhsum", "-H2", path);
                Assert.True(exit == 0, $"xxhsum failed: {stderr}");
                var expected = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                var streamed = SetFileStreamer.Stream(path, 0, null, null, null, CancellationToken.None, 64 * 1024, 2);
                Assert.Equal(expected, streamed.Hash);
            }
        }

        /// <summary>A write-only sink that reports each write's size.</summary>
        sealed class CountingStream : Stream
        {
            readonly Action<int> onWrite;
            public CountingStream(Action<int> onWrite) => this.onWrite = onWrite;
            public override void Write(byte[] buffer, int offset, int count) => onWrite(count);
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
