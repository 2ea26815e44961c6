using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>Every fault injected into a real backup set is reported by Test-EseBackup's verifier, naming file and page or generation.</summary>
    [Collection("BackupSessions")]
    public sealed class BackupSetVerifierTests
    {
        [Fact]
        public void A_good_chain_verifies_in_full_and_quick_mode()
        {
            using var t = new RestoreTestSets();
            var full = BackupSetVerifier.Verify(t.Full.Path);
            Assert.True(full.IsValid, string.Join("; ", full.Problems));
            Assert.Equal(BackupKind.Full, full.Kind);
            Assert.Equal(6, full.FilesChecked);
            Assert.Equal(66, full.PagesChecked);
            Assert.Equal(t.Full.TotalBytes, full.BytesChecked);

            var incr = BackupSetVerifier.Verify(t.Incremental!.Path);
            Assert.True(incr.IsValid, string.Join("; ", incr.Problems));
            Assert.Equal(5, incr.LogGenerationLow);
            Assert.Equal(7, incr.LogGenerationHigh);

            var quick = BackupSetVerifier.Verify(t.Full.Path, quick: true);
            Assert.True(quick.IsValid);
            Assert.Equal(0, quick.PagesChecked);
        }

        [Fact]
        public void A_flipped_bit_in_a_database_page_names_file_and_page()
        {
            using var t = new RestoreTestSets(incremental: false);
            var db = RestoreTestSets.Database(t.Full);
            RestoreTestSets.FlipBit(db.FullPath, (17 + 1) * (long)RestoreTestSets.PageSize + 3000); // page 17 = file page 18

            var result = BackupSetVerifier.Verify(t.Full.Path);
            Assert.False(result.IsValid);
            var bad = Assert.Single(result.Problems, p => p.Kind == BackupProblemKind.BadPage);
            Assert.Equal(db.FullPath, bad.File);
            Assert.Equal(17, bad.PageNumber);
            Assert.Contains("page 17", bad.Message);
            Assert.Contains(result.Problems, p => p.Kind == BackupProblemKind.HashMismatch && p.File == db.FullPath);

            // Quick: hashes only, no page checks, and the hash still catches it.
            var quick = BackupSetVerifier.Verify(t.Full.Path, quick: true);
            Assert.Equal(BackupProblemKind.HashMismatch, Assert.Single(quick.Problems).Kind);
        }

        [Fact]
        public void A_flipped_bit_in_a_log_body_and_in_a_log_header_names_file_and_generation()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log2 = RestoreTestSets.Log(t.Full, 2);
            var log4 = RestoreTestSets.Log(t.Full, 4);
            RestoreTestSets.FlipBit(log2.FullPath, 64 * 1024 + 5);  // body
            RestoreTestSets.FlipBit(log4.FullPath, 100);            // header (checksummed)

            var result = BackupSetVerifier.Verify(t.Full.Path);
            // The body's bit is caught twice: by the hash, and by the segment checksum (sector 16 of 4 KiB sectors).
            var body = result.Problems.Where(p => p.File == log2.FullPath).ToList();
            Assert.Equal(new[] { BackupProblemKind.HashMismatch, BackupProblemKind.BadLogSegment }, body.Select(p => p.Kind));
            Assert.All(body, p => Assert.Equal(2, p.Generation));
            Assert.Equal(16, body[1].Sector);
            Assert.Contains(result.Problems, p => p.File == log4.FullPath && p.Kind == BackupProblemKind.BadLogHeader && p.Generation == 4 && p.Message.Contains("checksum"));
            Assert.Contains(result.Problems, p => p.File == log4.FullPath && p.Kind == BackupProblemKind.HashMismatch && p.Generation == 4);
        }

        [Fact]
        public void A_truncated_file_and_a_missing_log_are_reported()
        {
            using var t = new RestoreTestSets(incremental: false);
            var db = RestoreTestSets.Database(t.Full);
            using (var fs = new FileStream(db.FullPath, FileMode.Open)) fs.SetLength(fs.Length - 5000);
            var log3 = RestoreTestSets.Log(t.Full, 3);
            File.Delete(log3.FullPath);

            var result = BackupSetVerifier.Verify(t.Full.Path, quick: true);
            var size = Assert.Single(result.Problems, p => p.Kind == BackupProblemKind.SizeMismatch);
            Assert.Equal(db.FullPath, size.File);
            Assert.Contains("truncated", size.Message);
            var missing = Assert.Single(result.Problems, p => p.Kind == BackupProblemKind.MissingFile);
            Assert.Equal(log3.FullPath, missing.File);
            Assert.Equal(3, missing.Generation);
            Assert.Contains("generation 3", missing.Message);
        }

        [Fact]
        public void A_gap_in_the_claimed_log_range_is_reported_with_its_generation()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log3 = RestoreTestSets.Log(t.Full, 3);
            File.Delete(log3.FullPath);
            RestoreTestSets.EditManifest(t.Full, m => m.Files.RemoveAll(f => f.Generation == 3));

            var result = BackupSetVerifier.Verify(t.Full.Path);
            var gap = Assert.Single(result.Problems);
            Assert.Equal(BackupProblemKind.LogGap, gap.Kind);
            Assert.Equal(3, gap.Generation);
            Assert.Contains("generation 3", gap.Message);
        }

        [Fact]
        public void A_log_of_another_log_stream_is_reported_as_foreign()
        {
            using var t = new RestoreTestSets(incremental: false);
            var other = Path.Combine(t.Root, "other-stream");
            EseFixtureWriter.WriteLogs(other, new LogSetSpec { FirstGeneration = 1, LastGeneration = 5, LogFileSize = 128 * 1024, Seed = 99, ReserveLogCount = 0 });
            var log3 = RestoreTestSets.Log(t.Full, 3);
            File.Copy(Path.Combine(other, "edb00003.log"), log3.FullPath, overwrite: true);
            // The manifest is updated too, so only the signature can give it away.
            RestoreTestSets.EditManifest(t.Full, m =>
            {
                var e = m.Files.Single(f => f.Generation == 3);
                e.Hash = BackupSetWriter.HashFile(log3.FullPath);
                e.Size = new FileInfo(log3.FullPath).Length;
            });

            var result = BackupSetVerifier.Verify(t.Full.Path);
            var foreign = Assert.Single(result.Problems);
            Assert.Equal(BackupProblemKind.ForeignLog, foreign.Kind);
            Assert.Equal(log3.FullPath, foreign.File);
            Assert.Equal(3, foreign.Generation);
        }

        [Fact]
        public void A_deleted_or_edited_manifest_is_reported()
        {
            using var t = new RestoreTestSets(incremental: false);
            var manifest = Path.Combine(t.Full.Path, BackupManifest.FileName);
            var json = File.ReadAllText(manifest);

            File.WriteAllText(manifest, json.Substring(0, json.Length / 2));
            var bad = Assert.Single(BackupSetVerifier.Verify(t.Full.Path).Problems);
            Assert.Equal(BackupProblemKind.BadManifest, bad.Kind);
            Assert.Equal(manifest, bad.File);

            // An edited hash: the file no longer matches what the manifest says.
            RestoreTestSets.EditManifest(BackupSetFromJson(t.Full.Path, manifest, json), m => m.Files[0].Hash = new string('0', 32));
            var edited = Assert.Single(BackupSetVerifier.Verify(t.Full.Path).Problems);
            Assert.Equal(BackupProblemKind.HashMismatch, edited.Kind);

            File.Delete(manifest);
            var missing = Assert.Single(BackupSetVerifier.Verify(t.Full.Path).Problems);
            Assert.Equal(BackupProblemKind.MissingManifest, missing.Kind);
            Assert.Contains("incomplete", missing.Message);
        }

        [Fact]
        public void An_incremental_whose_parent_is_gone_reports_a_missing_parent()
        {
            using var t = new RestoreTestSets();
            Directory.Delete(t.Full.Path, true);
            var result = BackupSetVerifier.Verify(t.Incremental!.Path);
            var missing = Assert.Single(result.Problems);
            Assert.Equal(BackupProblemKind.MissingParent, missing.Kind);
            Assert.Contains(t.Full.SetId.ToString(), missing.Message);

            // A parent without manifest (incomplete) is no parent either.
            using var u = new RestoreTestSets();
            File.Delete(Path.Combine(u.Full.Path, BackupManifest.FileName));
            Assert.Equal(BackupProblemKind.MissingParent, Assert.Single(BackupSetVerifier.Verify(u.Incremental!.Path).Problems).Kind);
        }

        private static BackupSet BackupSetFromJson(string setPath, string manifest, string json)
        {
            File.WriteAllText(manifest, json);
            return BackupSet.Open(setPath);
        }
    }
}
