using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>Set folder names carry UTC with a Z marker; names written before the marker still read, order and retain alike.</summary>
    [Collection("BackupSessions")]
    public sealed class SetFolderNameTests
    {
        [Fact]
        public void Names_carry_the_UTC_start_second_with_a_Z_marker_and_both_forms_parse_to_UTC()
        {
            var start = new DateTime(2026, 11, 30, 1, 23, 45, 678, DateTimeKind.Utc);
            Assert.Equal("20261130-012345Z-full", SetFolderName.Format(start, BackupKind.Full, 1));
            Assert.Equal("20261130-012345Z-3-incr", SetFolderName.Format(start, BackupKind.Incremental, 3));
            // A local time is written as the UTC instant it is, never as its wall clock.
            Assert.Equal("20261130-012345Z-full", SetFolderName.Format(start.ToLocalTime(), BackupKind.Full, 1));

            var now = SetFolderName.TryParse("20261130-012345Z-2-incr")!;
            Assert.Equal(new DateTime(2026, 11, 30, 1, 23, 45, DateTimeKind.Utc), now.StartTime);
            Assert.Equal(DateTimeKind.Utc, now.StartTime.Kind);
            Assert.Equal(2, now.Number);
            Assert.Equal(BackupKind.Incremental, now.Kind);
            Assert.True(now.HasZoneMarker);

            var old = SetFolderName.TryParse("20261130-012345-full")!;
            Assert.Equal(now.StartTime, old.StartTime);
            Assert.Equal(DateTimeKind.Utc, old.StartTime.Kind);
            Assert.Equal(1, old.Number);
            Assert.Equal(BackupKind.Full, old.Kind);
            Assert.False(old.HasZoneMarker);

            foreach (var notASet in new[] { "20261130-012345z-full", "20261130-012345Z-full.tmp", "20261130-012345ZZ-full", "20261399-012345Z-full", "kept-copy", "" })
            {
                Assert.Null(SetFolderName.TryParse(notASet));
                Assert.False(BackupSetWriter.LooksLikeSetName(notASet));
            }
            Assert.True(BackupSetWriter.LooksLikeSetName("20261130-012345-7-incr"));
            Assert.Equal(start.AddMilliseconds(-678), BackupSetInfo.TimeFromName("20261130-012345Z-full"));
        }

        [Fact]
        public void Old_and_new_names_order_by_the_time_and_number_they_say_not_by_their_text()
        {
            var oldestFirst = new[]
            {
                "20261130-012344Z-full",
                "20261130-012345-full",   // old form
                "20261130-012345Z-2-full",
                "20261130-012345-3-incr", // old form
                "20261130-012345Z-10-full",
                "20261130-012346-incr",   // old form, a second later
            };
            var shuffled = oldestFirst.Reverse().OrderBy(n => n.Length).ToList();
            Assert.Equal(oldestFirst, shuffled.OrderBy(n => n, SetFolderName.Comparer).ToArray());
            // Text order alone gets this wrong: '-' sorts before 'Z' and "-10-" before "-2-".
            Assert.NotEqual(oldestFirst, shuffled.OrderBy(n => n, StringComparer.Ordinal).ToArray());
        }

        [Fact]
        public void A_store_with_old_and_new_names_lists_orders_and_retains_by_chain_and_time()
        {
            using var t = new RestoreTestSets();
            Assert.Matches(@"^\d{8}-\d{6}Z-full$", t.Full.Name);
            Assert.Matches(@"^\d{8}-\d{6}Z(-\d+)?-incr$", t.Incremental!.Name);
            // The first chain as a version without the Z marker named it: the same UTC second, no marker.
            var oldFull = Path.Combine(t.Backups, t.Full.Name.Replace("Z-", "-"));
            var oldIncr = Path.Combine(t.Backups, t.Incremental.Name.Replace("Z-", "-"));
            Directory.Move(t.Full.Path, oldFull);
            Directory.Move(t.Incremental.Path, oldIncr);
            // Incomplete leftovers of both forms in one second: the higher number is the later one.
            var leftoverOld = Path.Combine(t.Backups, "20000101-000000-full");
            var leftoverNew = Path.Combine(t.Backups, "20000101-000000Z-2-full");
            Directory.CreateDirectory(leftoverOld);
            Directory.CreateDirectory(leftoverNew);
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var newFull = t.Backup(BackupKind.Full);
            Assert.Matches(@"^\d{8}-\d{6}Z(-\d+)?-full$", newFull.Name);

            var list = BackupSetInfo.List(t.Backups);
            Assert.Equal(new[] { newFull.Path, oldIncr, oldFull, leftoverNew, leftoverOld }, list.Select(s => s.Path).ToArray());
            Assert.Equal(new[] { 0, 1, 0 }, list.Take(3).Select(s => s.ChainPosition).ToArray());
            Assert.All(list, s => Assert.Equal(TimeSpan.Zero, s.Time.Offset));
            Assert.Equal(BackupKind.Full, list[3].Kind);
            Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), list[3].Time);

            // Keep 2: the new full and the old-named incremental, which needs its old-named full.
            var keep2 = BackupRetention.Plan(list, 2, null, includeIncomplete: true);
            Assert.DoesNotContain(keep2, d => d.Remove && d.Set.IsComplete);
            Assert.Contains("builds on", keep2.Single(d => d.Set.Path == oldFull).Reason);
            Assert.Equal(new[] { leftoverNew, leftoverOld }, keep2.Where(d => d.Remove).Select(d => d.Set.Path).ToArray());
            // Keep 1: the old-named chain goes, whatever its names look like.
            var keep1 = BackupRetention.Plan(list, 1, null, includeIncomplete: false);
            Assert.Equal(new[] { oldIncr, oldFull }, keep1.Where(d => d.Remove).Select(d => d.Set.Path).ToArray());

            // An incremental after the new full builds on it, not on the old-named chain.
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var incr = t.Backup(BackupKind.Incremental);
            Assert.Equal(newFull.SetId, incr.ParentSetId);
            // And a restore of the old-named chain still finds its full set.
            Assert.True(BackupSetVerifier.Verify(oldIncr).IsValid);
        }
    }
}
