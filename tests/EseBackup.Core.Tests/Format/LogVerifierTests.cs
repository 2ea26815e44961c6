using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>The log verifier on the real logs made by Windows, on damaged copies of them, and on the fixture writer's logs.</summary>
    public sealed class LogVerifierTests : TempFolderTest
    {
        public LogVerifierTests() : base("log-verifier") { }

        static string Real(string relative) => TestEnvironment.RealFile(relative);

        public static IEnumerable<object[]> RealLogs() => new[]
        {
            "appdata-folder/edb/edb.log", "appdata-folder/edb/edb0000D.log",
            "appdata-folder/uss/USStmp.jtx", "appdata-folder/uss/USS00040.jtx", "appdata-folder/uss/USS00041.jtx",
        }.Select(f => new object[] { f });

        [RealEseTheory]
        [MemberData(nameof(RealLogs))]
        public void Every_real_log_verifies(string file)
        {
            var check = LogVerifier.VerifyFile(Real(file));
            Assert.True(check.IsValid, string.Join("; ", check.Problems));
            Assert.Equal(LogCheckStatus.Valid, check.Status);
            Assert.Equal(check.Size / 4096 - 1, check.SegmentsChecked + check.EmptySegments);
            Assert.True(check.SegmentsChecked > 30);
            // The independent check in this test project agrees segment for segment.
            var independent = IndependentLogCheck.Run(File.ReadAllBytes(Real(file)));
            Assert.Equal(independent.Written + independent.Shadows, check.SegmentsChecked);
            Assert.Equal(independent.Shadows, check.ShadowSegments);
            Assert.Empty(independent.Bad);
        }

        [RealEseFact]
        public void The_current_real_log_has_one_shadow_segment()
        {
            var check = LogVerifier.VerifyFile(Real("appdata-folder/edb/edb.log"));
            Assert.Equal(1, check.ShadowSegments);
        }

        [RealEseFact]
        public void The_three_adjacent_real_generations_link()
        {
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(Directory.GetFiles(Real("appdata-folder/uss")), results.Add);
            var logs = results.Where(r => r.Generation != null).ToList();
            Assert.Equal(new long?[] { 63, 64, 65 }, logs.Select(r => r.Generation));
            Assert.All(logs, r => Assert.True(r.IsValid, string.Join("; ", r.Problems)));
            // Each header records its predecessor's accumulated segment checksum, and it is what was read.
            Assert.Equal(logs[0].WrittenSegmentsChecksum, logs[1].Header!.PreviousLogSegmentsChecksum);
            Assert.Equal(logs[1].WrittenSegmentsChecksum, logs[2].Header!.PreviousLogSegmentsChecksum);
            Assert.NotEqual(0UL, logs[1].Header!.PreviousLogSegmentsChecksum);
            // The zero-filled reserve log is reported as not verifiable, never as valid or corrupt.
            var reserve = results.Single(r => r.Name == "USSres00001.jrs");
            Assert.Null(reserve.IsValid);
            Assert.Equal(LogCheckStatus.NotVerifiable, reserve.Status);
        }

        [RealEseFact]
        public void Random_bit_flips_in_random_segments_are_each_named_with_file_and_sector()
        {
            var rng = new Random(20261129);
            foreach (var file in new[] { "appdata-folder/uss/USS00040.jtx", "appdata-folder/edb/edb0000D.log", "appdata-folder/edb/edb.log" })
            {
                var bytes = File.ReadAllBytes(Real(file));
                var nonEmpty = Enumerable.Range(1, bytes.Length / 4096 - 1).Where(s => bytes.AsSpan(s * 4096, 4096).ToArray().Any(b => b != 0)).ToList();
                for (int round = 0; round < 6; round++)
                {
                    int sector = nonEmpty[rng.Next(nonEmpty.Count)];
                    int bit = rng.Next(4096 * 8);
                    var copy = (byte[])bytes.Clone();
                    copy[sector * 4096 + bit / 8] ^= (byte)(1 << (bit % 8));
                    var path = Path.Combine(Dir, Path.GetFileName(file));
                    File.WriteAllBytes(path, copy);
                    var check = LogVerifier.VerifyFile(path);
                    var problem = Assert.Single(check.Problems);
                    Assert.Equal(LogProblemKind.BadSegment, problem.Kind);
                    Assert.Equal(sector, problem.Sector);
                    Assert.Contains(path, problem.Message);
                    Assert.Contains($"sector {sector}", problem.Message);
                    Assert.False(check.IsValid);
                }
            }
        }

        [RealEseFact]
        public void A_changed_chain_checksum_breaks_the_link_to_the_later_generation()
        {
            foreach (var f in new[] { "USStmp.jtx", "USS00040.jtx", "USS00041.jtx" }) File.Copy(Real("appdata-folder/uss/" + f), Path.Combine(Dir, f));
            var path = Path.Combine(Dir, "USS00041.jtx");
            var bytes = File.ReadAllBytes(path);
            bytes[653] ^= 0x10;
            PageChecksum.StampLogHeader(bytes); // a header that still verifies, with a wrong chain checksum
            File.WriteAllBytes(path, bytes);

            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(Directory.GetFiles(Dir), results.Add);
            Assert.True(results.Single(r => r.Generation == 64).IsValid);
            var later = results.Single(r => r.Generation == 65);
            var problem = Assert.Single(later.Problems);
            Assert.Equal(LogProblemKind.LogSequenceChecksumMismatch, problem.Kind);
            Assert.Contains("generation 64", problem.Message);
            Assert.Contains("JET_errLogSequenceChecksumMismatch", problem.Message);
        }

        [RealEseFact]
        public void A_changed_previous_generation_time_breaks_the_link()
        {
            foreach (var f in new[] { "USS00040.jtx", "USS00041.jtx" }) File.Copy(Real("appdata-folder/uss/" + f), Path.Combine(Dir, f));
            var path = Path.Combine(Dir, "USS00041.jtx");
            var bytes = File.ReadAllBytes(path);
            bytes[24] ^= 0x01; // a second off
            PageChecksum.StampLogHeader(bytes);
            File.WriteAllBytes(path, bytes);
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(Directory.GetFiles(Dir), results.Add);
            var problem = Assert.Single(results.Single(r => r.Generation == 65).Problems);
            Assert.Equal(LogProblemKind.InvalidLogSequence, problem.Kind);
            Assert.Contains("JET_errInvalidLogSequence", problem.Message);
        }

        [RealEseFact]
        public void A_truncated_log_is_reported_as_truncated()
        {
            var path = Path.Combine(Dir, "edb0000D.log");
            var bytes = File.ReadAllBytes(Real("appdata-folder/edb/edb0000D.log"));
            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 3 * 4096 - 100).ToArray());
            var check = LogVerifier.VerifyFile(path);
            Assert.False(check.IsValid);
            var truncated = Assert.Single(check.Problems);
            Assert.Equal(LogProblemKind.Truncated, truncated.Kind);
            Assert.Contains("truncated", truncated.Message);
            Assert.Contains(path, truncated.Message);
        }

        [RealEseFact]
        public void A_log_of_another_stream_between_two_generations_is_caught()
        {
            // Generation 64 of the uss stream replaced by a log of the edb stream renumbered to 64.
            File.Copy(Real("appdata-folder/uss/USStmp.jtx"), Path.Combine(Dir, "USStmp.jtx"));
            var foreign = File.ReadAllBytes(Real("appdata-folder/edb/edb0000D.log"));
            BinaryPrimitives.WriteInt32LittleEndian(foreign.AsSpan(4), 64);
            PageChecksum.StampLogHeader(foreign);
            File.WriteAllBytes(Path.Combine(Dir, "USS00040.jtx"), foreign);
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(Directory.GetFiles(Dir), results.Add);
            var problem = Assert.Single(results.Single(r => r.Generation == 64).Problems);
            Assert.Equal(LogProblemKind.ForeignLog, problem.Kind);
            Assert.Contains("another log stream", problem.Message);
        }

        [RealEseFact]
        public void A_damaged_header_is_a_bad_header_naming_the_file()
        {
            var path = Path.Combine(Dir, "edb0000D.log");
            var bytes = File.ReadAllBytes(Real("appdata-folder/edb/edb0000D.log"));
            bytes[100] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            var check = LogVerifier.VerifyFile(path);
            var problem = Assert.Single(check.Problems);
            Assert.Equal(LogProblemKind.BadHeader, problem.Kind);
            Assert.Equal(13, check.Generation); // from the file name
            Assert.Contains(path, problem.Message);
        }

        [RealEseFact]
        public void A_pre_segment_log_is_not_verifiable_never_valid_or_corrupt()
        {
            var path = Path.Combine(Dir, "edb0000D.log");
            var bytes = File.ReadAllBytes(Real("appdata-folder/edb/edb0000D.log"));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(32), 7);
            bytes[5000] ^= 1; // a body the segment rules would call corrupt
            PageChecksum.StampLogHeader(bytes);
            File.WriteAllBytes(path, bytes);
            var check = LogVerifier.VerifyFile(path);
            Assert.Null(check.IsValid);
            Assert.Equal(LogCheckStatus.NotVerifiable, check.Status);
            Assert.Empty(check.Problems);
            Assert.Contains("pre-segment", check.Note);
        }

        [Theory]
        [InlineData(4096, 256 * 1024)]
        [InlineData(512, 64 * 1024)]
        public void Written_logs_verify_with_the_verifier_and_the_independent_check(int sectorSize, int logSize)
        {
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { FirstGeneration = 7, LastGeneration = 11, SectorSize = sectorSize, LogFileSize = logSize, IncludeTempLog = true });
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(written.Logs.Select(l => l.Path), results.Add);
            Assert.Equal(5, results.Count);
            Assert.All(results, r => Assert.True(r.IsValid, string.Join("; ", r.Problems)));
            Assert.Equal(1, results.Last().ShadowSegments);
            Assert.True(results.Last().EmptySegments > 0);

            IndependentLogCheck.Result? previous = null;
            foreach (var log in written.Logs)
            {
                var bytes = File.ReadAllBytes(log.Path);
                var independent = IndependentLogCheck.Run(bytes);
                Assert.Empty(independent.Bad);
                if (previous != null)
                {
                    Assert.Equal(previous.Accumulated, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(653)));
                    Assert.NotEqual(0UL, previous.Accumulated);
                }
                previous = independent;
            }
        }

        [Fact]
        public void Written_logs_with_a_flipped_bit_fail_both_checks_at_the_same_sector()
        {
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { FirstGeneration = 1, LastGeneration = 1, LastIsCurrent = false, LogFileSize = 128 * 1024, ReserveLogCount = 0 });
            var path = written.Logs[0].Path;
            var bytes = File.ReadAllBytes(path);
            bytes[9 * 4096 + 777] ^= 0x04;
            File.WriteAllBytes(path, bytes);
            Assert.Equal(new long[] { 9 }, IndependentLogCheck.Run(bytes).Bad);
            Assert.Equal(9, Assert.Single(LogVerifier.VerifyFile(path).Problems).Sector);
        }

        [Fact]
        public void Many_logs_verified_side_by_side_come_out_in_generation_order_with_every_problem_and_link()
        {
            // Files go to the cores whole: results must still come out in order, on the calling thread, each linked to the one before.
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { FirstGeneration = 1, LastGeneration = 40, LogFileSize = 64 * 1024, ReserveLogCount = 0, LastIsCurrent = false });
            var paths = written.Logs.Select(l => l.Path).ToList();
            var bad = File.ReadAllBytes(paths[16]);
            bad[5 * 4096 + 11] ^= 0x20;
            File.WriteAllBytes(paths[16], bad);
            var relinked = File.ReadAllBytes(paths[29]);
            relinked[653] ^= 0x01; // generation 30's record of generation 29's segments
            PageChecksum.StampLogHeader(relinked);
            File.WriteAllBytes(paths[29], relinked);

            int caller = Environment.CurrentManagedThreadId;
            var threads = new HashSet<int>();
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(Enumerable.Reverse(paths), c => { threads.Add(Environment.CurrentManagedThreadId); results.Add(c); },
                (path, bytes) => threads.Add(Environment.CurrentManagedThreadId));

            Assert.Equal(Enumerable.Range(1, 40).Select(g => (long?)g), results.Select(r => r.Generation));
            Assert.Equal(new[] { caller }, threads);
            var segment = Assert.Single(results[16].Problems);
            Assert.Equal(LogProblemKind.BadSegment, segment.Kind);
            Assert.Equal(5, segment.Sector);
            // Generation 18's link to a log whose body failed is not judged on the checksum (the body is not what was written).
            Assert.True(results[17].IsValid, string.Join("; ", results[17].Problems));
            var link = Assert.Single(results[29].Problems);
            Assert.Equal(LogProblemKind.LogSequenceChecksumMismatch, link.Kind);
            Assert.Equal(38, results.Count(r => r.IsValid == true));
        }

        [Fact]
        public void Cancelling_many_logs_stops_with_OperationCanceledException_and_no_result_after_it()
        {
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { FirstGeneration = 1, LastGeneration = 30, LogFileSize = 64 * 1024, ReserveLogCount = 0, LastIsCurrent = false });
            using var cancel = new System.Threading.CancellationTokenSource();
            var results = new List<LogFileCheck>();
            Assert.ThrowsAny<OperationCanceledException>(() => LogVerifier.VerifyFiles(written.Logs.Select(l => l.Path), c =>
            {
                results.Add(c);
                if (results.Count == 5) cancel.Cancel();
            }, null, cancel.Token));
            Assert.Equal(5, results.Count);
        }

        [Fact]
        public void A_log_that_cannot_be_read_among_many_is_its_own_unreadable_result()
        {
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { FirstGeneration = 1, LastGeneration = 6, LogFileSize = 64 * 1024, ReserveLogCount = 0, LastIsCurrent = false });
            var paths = written.Logs.Select(l => l.Path).ToList();
            var gone = paths[2];
            var results = new List<LogFileCheck>();
            LogVerifier.VerifyFiles(paths.Take(2).Append(gone + ".missing").Concat(paths.Skip(3)), results.Add);
            Assert.Equal(6, results.Count);
            var unreadable = Assert.Single(results, r => r.Problems.Any(p => p.Kind == LogProblemKind.Unreadable));
            Assert.Equal(gone + ".missing", unreadable.Path);
            Assert.Equal(5, results.Count(r => r.IsValid == true));
        }
    }

    /// <summary>
    /// A second check of log bodies, written apart from the core's: it reads the header fields itself and computes
    /// each segment's ECC from its definition, bit by bit (<see cref="ChecksumPathTests.NewFormatByDefinition"/>).
    /// </summary>
    internal static class IndependentLogCheck
    {
        public sealed class Result
        {
            public long Written;
            public long Shadows;
            public ulong Accumulated;
            public List<long> Bad = new List<long>();
        }

        public static Result Run(byte[] log)
        {
            int cbSec = BitConverter.ToUInt16(log, 8);
            int csecHeader = BitConverter.ToUInt16(log, 10);
            int generation = BitConverter.ToInt32(log, 4);
            var result = new Result();
            for (int sector = csecHeader; (sector + 1) * cbSec <= log.Length; sector++)
            {
                var segment = new byte[cbSec];
                Array.Copy(log, sector * cbSec, segment, 0, cbSec);
                if (segment.All(b => b == 0)) continue;
                ulong stored = BitConverter.ToUInt64(segment, 0);
                if (stored == ChecksumPathTests.NewFormatByDefinition(segment, (uint)sector, headerBlock: true))
                {
                    result.Written++;
                    if (BitConverter.ToInt32(segment, 12) == generation) result.Accumulated ^= stored;
                }
                else if (stored == ChecksumPathTests.NewFormatByDefinition(segment, (uint)(sector - 1), headerBlock: true))
                    result.Shadows++;
                else
                    result.Bad.Add(sector);
            }
            return result;
        }
    }
}
