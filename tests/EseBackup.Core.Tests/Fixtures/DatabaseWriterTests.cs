using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Fixtures
{
    public sealed class DatabaseWriterTests : TempFolderTest
    {
        public DatabaseWriterTests() : base("fixtures-db") { }

        public static IEnumerable<object[]> PageSizesAndStates() =>
            from size in new[] { 4096, 8192, 16384, 32768 }
            from state in new[] { DatabaseState.CleanShutdown, DatabaseState.DirtyShutdown }
            select new object[] { size, state };

        static DatabaseSpec SpecFor(int pageSize, DatabaseState state) => new DatabaseSpec
        {
            PageSize = pageSize,
            State = state,
            RecordCount = 40,
            Seed = pageSize + (int)state,
            RequiredLogLow = state == DatabaseState.DirtyShutdown ? 7 : (long?)null,
            RequiredLogHigh = state == DatabaseState.DirtyShutdown ? 9 : (long?)null,
            LastLogGeneration = 9,
            TableName = "Orders",
            DatabaseTime = 0x2345,
            FormatRevision = 0x6e,
            LastFullBackup = new BackupInfo(new LogPosition(3, 2, 1), new DateTime(2024, 2, 3, 4, 5, 6, DateTimeKind.Utc), 2, 4),
            LastIncrementalBackup = new BackupInfo(new LogPosition(5, 1, 0), new DateTime(2024, 2, 4, 4, 5, 6, DateTimeKind.Utc), 5, 6),
        };

        [Theory]
        [MemberData(nameof(PageSizesAndStates))]
        public void Core_reads_back_every_header_field_written(int pageSize, DatabaseState state)
        {
            var spec = SpecFor(pageSize, state);
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "h.edb"), spec);

            var h = DatabaseHeader.Read(db.Path);
            Assert.True(h.HeaderChecksumValid);
            Assert.True(h.ShadowHeaderMatches);
            Assert.Equal(pageSize, h.PageSize);
            Assert.Equal(0x620, h.FormatVersion);
            Assert.Equal(0x6e, h.FormatRevision);
            Assert.Equal(state, h.State);
            Assert.Equal(0x2345UL, h.DatabaseTime);
            Assert.Equal(db.DatabaseSignature, h.DatabaseSignature);
            Assert.Equal("FIXTURE", h.DatabaseSignature.ComputerName);
            Assert.Equal(spec.CreationTime, h.DatabaseSignature.CreationTime);
            Assert.Equal(db.LogSignature, h.LogSignature);
            Assert.NotEqual(h.DatabaseSignature.Random, h.LogSignature.Random);
            Assert.Equal(state == DatabaseState.DirtyShutdown ? 7 : 0, h.RequiredLogLow);
            Assert.Equal(state == DatabaseState.DirtyShutdown ? 9 : 0, h.RequiredLogHigh);
            Assert.Equal(2, h.PreviousFullBackup.LowGeneration);
            Assert.Equal(4, h.PreviousFullBackup.HighGeneration);
            Assert.Equal(new DateTime(2024, 2, 3, 4, 5, 6, DateTimeKind.Utc), h.PreviousFullBackup.Time);
            Assert.Equal(5, h.PreviousIncrementalBackup.LowGeneration);
            Assert.Equal(6, h.PreviousIncrementalBackup.HighGeneration);
            Assert.Equal(db.PageCount, h.PageCount);
            Assert.Equal(db.FileSize, new FileInfo(db.Path).Length);
            if (state == DatabaseState.CleanShutdown) Assert.Equal(9, h.ConsistentPosition.Generation);
            else Assert.True(h.ConsistentPosition.IsEmpty);
        }

        [Theory]
        [MemberData(nameof(PageSizesAndStates))]
        public void Core_verifier_finds_every_page_valid(int pageSize, DatabaseState state)
        {
            var spec = SpecFor(pageSize, state);
            spec.PageCount = 300;
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "v.edb"), spec);

            var result = DatabaseVerifier.Verify(db.Path);
            Assert.True(result.IsValid, string.Join("\n", result.BadPages.Take(5).Select(b => b.Describe())));
            Assert.Equal(302, result.PagesChecked); // 300 database pages and the two header pages
            Assert.Equal(302, result.ValidPages);
            Assert.Equal(0, result.UninitializedPages);
            Assert.Equal(0, result.BadPageCount);
            Assert.True(db.FreePages > 0);
        }

        [Theory]
        [InlineData(4096)]
        [InlineData(32768)]
        public void Legacy_xor_checksums_verify_too(int pageSize)
        {
            var spec = new DatabaseSpec { PageSize = pageSize, LegacyXorChecksums = true, FormatRevision = 0x09, PageCount = 64, RecordCount = 20 };
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "xor.edb"), spec);

            var bytes = File.ReadAllBytes(db.Path);
            Assert.False(PageChecksum.HasNewFormat(bytes.AsSpan(2 * pageSize, pageSize)));
            var result = DatabaseVerifier.Verify(db.Path);
            Assert.True(result.IsValid);
            Assert.Equal(64 + 2, result.ValidPages); // with the two header pages
        }

        [Fact]
        public void A_flipped_byte_is_found_by_the_verifier_on_the_page_it_hit()
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "flip.edb"), new DatabaseSpec { PageSize = 8192, PageCount = 100 });
            using (var fs = new FileStream(db.Path, FileMode.Open, FileAccess.ReadWrite))
            {
                fs.Position = (60 + 1) * 8192L + 5000; // page number 60
                int b = fs.ReadByte();
                fs.Position--;
                fs.WriteByte((byte)(b ^ 0x10));
            }
            var result = DatabaseVerifier.Verify(db.Path);
            Assert.Equal(1, result.BadPageCount);
            Assert.Equal(60, result.BadPages.Single().PageNumber);
        }

        [Fact]
        public void The_same_spec_writes_the_same_bytes()
        {
            var spec = new DatabaseSpec { PageSize = 16384, RecordCount = 500, PageCount = 200, Seed = 42 };
            var a = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "a.edb"), spec);
            var b = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "b.edb"), spec);
            using var sha = SHA256.Create();
            Assert.Equal(sha.ComputeHash(File.ReadAllBytes(a.Path)), sha.ComputeHash(File.ReadAllBytes(b.Path)));

            spec.Seed = 43;
            var c = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "c.edb"), spec);
            Assert.NotEqual(sha.ComputeHash(File.ReadAllBytes(a.Path)), sha.ComputeHash(File.ReadAllBytes(c.Path)));
        }

        [Fact]
        public void Too_few_pages_is_refused_with_the_number_needed_and_nothing_is_written()
        {
            var path = Path.Combine(Dir, "small.edb");
            var ex = Assert.Throws<ArgumentException>(() => EseFixtureWriter.WriteDatabase(path, new DatabaseSpec { PageSize = 4096, RecordCount = 5000, PageCount = 40 }));
            Assert.Contains("PageCount 40 is too small", ex.Message);
            Assert.Contains("5000 rows", ex.Message);
            Assert.False(File.Exists(path));
        }

        [Theory]
        [InlineData(2048, "Items", "PageSize 2048")]
        [InlineData(8192, "MSysMine", "MSys")]
        [InlineData(8192, "bad name", "TableName")]
        public void Bad_specs_are_refused_with_a_clear_message(int pageSize, string table, string expected)
        {
            var ex = Assert.Throws<ArgumentException>(() => EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "bad.edb"), new DatabaseSpec { PageSize = pageSize, TableName = table }));
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void Duplicate_row_ids_are_refused()
        {
            var rows = new[] { new FixtureRow(1, "a", DateTime.UtcNow, null), new FixtureRow(1, "b", DateTime.UtcNow, null) };
            var ex = Assert.Throws<ArgumentException>(() => EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "dup.edb"), new DatabaseSpec { Rows = rows }));
            Assert.Contains("Id 1 appears twice", ex.Message);
        }

        [Fact]
        public void Many_rows_make_a_deeper_tree_and_a_large_file_is_mostly_free_pages()
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "deep.edb"), new DatabaseSpec { PageSize = 4096, RecordCount = 30000, PageCount = 2000 });
            Assert.Equal(3, db.TableDepth);
            Assert.True(db.TableLeafPages > 500);
            Assert.Equal(2000 - (db.TableRootPage + db.TablePages - 1), db.FreePages);
            Assert.Equal(30000, db.Rows.Count);
            Assert.Equal(30000, db.Rows[29999].Id);
            Assert.True(DatabaseVerifier.Verify(db.Path).IsValid);
        }
    }

    /// <summary>Runs alone (no other test allocating meanwhile), so process-wide allocation counts mean something.</summary>
    [CollectionDefinition(nameof(FixtureMemoryCollection), DisableParallelization = true)]
    public sealed class FixtureMemoryCollection { }

    [Collection(nameof(FixtureMemoryCollection))]
    public sealed class FixtureMemoryTests : TempFolderTest
    {
        public FixtureMemoryTests() : base("fixtures-memory") { }

        [Fact]
        public void Writing_a_256_MiB_database_allocates_a_bounded_amount_of_memory()
        {
            var spec = new DatabaseSpec { PageSize = 8192, RecordCount = 1000, PageCount = DatabaseSpec.PageCountForFileSize(256L << 20, 8192) };
            EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "warm.edb"), new DatabaseSpec { PageCount = 100 });
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "big.edb"), spec);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            Assert.Equal(256L << 20, db.FileSize);
            // A 4 MiB write buffer and per-row garbage, nothing proportional to the 256 MiB written.
            Assert.True(allocated < 24L << 20, $"Writing 256 MiB allocated {allocated / 1048576.0:F1} MiB.");
            var result = DatabaseVerifier.Verify(db.Path);
            Assert.True(result.IsValid);
            Assert.Equal(db.PageCount + 2, result.ValidPages); // with the two header pages
        }
    }
}
