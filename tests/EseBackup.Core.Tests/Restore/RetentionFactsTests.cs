using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>Retention decides from facts that cannot lie about age (chains, log generations), and never removes what it cannot read.</summary>
    [Collection("BackupSessions")]
    public sealed class RetentionFactsTests
    {
        static string[] Removed(RestoreTestSets t, int? keepLast, DateTime? olderThan, bool includeIncomplete = false) =>
            BackupRetention.Plan(BackupSetInfo.List(t.Backups), keepLast, olderThan, includeIncomplete)
                .Where(d => d.Remove).Select(d => d.Set.Path).OrderBy(p => p, StringComparer.Ordinal).ToArray();

        static void SetTimes(BackupSet set, DateTime start) =>
            RestoreTestSets.EditManifest(set, m => { m.StartTime = start; m.EndTime = start.AddSeconds(1); });

        [Fact]
        public void A_set_dated_in_the_future_cannot_push_out_the_newest_real_backup()
        {
            using var t = new RestoreTestSets();           // full F1 (logs 1-5), incremental I1 (5-7)
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var f2 = t.Backup(BackupKind.Full);             // the newest real backup: logs up to 8
            // F1 was written by a machine whose clock ran 900 years ahead.
            SetTimes(t.Full, new DateTime(2926, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            SetTimes(t.Incremental!, new DateTime(2926, 1, 1, 1, 0, 0, DateTimeKind.Utc));

            // Before: -KeepLast 1 kept the future-dated chain and removed F2.
            Assert.Equal(new[] { t.Full.Path, t.Incremental.Path }.OrderBy(p => p, StringComparer.Ordinal), Removed(t, 1, null));
            // A new incremental builds on F2 (the newest by log generations), not on the future-dated chain.
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var i2 = t.Backup(BackupKind.Incremental);
            Assert.Equal(f2.SetId, i2.ParentSetId);
            Assert.Equal(new[] { t.Full.Path, t.Incremental.Path }.OrderBy(p => p, StringComparer.Ordinal), Removed(t, 2, null));
        }

        [Fact]
        public void A_newest_set_dated_in_the_past_is_kept_by_an_age_rule_that_keeps_an_older_one()
        {
            using var t = new RestoreTestSets();
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var f2 = t.Backup(BackupKind.Full);
            // F2's machine had its clock reset to 2001; F1 and I1 are from today.
            SetTimes(f2, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

            var removed = Removed(t, null, DateTime.UtcNow.AddDays(-1));
            Assert.Empty(removed);
            var decision = BackupRetention.Plan(BackupSetInfo.List(t.Backups), null, DateTime.UtcNow.AddDays(-1), false).Single(d => d.Set.Path == f2.Path);
            Assert.Contains("log generations", decision.Reason);
        }

        [Fact]
        public void A_full_set_of_an_unknown_format_version_is_never_removed_and_its_incrementals_stay_restorable_by_a_newer_module()
        {
            using var t = new RestoreTestSets();
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var f2 = t.Backup(BackupKind.Full);
            // F1 rewritten by a newer module (format 2). Before: F1 was "incomplete" and went with -IncludeIncomplete.
            RestoreTestSets.EditManifest(t.Full, m => m.FormatVersion = 2);

            var info = BackupSetInfo.List(t.Backups).Single(s => s.Path == t.Full.Path);
            Assert.True(info.IsUnreadable);
            Assert.Contains("format version 2", info.Reason);
            foreach (var include in new[] { false, true })
            {
                var removed = Removed(t, 1, null, include);
                Assert.DoesNotContain(t.Full.Path, removed);
                Assert.DoesNotContain(f2.Path, removed);
            }
            Assert.True(Directory.Exists(t.Full.Path));
        }

        [Fact]
        public void An_unreadable_incremental_keeps_the_sets_it_may_build_on()
        {
            using var t = new RestoreTestSets();
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var f2 = t.Backup(BackupKind.Full);
            // I1's manifest is damaged beyond the set id: only its parent id can still be read.
            var manifest = Path.Combine(t.Incremental!.Path, BackupManifest.FileName);
            var text = File.ReadAllText(manifest);
            File.WriteAllText(manifest, text.Replace("\"hashAlgorithm\"", "\"hashAlgorithm\": 7, \"x\""));
            var info = BackupSetInfo.List(t.Backups).Single(s => s.Path == t.Incremental.Path);
            Assert.True(info.IsUnreadable);
            Assert.Equal(t.Full.SetId, info.ParentSetId);

            var plan = BackupRetention.Plan(BackupSetInfo.List(t.Backups), 1, null, true);
            Assert.False(plan.Single(d => d.Set.Path == t.Incremental.Path).Remove);
            var full = plan.Single(d => d.Set.Path == t.Full.Path);
            Assert.False(full.Remove);
            Assert.Contains("unreadable set", full.Reason);

            // With nothing readable left of it, every set of the store is a possible parent and is kept.
            File.WriteAllText(manifest, "{ not json");
            Assert.Empty(Removed(t, 1, null, true));
        }
    }
}
