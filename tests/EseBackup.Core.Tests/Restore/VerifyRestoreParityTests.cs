using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// Damage whose manifest entry was re-hashed afterwards (so the hash alone passes): Test-EseBackup flags it and
    /// a restore refuses it with the same problem, before any file takes its real name.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class VerifyRestoreParityTests
    {
        /// <summary>Records the damaged file's new size and hash in the manifest, as an attacker or a careless repair would.</summary>
        static void Rehash(BackupSet set, BackupSetFile file) =>
            RestoreTestSets.EditManifest(set, m =>
            {
                var entry = m.Files.Single(e => e.Path == file.Name);
                entry.Hash = BackupSetWriter.HashFile(file.FullPath);
                entry.Size = new FileInfo(file.FullPath).Length;
            });

        static void AssertFlaggedAndRefused(RestoreTestSets t, BackupSet set, string damagedFile, BackupProblemKind kind, string messagePart)
        {
            var verified = BackupSetVerifier.Verify(set.Path);
            Assert.False(verified.IsValid);
            Assert.DoesNotContain(verified.Problems, p => p.Kind == BackupProblemKind.HashMismatch);
            var problem = Assert.Single(verified.Problems);
            Assert.Equal(kind, problem.Kind);
            Assert.Equal(damagedFile, problem.File);
            Assert.Contains(messagePart, problem.Message);

            // -Quick keeps its hash-only meaning: the re-hashed set passes it.
            Assert.True(BackupSetVerifier.Verify(set.Path, quick: true).IsValid);

            var dest = t.NewDestination();
            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(set.Path, dest)));
            Assert.Equal(kind, ex.Problem.Kind);
            Assert.Equal(damagedFile, ex.Problem.File);
            Assert.Contains(messagePart, ex.Message);
            Assert.Contains("Nothing was restored", ex.Message);
            Assert.Empty(RestoreTestSets.Snapshot(dest));
        }

        [Fact]
        public void A_flipped_bit_in_a_log_segment()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log = RestoreTestSets.Log(t.Full, 3);
            RestoreTestSets.FlipBit(log.FullPath, 5 * 4096 + 123);
            Rehash(t.Full, log);
            AssertFlaggedAndRefused(t, BackupSet.Open(t.Full.Path), log.FullPath, BackupProblemKind.BadLogSegment, "sector 5");
        }

        [Fact]
        public void A_torn_database()
        {
            using var t = new RestoreTestSets(incremental: false);
            var db = RestoreTestSets.Database(t.Full);
            using (var fs = new FileStream(db.FullPath, FileMode.Open)) fs.SetLength(fs.Length - 3000);
            Rehash(t.Full, db);
            AssertFlaggedAndRefused(t, BackupSet.Open(t.Full.Path), db.FullPath, BackupProblemKind.BadPage, "torn last page");
        }

        [Fact]
        public void A_log_of_another_log_stream()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log = RestoreTestSets.Log(t.Full, 5);
            // Generation 5 of another stream: same layout, another log signature.
            var other = Path.Combine(t.Root, "other");
            var written = EseFixtureWriter.WriteLogs(other, new LogSetSpec { FirstGeneration = 5, LastGeneration = 5, LogFileSize = 128 * 1024, Seed = 99, ReserveLogCount = 0 });
            File.Copy(written.Logs[0].Path, log.FullPath, overwrite: true);
            Rehash(t.Full, log);
            AssertFlaggedAndRefused(t, BackupSet.Open(t.Full.Path), log.FullPath, BackupProblemKind.ForeignLog, "another log stream");
        }

        [Fact]
        public void A_broken_chain_checksum()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log = RestoreTestSets.Log(t.Full, 4);
            var bytes = File.ReadAllBytes(log.FullPath);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(653), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(653)) ^ 0x8000);
            PageChecksum.StampLogHeader(bytes);
            File.WriteAllBytes(log.FullPath, bytes);
            Rehash(t.Full, log);
            AssertFlaggedAndRefused(t, BackupSet.Open(t.Full.Path), log.FullPath, BackupProblemKind.BrokenLogChain, "JET_errLogSequenceChecksumMismatch");
        }

        [Fact]
        public void A_truncated_log()
        {
            using var t = new RestoreTestSets(incremental: false);
            var log = RestoreTestSets.Log(t.Full, 2);
            using (var fs = new FileStream(log.FullPath, FileMode.Open)) fs.SetLength(fs.Length - 8192);
            Rehash(t.Full, log);
            AssertFlaggedAndRefused(t, BackupSet.Open(t.Full.Path), log.FullPath, BackupProblemKind.SizeMismatch, "truncated");
        }

        [Fact]
        public void A_good_chain_verifies_and_restores_with_every_log_segment_checked()
        {
            using var t = new RestoreTestSets();
            var result = BackupSetVerifier.Verify(t.Incremental!.Path);
            Assert.True(result.IsValid, string.Join("; ", result.Problems));
            Assert.True(result.SegmentsChecked > 0);
            BackupRestorer.Restore(RestorePlan.Create(t.Incremental.Path, t.NewDestination()));
        }
    }
}
