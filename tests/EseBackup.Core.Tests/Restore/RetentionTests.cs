using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>Listing and retention over real sets: two chains (full + incremental each) and an incomplete leftover.</summary>
    [Collection("BackupSessions")]
    public sealed class RetentionTests
    {
        [Fact]
        public void Listing_shows_every_set_newest_first_with_chain_positions_and_incomplete_ones()
        {
            using var t = new RestoreTestSets();
            var incomplete = Path.Combine(t.Backups, "20000101-000000-full");
            Directory.CreateDirectory(incomplete);
            File.WriteAllText(Path.Combine(incomplete, "Fixture.edb.partial"), "x");

            var list = BackupSetInfo.List(t.Backups);
            Assert.Equal(3, list.Count);
            Assert.Equal(t.Incremental!.Path, list[0].Path);
            Assert.Equal(1, list[0].ChainPosition);
            Assert.Equal(t.Full.Path, list[1].Path);
            Assert.Equal(0, list[1].ChainPosition);
            Assert.Equal(t.Full.ChainId, list[0].ChainId);
            Assert.False(list[2].IsComplete);
            Assert.Equal(BackupKind.Full, list[2].Kind);
            Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), list[2].Time);
            Assert.Contains("manifest", list[2].Reason);
            Assert.Equal(5, list[0].LogGenerationLow);
            Assert.Equal(7, list[0].LogGenerationHigh);
            Assert.Equal(t.Full.TotalBytes, list[1].SizeBytes);

            // One set folder lists just that set, also when someone renamed it.
            Assert.Equal(t.Full.Path, Assert.Single(BackupSetInfo.List(t.Full.Path)).Path);
            var renamed = Path.Combine(t.Root, "kept-copy");
            Directory.Move(t.Incremental.Path, renamed);
            var alone = Assert.Single(BackupSetInfo.List(renamed));
            Assert.True(alone.IsComplete);
            Assert.Equal(BackupKind.Incremental, alone.Kind);

            // Restoring the destination folder instead of a set says what to do.
            var ex = Assert.Throws<BackupSetException>(() => RestorePlan.Create(t.Backups, t.NewDestination()));
            Assert.Contains("Get-EseBackupSet", ex.Message);
        }

        [Fact]
        public void KeepLast_never_removes_a_set_a_kept_incremental_builds_on()
        {
            using var t = new RestoreTestSets();
            var newFull = t.Backup(BackupKind.Full);
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var newIncr = t.Backup(BackupKind.Incremental);
            Assert.Equal(newFull.SetId, newIncr.ParentSetId);
            var sets = BackupSetInfo.List(t.Backups);

            // Keep 1: the newest incremental and the full it builds on; the old chain goes.
            var keep1 = BackupRetention.Plan(sets, 1, null, false);
            Assert.Equal(new[] { t.Full.Path, t.Incremental!.Path }.OrderBy(p => p), keep1.Where(d => d.Remove).Select(d => d.Set.Path).OrderBy(p => p));
            Assert.Contains("builds on", keep1.Single(d => d.Set.Path == newFull.Path).Reason);

            // Keep 3: the old incremental is kept, so its full is kept too: nothing goes.
            Assert.DoesNotContain(BackupRetention.Plan(sets, 3, null, false), d => d.Remove);

            // Older than a time after everything, with keep 0: all go; the rules keep any set either of them keeps.
            Assert.All(BackupRetention.Plan(sets, 0, DateTime.UtcNow.AddMinutes(1), false), d => Assert.True(d.Remove));
            Assert.DoesNotContain(BackupRetention.Plan(sets, null, DateTime.UtcNow.AddDays(-1), false), d => d.Remove);

            foreach (var d in keep1.Where(d => d.Remove)) BackupRetention.Delete(d.Set);
            Assert.False(Directory.Exists(t.Full.Path));
            Assert.True(BackupSetVerifier.Verify(newIncr.Path).IsValid);
        }

        [Fact]
        public void Incomplete_sets_go_only_when_asked_and_only_when_older_than_the_newest_complete_set()
        {
            using var t = new RestoreTestSets(incremental: false);
            var old = Path.Combine(t.Backups, "20000101-000000-full");
            var future = Path.Combine(t.Backups, "29990101-000000-incr");
            Directory.CreateDirectory(old);
            Directory.CreateDirectory(future);
            var sets = BackupSetInfo.List(t.Backups);

            Assert.DoesNotContain(BackupRetention.Plan(sets, 5, null, false), d => d.Remove);
            var removed = BackupRetention.Plan(sets, 5, null, true).Where(d => d.Remove).Select(d => d.Set.Path).ToList();
            Assert.Equal(new[] { old }, removed);
            Assert.Throws<ArgumentException>(() => BackupRetention.Plan(sets, null, null, true));
        }
    }
}
