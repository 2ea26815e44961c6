using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Fixtures
{
    public sealed class LogWriterTests : TempFolderTest
    {
        public LogWriterTests() : base("fixtures-logs") { }

        [Theory]
        [InlineData("edb", null, ".log", "edb0000A.log", 512)]
        [InlineData("E00", null, ".log", "E000000000A.log", 4096)]
        [InlineData("USS", 5, ".jtx", "USS0000A.jtx", 4096)]
        public void Log_generations_read_back_with_Core_without_gaps(string baseName, int? digits, string extension, string tenthName, int sectorSize)
        {
            var spec = new LogSetSpec
            {
                BaseName = baseName, GenerationDigits = digits, Extension = extension, FirstGeneration = 3, LastGeneration = 12,
                SectorSize = sectorSize, LogFileSize = 256 * 1024, ReserveLogCount = 2, IncludeTempLog = true, DatabasePageSize = 16384,
            };
            var written = EseFixtureWriter.WriteLogs(Dir, spec);

            Assert.True(File.Exists(Path.Combine(Dir, tenthName)));
            Assert.True(File.Exists(Path.Combine(Dir, baseName + extension)));
            Assert.Equal(10, written.Logs.Count);

            var sequence = LogSequence.Scan(Dir);
            Assert.Equal(baseName, sequence.BaseName, ignoreCase: true);
            Assert.True(sequence.IsContiguous);
            Assert.Empty(sequence.Unreadable);
            Assert.Equal(3, sequence.LowGeneration);
            Assert.Equal(12, sequence.HighGeneration);
            Assert.Equal(Enumerable.Range(3, 10).Select(g => (long)g), sequence.Logs.Select(l => l.Generation));
            var current = sequence.Logs.Single(l => l.IsCurrent);
            Assert.Equal(12, current.Generation);
            foreach (var log in sequence.Logs)
            {
                var w = written.Logs.Single(x => x.Generation == log.Generation);
                Assert.True(log.HeaderChecksumValid);
                Assert.Equal(written.LogSignature, log.LogSignature);
                Assert.Equal(w.CreateTime, log.CreateTime);
                Assert.Equal(w.PreviousGenerationTime, log.PreviousGenerationTime);
                Assert.Equal(spec.CreateTimeOfForTest(log.Generation - 1), log.PreviousGenerationTime);
                Assert.Equal(sectorSize, log.SectorSize);
                Assert.Equal(256 * 1024, log.FileSize);
                Assert.Equal(256 * 1024, log.ActualFileSize);
                Assert.Equal(16384, log.DatabasePageSize);
            }
            // Each generation was created when the previous one was closed.
            for (int i = 1; i < sequence.Logs.Count; i++) Assert.Equal(sequence.Logs[i - 1].CreateTime, sequence.Logs[i].PreviousGenerationTime);

            Assert.Equal(3, sequence.TempAndReserveLogs.Count);
            Assert.All(sequence.TempAndReserveLogs, l => Assert.True(l.IsZeroFilled));
            Assert.True(File.Exists(Path.Combine(Dir, baseName + "res00002.jrs")));
            Assert.True(File.Exists(Path.Combine(Dir, baseName + "tmp" + extension)));
            Assert.Equal(EseFileKind.Log, EseFileDetector.Detect(written.Logs[0].Path));
            Assert.Equal(EseFileKind.ReserveLog, EseFileDetector.Detect(written.ReserveLogs[0]));
        }

        [Fact]
        public void Missing_generations_show_as_gaps()
        {
            var spec = new LogSetSpec { FirstGeneration = 1, LastGeneration = 9, MissingGenerations = new HashSet<long> { 4, 5, 8 }, LogFileSize = 64 * 1024 };
            EseFixtureWriter.WriteLogs(Dir, spec);
            var sequence = LogSequence.Scan(Dir);
            Assert.Equal(new[] { "4-5", "8" }, sequence.Gaps.Select(g => g.ToString()));
        }

        [Fact]
        public void Archived_names_only_when_the_last_log_is_not_current()
        {
            var written = EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { BaseName = "E01", FirstGeneration = 0x1FF, LastGeneration = 0x200, LastIsCurrent = false, LogFileSize = 64 * 1024, ReserveLogCount = 0 });
            Assert.Equal(new[] { "E01000001FF.log", "E0100000200.log" }, written.Logs.Select(l => l.Name));
            Assert.DoesNotContain(LogSequence.Scan(Dir).Logs, l => l.IsCurrent);
        }

        [Fact]
        public void A_checkpoint_reads_back_with_its_generation_and_signature()
        {
            var signature = new EseSignature(0x12345678, new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), "HOST");
            var path = EseFixtureWriter.WriteCheckpoint(Path.Combine(Dir, "E00.chk"), signature, 0x42);
            var chk = CheckpointHeader.Read(path);
            Assert.True(chk.HeaderChecksumValid);
            Assert.Equal(0x42, chk.CheckpointGeneration);
            Assert.Equal(signature, chk.LogSignature);
            Assert.Equal(8192, new FileInfo(path).Length);
            Assert.Equal(EseFileKind.Checkpoint, EseFileDetector.Detect(path));
        }

        [Theory]
        [InlineData("ed", 1, 5, 1 << 20, "BaseName")]
        [InlineData("edb", 6, 5, 1 << 20, "Generations 6..5")]
        [InlineData("edb", 1, 5, 5000, "LogFileSize 5000")]
        public void Bad_log_specs_are_refused_with_a_clear_message(string baseName, long first, long last, int size, string expected)
        {
            var ex = Assert.Throws<ArgumentException>(() => EseFixtureWriter.WriteLogs(Dir, new LogSetSpec { BaseName = baseName, FirstGeneration = first, LastGeneration = last, LogFileSize = size }));
            Assert.Contains(expected, ex.Message);
        }
    }

    internal static class LogSetSpecTestExtensions
    {
        public static DateTime CreateTimeOfForTest(this LogSetSpec spec, long generation) =>
            spec.FirstCreationTime + TimeSpan.FromTicks(spec.GenerationInterval.Ticks * (generation - spec.FirstGeneration));
    }
}
