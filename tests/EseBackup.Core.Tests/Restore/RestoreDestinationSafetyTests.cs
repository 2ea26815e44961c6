using System;
using System.IO;
using System.Linq;
using System.Text;
using EseBackup.Core.BackupSets;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// What a restore may write: only new files at its own names inside the destination, never through a link,
    /// never over a user's file unless forced (and then only a regular file); the destination as it was on failure.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class RestoreDestinationSafetyTests
    {
        /// <summary>Every name a full restore of the test set creates for itself, final or temporary.</summary>
        public static TheoryData<string> OwnNames => new TheoryData<string>
        {
            "restore.json.tmp", "restore.json", "Fixture.edb.restoring", "edb00003.log.restoring", "edb.log.restoring", FolderLease.RestoreLeaseName,
        };

        [Theory]
        [MemberData(nameof(OwnNames))]
        public void A_link_planted_at_any_name_the_restore_uses_is_never_written_through(string name)
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var victim = Path.Combine(t.Outside, "victim.txt");
            File.WriteAllText(victim, "keep");
            var missing = Path.Combine(t.Outside, "created-through-link");
            File.CreateSymbolicLink(Path.Combine(dest, name), victim);
            File.CreateSymbolicLink(Path.Combine(dest, name == "restore.json.tmp" ? "restore.json" : "restore.json.tmp"), missing);

            foreach (var force in new[] { false, true })
            {
                var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), force));
                Assert.Equal(BackupProblemKind.UnsafePath, ex.Problem.Kind);
                Assert.Contains("link", ex.Message);
            }
            Assert.Equal("keep", File.ReadAllText(victim));
            Assert.False(File.Exists(missing));
            Assert.Equal(new[] { "victim.txt" }, Directory.GetFileSystemEntries(t.Outside).Select(Path.GetFileName).ToArray());
            // Only the two planted links are there: nothing restored, no temporary file, no lease.
            Assert.Equal(2, Directory.GetFileSystemEntries(dest).Length);
            Assert.All(Directory.GetFileSystemEntries(dest), e => Assert.True(new FileInfo(e).Attributes.HasFlag(FileAttributes.ReparsePoint)));
        }

        [Fact]
        public void A_users_own_restore_json_is_kept_without_force_and_replaced_only_with_it()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var mine = Path.Combine(dest, BackupRestorer.ReportFileName);
            File.WriteAllText(mine, "my notes");

            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
            Assert.Equal(BackupProblemKind.DestinationExists, ex.Problem.Kind);
            Assert.Contains("restore.json", ex.Message);
            Assert.Contains("-Force", ex.Message);
            Assert.Equal("my notes", File.ReadAllText(mine));
            Assert.Equal(new[] { mine }, Directory.GetFileSystemEntries(dest));
            Assert.Equal(new[] { mine }, RestorePlan.Create(t.Full.Path, dest).ExistingTargets);

            var result = BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), force: true);
            Assert.Null(result.ReportProblem);
            Assert.Contains("\"chainSets\"", File.ReadAllText(mine));
        }

        [Fact]
        public void A_leftover_temporary_file_is_refused_without_force_and_removed_with_it()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var leftover = Path.Combine(dest, "Fixture.edb" + BackupRestorer.TempSuffix);
            File.WriteAllText(leftover, "half a database");

            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
            Assert.Equal(BackupProblemKind.DestinationExists, ex.Problem.Kind);
            Assert.Contains("interrupted restore", ex.Message);
            Assert.Equal("half a database", File.ReadAllText(leftover));

            BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), force: true);
            Assert.False(File.Exists(leftover));
            Assert.Equal(RestoreTestSets.Database(t.Full).Hash, BackupSetWriter.HashFile(Path.Combine(dest, "Fixture.edb")));
        }

        [Theory]
        [InlineData("restore.json")]
        [InlineData("restore.json.tmp")]
        [InlineData("Fixture.edb.restoring")]
        [InlineData("manifest.json")]
        [InlineData("manifest.json.tmp")]
        [InlineData("edb00002.log.partial")]
        [InlineData("INCOMPLETE.txt")]
        [InlineData("sub/" + FolderLease.RestoreLeaseName)]
        [InlineData(".20260101-000000-full.lease")]
        public void A_manifest_entry_named_like_the_modules_own_files_is_refused(string hostileName)
        {
            using var t = new RestoreTestSets(incremental: false);
            var log = RestoreTestSets.Log(t.Full, 2);
            var hostile = Path.Combine(t.Full.Path, hostileName.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(hostile)!);
            if (!File.Exists(hostile)) File.Copy(log.FullPath, hostile);
            RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Generation == 2).Path = hostileName);
            var dest = t.NewDestination();

            var ex = Assert.Throws<BackupSetException>(() => RestorePlan.Create(t.Full.Path, dest));
            Assert.Equal(BackupProblemKind.BadManifest, ex.Problem.Kind);
            Assert.Contains(hostileName, ex.Message);
            Assert.False(Directory.Exists(dest));
            Assert.False(BackupSetVerifier.Verify(t.Full.Path).IsValid);
        }

        [Fact]
        public void A_destination_another_restore_holds_is_refused_and_left_as_it_was()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var leasePath = Path.Combine(dest, FolderLease.RestoreLeaseName);
            using (var other = FolderLease.TryAcquire(leasePath))
            {
                Assert.NotNull(other);
                Assert.True(FolderLease.IsHeld(leasePath));
                var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
                Assert.Equal(BackupProblemKind.DestinationInUse, ex.Problem.Kind);
                Assert.Equal(new[] { leasePath }, Directory.GetFileSystemEntries(dest));
            }
            Assert.False(File.Exists(leasePath));
            BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest));
            Assert.False(File.Exists(leasePath));
        }

        [Fact]
        public void A_stale_lease_of_a_killed_restore_is_taken_over_and_removed()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var leasePath = Path.Combine(dest, FolderLease.RestoreLeaseName);
            File.WriteAllText(leasePath, "pid 99999 on elsewhere since 2026-01-01T00:00:00Z\n", Encoding.ASCII);
            Assert.False(FolderLease.IsHeld(leasePath));

            var result = BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest));
            Assert.False(File.Exists(leasePath));
            Assert.True(File.Exists(result.ReportPath));
        }

        [Fact]
        public void A_report_name_taken_during_the_restore_keeps_the_users_file_and_the_restore_says_the_report_is_missing()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            var mine = Path.Combine(dest, BackupRestorer.ReportFileName);
            int reports = 0;
            // The user writes restore.json after the restore's checks: the final rename refuses to replace it.
            var result = BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), false,
                p => { if (++reports == 1) File.WriteAllText(mine, "mine, written meanwhile"); });

            Assert.Equal("mine, written meanwhile", File.ReadAllText(mine));
            Assert.NotNull(result.ReportProblem);
            Assert.Contains("Every file was restored and verified", result.ReportProblem);
            Assert.Equal("", result.ReportPath);
            Assert.Equal(RestoreTestSets.Database(t.Full).Hash, BackupSetWriter.HashFile(Path.Combine(dest, "Fixture.edb")));
            Assert.Empty(Directory.GetFiles(dest, "*" + BackupRestorer.TempSuffix));
            Assert.False(File.Exists(mine + ".tmp"));
            Assert.False(File.Exists(Path.Combine(dest, FolderLease.RestoreLeaseName)));
        }

        [Fact]
        public void A_failed_restore_removes_the_files_it_renamed_into_place_and_its_folder()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            // A log name taken by a folder made while the restore copies (after its checks): the rename of that
            // log fails, and what was already renamed into place goes again.
            var late = Path.Combine(dest, "edb00004.log");
            int reports = 0;
            Assert.ThrowsAny<IOException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), false,
                p => { if (++reports == 1) Directory.CreateDirectory(late); }));
            Assert.Equal(new[] { late }, Directory.GetFileSystemEntries(dest));
        }
    }
}
