using System;
using System.Globalization;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// Leases of sets in progress and of the sets they build on, in one process (the same locks conflict between
    /// two opens of one process as between two processes; the cross-process and killed-process cases are in
    /// tests/pester/Concurrency.Tests.ps1).
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class SetLeaseTests
    {
        [Fact]
        public void CreateNew_on_an_existing_name_is_told_apart_from_other_errors()
        {
            // A claim that lost the name to another process must move on even when that process already deleted the
            // lease again (a tight claim loop): the error itself says "exists", without looking at the file afterwards.
            using var t = new RestoreTestSets(incremental: false);
            var taken = Path.Combine(t.Root, "taken");
            File.WriteAllText(taken, "x");
            var exists = Assert.ThrowsAny<IOException>(() => new FileStream(taken, FileMode.CreateNew));
            Assert.True(FolderLease.IsAlreadyExists(exists));
            var missingFolder = Assert.ThrowsAny<IOException>(() => new FileStream(Path.Combine(t.Root, "no-such-folder", "x"), FileMode.CreateNew));
            Assert.False(FolderLease.IsAlreadyExists(missingFolder));
            Directory.CreateDirectory(Path.Combine(t.Root, "a-folder"));
            var folder = Record.Exception(() => new FileStream(Path.Combine(t.Root, "a-folder"), FileMode.CreateNew));
            Assert.True(folder is IOException || folder is UnauthorizedAccessException);
        }

        [Fact]
        public void A_lease_is_exclusive_and_leaves_no_file_when_released()
        {
            using var t = new RestoreTestSets(incremental: false);
            var path = Path.Combine(t.Root, ".x" + FolderLease.Suffix);
            using (var first = FolderLease.TryAcquire(path))
            {
                Assert.NotNull(first);
                Assert.True(FolderLease.IsHeld(path));
                Assert.Null(FolderLease.TryAcquire(path, TimeSpan.FromMilliseconds(100)));
                Assert.Null(FolderLease.TryClaimNew(path));
            }
            Assert.False(File.Exists(path));
            Assert.False(FolderLease.IsHeld(path));

            // A stale file (its holder was killed) is not held, is taken over by the next taker, and removed after it.
            File.WriteAllText(path, "pid 1 on nowhere");
            Assert.False(FolderLease.IsHeld(path));
            Assert.Null(FolderLease.TryClaimNew(path)); // a claim needs a new name
            using (var taker = FolderLease.TryAcquire(path)) Assert.NotNull(taker);
            Assert.False(File.Exists(path));

            // A holder killed after marking its lease released but before deleting it leaves a stale file that is taken too.
            File.WriteAllText(path, "released");
            using (var taker = FolderLease.TryAcquire(path)) Assert.NotNull(taker);
            Assert.False(File.Exists(path));

            // A link where a lease belongs is refused, never followed.
            var victim = Path.Combine(t.Outside, "victim");
            File.WriteAllText(victim, "keep");
            File.CreateSymbolicLink(path, victim);
            Assert.Throws<IOException>(() => FolderLease.TryAcquire(path));
            Assert.Null(FolderLease.TryClaimNew(path));
            Assert.Equal("keep", File.ReadAllText(victim));
        }

        [Fact]
        public void Two_writers_in_the_same_second_claim_different_folders_and_skip_names_already_taken()
        {
            using var t = new RestoreTestSets(incremental: false);
            // Two folders: one process refuses two sessions of one source, two processes do not (that race is in Pester).
            var a = BackupPipeline.StartSnapshot(new[] { t.Source }, BackupKind.Full, t.Backups);
            var b = BackupPipeline.StartSnapshot(new[] { CopyOf(t.Source) }, BackupKind.Full, t.Backups);
            var stamp = a.StartTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            string Name(int n) => n == 1 ? stamp + "Z-full" : $"{stamp}Z-{n}-full";
            int free = 1;
            while (Directory.Exists(Path.Combine(t.Backups, Name(free)))) free++; // the test set's own full may have this second
            // The next free name is taken by a dangling link, the one after by a stale lease of a killed writer (no folder yet).
            File.CreateSymbolicLink(Path.Combine(t.Backups, Name(free)), Path.Combine(t.Outside, "nothing"));
            File.WriteAllText(Path.Combine(t.Backups, "." + Name(free + 1) + FolderLease.Suffix), "stale");
            var sameSecond = new DateTime(a.StartTime.Ticks - a.StartTime.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            try
            {
                using var wa = BackupSetWriter.Create(a, t.Backups);
                using var wb = BackupSetWriter.Create(b, t.Backups);
                Assert.Equal(Name(free + 2), Path.GetFileName(wa.SetPath));
                if (b.StartTime >= sameSecond && b.StartTime < sameSecond.AddSeconds(1))
                    Assert.Equal(Name(free + 3), Path.GetFileName(wb.SetPath));
                Assert.NotEqual(wa.SetPath, wb.SetPath);
                Assert.True(FolderLease.IsHeld(FolderLease.PathForSet(wa.SetPath)));
                wa.ReadAll();
                wb.ReadAll();
                var sa = BackupPipeline.Stop(a, false).Set;
                var sb = BackupPipeline.Stop(b, false).Set;
                Assert.True(BackupSetVerifier.Verify(sa.Path).IsValid);
                Assert.True(BackupSetVerifier.Verify(sb.Path).IsValid);
                Assert.False(File.Exists(FolderLease.PathForSet(sa.Path)));
                Assert.False(FolderLease.IsHeld(FolderLease.PathForSet(sb.Path)));
            }
            finally
            {
                a.Dispose();
                b.Dispose();
            }
            // Lease files never show as sets.
            Assert.Equal(3, BackupSetInfo.List(t.Backups).Count);
        }

        [Fact]
        public void Retention_keeps_a_set_being_written_and_the_chain_an_incremental_builds_on()
        {
            using var t = new RestoreTestSets(incremental: false);
            // A newer full of another source in the same destination: -KeepLast 1 alone would remove the first chain.
            var other = Path.Combine(t.Root, "other");
            EseBackup.Fixtures.EseFixtureWriter.WriteDatabaseFolder(other, new EseBackup.Fixtures.DatabaseFolderSpec());
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var incrSession = BackupPipeline.StartSnapshot(new[] { t.Source }, BackupKind.Incremental, t.Backups);
            try
            {
                using var writer = BackupSetWriter.Create(incrSession, t.Backups);
                var otherFull = Run(other, t.Backups);
                Assert.True(FolderLease.IsHeld(FolderLease.PathForSet(t.Full.Path)));

                var sets = BackupSetInfo.List(t.Backups);
                var plan = BackupRetention.Plan(sets, 1, null, includeIncomplete: true, BackupRetention.IsInUse);
                Assert.Equal(otherFull.Path, Assert.Single(plan, d => !d.Remove && d.Reason.Contains("newest")).Set.Path);
                Assert.Contains(BackupRetention.InUseReason, plan.Single(d => d.Set.Path == t.Full.Path).Reason);
                Assert.Contains(BackupRetention.InUseReason, plan.Single(d => d.Set.Path == writer.SetPath).Reason);
                Assert.DoesNotContain(plan, d => d.Remove);

                // A plan made before the backup started (without lease facts) is refused set by set when it deletes.
                var blind = BackupRetention.Plan(sets, 1, null, includeIncomplete: true);
                foreach (var d in blind.Where(d => d.Remove))
                    Assert.Throws<BackupSetInUseException>(() => BackupRetention.Delete(d.Set));
                Assert.True(File.Exists(Path.Combine(t.Full.Path, BackupManifest.FileName)));

                writer.ReadAll();
                var incr = BackupPipeline.Stop(incrSession, false).Set;
                Assert.Equal(t.Full.SetId, incr.ParentSetId);
                Assert.True(BackupSetVerifier.Verify(incr.Path).IsValid);
                Assert.False(FolderLease.IsHeld(FolderLease.PathForSet(t.Full.Path)));
                Assert.False(File.Exists(FolderLease.PathForSet(t.Full.Path)));
            }
            finally
            {
                incrSession.Dispose();
            }
        }

        [Fact]
        public void An_incremental_whose_parent_was_removed_meanwhile_fails_at_commit_without_manifest()
        {
            using var t = new RestoreTestSets(incremental: false);
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var session = BackupPipeline.StartSnapshot(new[] { t.Source }, BackupKind.Incremental, t.Backups);
            var writer = BackupPipeline.Read(session, t.Backups);
            // Removed behind the module's back (rm -rf): no lease stops that, the check at commit does.
            Directory.Delete(t.Full.Path, recursive: true);

            var ex = Assert.Throws<JetException>(() => BackupPipeline.Stop(session, false));
            Assert.Equal(JetError.JET_errMissingFullBackup, ex.Error);
            Assert.Contains(t.Full.Path, ex.Message);
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.False(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName)));
            Assert.True(File.Exists(Path.Combine(writer.SetPath, BackupSetWriter.IncompleteMarker)));
            Assert.False(File.Exists(FolderLease.PathForSet(writer.SetPath)));
            Assert.False(File.Exists(FolderLease.PathForSet(t.Full.Path)));
        }

        [Fact]
        public void A_second_incremental_of_the_same_chain_is_refused_while_the_first_writes()
        {
            using var t = new RestoreTestSets(incremental: false);
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            var first = BackupPipeline.StartSnapshot(new[] { t.Source }, BackupKind.Incremental, t.Backups);
            var second = BackupPipeline.StartSnapshot(new[] { CopyOf(t.Source) }, BackupKind.Incremental, t.Backups);
            try
            {
                using var writer = BackupSetWriter.Create(first, t.Backups);
                var ex = Assert.Throws<JetException>(() => BackupSetWriter.Create(second, t.Backups));
                Assert.Equal(JetError.JET_errBackupInProgress, ex.Error);
                Assert.Contains(t.Full.Path, ex.Message);
                Assert.Equal(BackupSessionState.Aborted, second.State);
                Assert.Single(Directory.GetDirectories(t.Backups), d => d != t.Full.Path);
            }
            finally
            {
                first.Dispose();
                second.Dispose();
            }
        }

        /// <summary>A copy of a database folder: the same log stream under another path.</summary>
        private static string CopyOf(string folder)
        {
            var copy = folder + "-copy";
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(folder)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            return copy;
        }

        private static BackupSet Run(string source, string backups)
        {
            var session = BackupPipeline.StartSnapshot(new[] { source }, BackupKind.Full, backups);
            BackupPipeline.Read(session, backups);
            return BackupPipeline.Stop(session, false).Set;
        }
    }
}
