using System;
using System.IO;
using System.Linq;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// A database read through the engine carries patched header pages and a trailer page (BKIMakeDbTrailer).
    /// Verification and restore accept a well-formed trailer as the last page and name the file and page of
    /// one that is damaged, foreign, missing or out of place. The copies come from the fixture writer's
    /// independent rendering of backup.cxx, not from the project's own trailer reader.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class EngineMadeSetTests : TempFolderTest
    {
        public EngineMadeSetTests() : base("trailer") { }

        EngineBackupCopy WriteCopy(int pageSize, bool legacyXor = false, string name = "copy.edb")
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "source-" + name),
                new DatabaseSpec { PageSize = pageSize, PageCount = 40, LegacyXorChecksums = legacyXor, State = DatabaseState.DirtyShutdown, RequiredLogLow = 3, RequiredLogHigh = 4 });
            return EngineBackupCopies.Write(db.Path, Path.Combine(Dir, name), new EngineBackupCopySpec { LowGeneration = 3, HighGeneration = 5 });
        }

        [Theory]
        [InlineData(4096, false)]
        [InlineData(8192, true)]
        [InlineData(16384, false)]
        [InlineData(32768, false)]
        public void An_engine_copy_with_patched_headers_and_a_trailer_verifies(int pageSize, bool legacyXor)
        {
            var copy = WriteCopy(pageSize, legacyXor);
            var header = DatabaseHeader.Read(copy.Path);
            Assert.Equal(3, header.CurrentFullBackup.LowGeneration);
            Assert.Equal(0, header.CurrentFullBackup.HighGeneration);
            Assert.True(DatabaseTrailer.IsExpected(header));

            // Small chunks: the trailer lands in a chunk checked by the second thread, apart from the header's.
            var result = DatabaseVerifier.Verify(copy.Path, chunkSize: 2 * pageSize);
            Assert.True(result.IsValid, string.Join("; ", result.BadPages.Select(b => b.Describe())));
            Assert.True(result.HeaderChecksumValid);
            Assert.True(result.ShadowHeaderMatches);
            Assert.Equal(copy.FileSize / pageSize, result.PagesChecked);

            var trailer = DatabaseTrailer.Parse(File.ReadAllBytes(copy.Path).AsSpan((int)(copy.TrailerFilePage * pageSize), pageSize));
            Assert.Equal(5, trailer.Backup.HighGeneration);
            Assert.Equal(header.DatabaseSignature, trailer.DatabaseSignature);
            Assert.Equal(header.LogSignature, trailer.LogSignature);
            Assert.Equal(4, trailer.RequiredLogHigh);
        }

        [Fact]
        public void The_set_streamer_accepts_the_trailer_whichever_worker_reads_it()
        {
            var copy = WriteCopy(8192);
            foreach (int workers in new[] { 1, 2, 4 })
                foreach (int chunk in new[] { 8192, 3 * 8192, 512 * 1024 })
                {
                    var bad = new System.Collections.Generic.List<BadPage>();
                    var streamed = SetFileStreamer.Stream(copy.Path, 8192, null, bad.Add, null, CancellationToken.None, chunk, workers);
                    Assert.Empty(bad);
                    Assert.Equal(copy.FileSize / 8192, streamed.PagesChecked);
                }
        }

        [Fact]
        public void An_engine_made_set_passes_verification_and_restores_with_its_trailer()
        {
            using var t = new RestoreTestSets(incremental: true);
            var copies = EngineBackupCopies.MakeSetEngineMade(t.Full.Path);
            var copy = Assert.Single(copies);

            var full = BackupSetVerifier.Verify(t.Full.Path);
            Assert.True(full.IsValid, string.Join("; ", full.Problems));
            Assert.Equal(66 + 1, full.PagesChecked);
            Assert.True(BackupSetVerifier.Verify(t.Incremental!.Path).IsValid);

            var dest = t.NewDestination();
            var result = BackupRestorer.Restore(RestorePlan.Create(t.Incremental!.Path, dest));
            var restored = Assert.Single(result.Databases);
            // Kept byte for byte: the engine's restore reads the trailer to finish the header, then zeroes it.
            Assert.Equal(File.ReadAllBytes(copy.Path), File.ReadAllBytes(restored));
            Assert.Equal(copy.FileSize / RestoreTestSets.PageSize, result.PagesVerified);
        }

        [Fact]
        public void A_trailer_with_a_wrong_checksum_is_named_by_file_and_page_and_stops_a_restore()
        {
            using var t = new RestoreTestSets(incremental: false);
            var copy = Assert.Single(EngineBackupCopies.MakeSetEngineMade(t.Full.Path));
            RestoreTestSets.FlipBit(copy.Path, copy.TrailerFilePage * copy.PageSize + 62); // the high generation
            RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Role == BackupFileRole.Database).Hash = BackupSetWriter.HashFile(copy.Path));

            var result = BackupSetVerifier.Verify(t.Full.Path);
            var bad = Assert.Single(result.Problems);
            Assert.Equal(BackupProblemKind.BadPage, bad.Kind);
            Assert.Equal(copy.Path, bad.File);
            Assert.Equal(copy.TrailerFilePage - 1, bad.PageNumber);
            Assert.Contains("trailer", bad.Message);
            Assert.Contains($"file page {copy.TrailerFilePage}", bad.Message);
            Assert.Contains("fails its checksum", bad.Message);

            var dest = t.NewDestination();
            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
            Assert.Equal(copy.TrailerFilePage - 1, ex.Problem.PageNumber);
            Assert.Contains("trailer", ex.Message);
            Assert.Empty(RestoreTestSets.Snapshot(dest));
        }

        [Fact]
        public void A_trailer_of_another_database_is_refused_as_the_engine_does()
        {
            var copy = WriteCopy(8192);
            var bytes = File.ReadAllBytes(copy.Path);
            bytes[copy.TrailerFilePage * 8192 + 64] ^= 1; // the database signature's random number
            PageChecksum.StampHeader(bytes.AsSpan((int)(copy.TrailerFilePage * 8192), 8192));
            File.WriteAllBytes(copy.Path, bytes);

            var bad = Assert.Single(DatabaseVerifier.Verify(copy.Path).BadPages);
            Assert.Equal(copy.TrailerFilePage - 1, bad.PageNumber);
            Assert.Contains("does not belong to this database", bad.Describe());
            Assert.Contains("database signature", bad.Describe());
        }

        [Fact]
        public void A_missing_trailer_or_one_cut_short_is_reported_at_the_last_page()
        {
            var copy = WriteCopy(8192);
            using (var fs = new FileStream(copy.Path, FileMode.Open)) fs.SetLength(copy.FileSize - 8192);
            var bad = Assert.Single(DatabaseVerifier.Verify(copy.Path).BadPages);
            Assert.Equal(copy.TrailerFilePage - 2, bad.PageNumber);
            Assert.Contains("trailer", bad.Describe());
            Assert.Contains("ordinary database page", bad.Describe());

            // Half a trailer: the set verifier names the torn tail and the last whole page, which is no trailer.
            using var t = new RestoreTestSets(incremental: false);
            var inSet = Assert.Single(EngineBackupCopies.MakeSetEngineMade(t.Full.Path));
            using (var fs = new FileStream(inSet.Path, FileMode.Open)) fs.SetLength(inSet.FileSize - inSet.PageSize / 2);
            RestoreTestSets.EditManifest(t.Full, m =>
            {
                var entry = m.Files.Single(f => f.Role == BackupFileRole.Database);
                entry.Size = inSet.FileSize - inSet.PageSize / 2;
                entry.Hash = BackupSetWriter.HashFile(inSet.Path);
            });
            var problems = BackupSetVerifier.Verify(t.Full.Path).Problems;
            Assert.Contains(problems, p => p.File == inSet.Path && p.PageNumber == inSet.TrailerFilePage - 2 && p.Message.Contains("trailer"));
            Assert.Contains(problems, p => p.File == inSet.Path && p.Message.Contains("torn last page"));
        }

        [Fact]
        public void A_trailer_in_the_wrong_place_is_named_as_such()
        {
            var copy = WriteCopy(8192);
            var bytes = File.ReadAllBytes(copy.Path);
            long trailerAt = copy.TrailerFilePage * 8192;
            // One more page after the trailer: the trailer is no longer last, the last page is no trailer.
            var moved = new byte[bytes.Length + 8192];
            Array.Copy(bytes, moved, bytes.Length);
            Array.Copy(bytes, 5 * 8192, moved, bytes.Length, 8192);
            File.WriteAllBytes(copy.Path, moved);

            var bad = DatabaseVerifier.Verify(copy.Path).BadPages.OrderBy(b => b.PageNumber).ToList();
            Assert.Equal(2, bad.Count);
            Assert.Equal(copy.TrailerFilePage - 1, bad[0].PageNumber);
            Assert.Contains("backup trailer page in the wrong place", bad[0].Describe());
            Assert.Contains($"'{copy.Path}'", bad[0].Describe());
            Assert.Equal(copy.TrailerFilePage, bad[1].PageNumber);
            Assert.Contains("the last page", bad[1].Describe());

            // A trailer inside a database that is no backup copy: only the wrong place is reported.
            var plain = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "plain.edb"), new DatabaseSpec { PageSize = 8192, PageCount = 40 });
            var plainBytes = File.ReadAllBytes(plain.Path);
            Array.Copy(bytes, trailerAt, plainBytes, 20 * 8192, 8192);
            File.WriteAllBytes(plain.Path, plainBytes);
            var misplaced = Assert.Single(DatabaseVerifier.Verify(plain.Path).BadPages);
            Assert.Equal(19, misplaced.PageNumber);
            Assert.Contains("wrong place", misplaced.Describe());
        }

        [Fact]
        public void A_database_without_a_backup_in_progress_gets_no_trailer_check()
        {
            // A database restored and recovered: its header has the high generation, the trailer was zeroed.
            var copy = WriteCopy(8192);
            var bytes = File.ReadAllBytes(copy.Path);
            Array.Clear(bytes, (int)(copy.TrailerFilePage * 8192), 8192);
            for (int p = 0; p < 2; p++)
            {
                BitConverter.GetBytes(5).CopyTo(bytes, p * 8192 + 184 + 20);
                PageChecksum.StampHeader(bytes.AsSpan(p * 8192, 8192));
            }
            File.WriteAllBytes(copy.Path, bytes);
            Assert.False(DatabaseTrailer.IsExpected(DatabaseHeader.Read(copy.Path)));
            var result = DatabaseVerifier.Verify(copy.Path);
            Assert.True(result.IsValid);
            Assert.Equal(1, result.UninitializedPages);
        }
    }
}
