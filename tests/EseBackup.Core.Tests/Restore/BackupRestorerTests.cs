using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using EseBackup.Core.Tests.Support;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>Restoring real chains: layout, verification while copying, hostile manifests, existing files.</summary>
    [Collection("BackupSessions")]
    public sealed class BackupRestorerTests
    {
        [Fact]
        public void Full_plus_incremental_restores_database_and_one_copy_of_each_log_generation()
        {
            using var t = new RestoreTestSets();
            var dest = t.NewDestination();
            var plan = RestorePlan.Create(t.Incremental!.Path, dest);
            Assert.Equal(new[] { t.Full.SetId, t.Incremental.SetId }, plan.Chain.Sets.Select(s => s.SetId).ToArray());
            var result = BackupRestorer.Restore(plan);

            Assert.Equal(1, result.LogGenerationLow);
            Assert.Equal(7, result.LogGenerationHigh);
            var names = Directory.GetFiles(dest).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "Fixture.edb", "edb.log", "edb00001.log", "edb00002.log", "edb00003.log", "edb00004.log", "edb00005.log", "edb00006.log", "restore.json" }, names);
            // Every restored file is byte for byte the source's file of that name (the source has rolled on: edb.log is 7).
            foreach (var name in names.Where(n => n != "restore.json"))
                Assert.Equal(BackupSetWriter.HashFile(Path.Combine(t.Source, name!)), BackupSetWriter.HashFile(Path.Combine(dest, name!)));
            var logs = LogSequence.Scan(dest);
            Assert.True(logs.IsContiguous);
            Assert.Equal(1, logs.LowGeneration);
            Assert.Equal(7, logs.HighGeneration);
            Assert.Equal(66, result.PagesVerified);
            Assert.Contains("eseutil /r edb", result.NextStep);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dest, "restore.json")));
            Assert.Equal(7, report.RootElement.GetProperty("logGenerationHigh").GetInt64());
            Assert.Equal(2, report.RootElement.GetProperty("chainSets").GetArrayLength());
        }

        [Fact]
        public void ToGeneration_stops_the_logs_there()
        {
            using var t = new RestoreTestSets();
            var dest = t.NewDestination();
            var result = BackupRestorer.Restore(RestorePlan.Create(t.Incremental!.Path, dest, toGeneration: 3));
            Assert.Equal(3, result.LogGenerationHigh);
            Assert.Equal(new long[] { 1, 2, 3 }, LogSequence.Scan(dest).Logs.Select(l => l.Generation).ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => RestorePlan.Create(t.Incremental.Path, t.NewDestination("x"), toGeneration: 8));
        }

        [Fact]
        public void A_bad_page_stops_the_restore_naming_file_and_page_and_leaves_nothing()
        {
            using var t = new RestoreTestSets();
            var db = RestoreTestSets.Database(t.Full);
            // Keep the manifest hash matching, so only the page checksum can catch it (what a copy made of an already-bad file looks like).
            RestoreTestSets.FlipBit(db.FullPath, (40 + 1) * (long)RestoreTestSets.PageSize + 100);
            RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Role == BackupFileRole.Database).Hash = BackupSetWriter.HashFile(db.FullPath));
            var dest = t.NewDestination();

            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Incremental!.Path, dest)));
            Assert.Equal(BackupProblemKind.BadPage, ex.Problem.Kind);
            Assert.Equal(db.FullPath, ex.Problem.File);
            Assert.Equal(40, ex.Problem.PageNumber);
            Assert.Contains("page 40", ex.Message);
            Assert.False(Directory.Exists(dest));
        }

        [Fact]
        public void A_flipped_log_bit_stops_the_restore_and_an_existing_destination_keeps_only_what_it_had()
        {
            using var t = new RestoreTestSets();
            var log6 = RestoreTestSets.Log(t.Incremental!, 6);
            RestoreTestSets.FlipBit(log6.FullPath, 70000);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            File.WriteAllText(Path.Combine(dest, "notes.txt"), "mine");
            var before = RestoreTestSets.Snapshot(dest);

            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Incremental!.Path, dest)));
            Assert.Equal(BackupProblemKind.HashMismatch, ex.Problem.Kind);
            Assert.Equal(log6.FullPath, ex.Problem.File);
            Assert.Equal(6, ex.Problem.Generation);
            Assert.Equal(before, RestoreTestSets.Snapshot(dest));
        }

        [Fact]
        public void A_missing_parent_or_a_missing_log_refuses_the_restore_before_writing()
        {
            using var t = new RestoreTestSets();
            File.Delete(RestoreTestSets.Log(t.Incremental!, 6).FullPath);
            var dest = t.NewDestination();
            var missing = Assert.Throws<BackupSetException>(() => RestorePlan.Create(t.Incremental!.Path, dest));
            Assert.Equal(BackupProblemKind.MissingFile, missing.Problem.Kind);
            Assert.Equal(6, missing.Problem.Generation);

            Directory.Delete(t.Full.Path, true);
            var parent = Assert.Throws<BackupSetException>(() => RestorePlan.Create(t.Incremental!.Path, dest));
            Assert.Equal(BackupProblemKind.MissingParent, parent.Problem.Kind);
            Assert.False(Directory.Exists(dest));
        }

        [Theory]
        [InlineData("absolute")]
        [InlineData("dotdot")]
        [InlineData("separator-dotdot")]
        [InlineData("huge")]
        [InlineData("symlink")]
        public void Hostile_manifests_are_refused_with_nothing_written(string attack)
        {
            using var t = new RestoreTestSets(incremental: false);
            var log2 = RestoreTestSets.Log(t.Full, 2);
            var victim = Path.Combine(t.Outside, "victim.log");
            switch (attack)
            {
                case "absolute":
                    RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Generation == 2).Path = victim);
                    break;
                case "dotdot":
                    RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Generation == 2).Path = "../outside/victim.log");
                    break;
                case "separator-dotdot":
                    RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Generation == 2).Path = "sub\\..\\..\\..\\outside\\victim.log");
                    break;
                case "huge":
                    RestoreTestSets.EditManifest(t.Full, m => m.Files.Single(f => f.Generation == 2).Size = 1L << 50);
                    break;
                case "symlink":
                    // The set's log is replaced by a link to a file outside the set with the same bytes: size and hash match.
                    File.Copy(log2.FullPath, Path.Combine(t.Outside, "secret.log"));
                    File.Delete(log2.FullPath);
                    File.CreateSymbolicLink(log2.FullPath, Path.Combine(t.Outside, "secret.log"));
                    break;
            }
            var outsideBefore = RestoreTestSets.Snapshot(t.Outside);
            var dest = t.NewDestination();

            var ex = Assert.ThrowsAny<Exception>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
            var problem = Assert.IsType<BackupSetException>(ex).Problem;
            switch (attack)
            {
                case "huge": Assert.Equal(BackupProblemKind.SizeMismatch, problem.Kind); break;
                case "symlink": Assert.Equal(BackupProblemKind.UnsafePath, problem.Kind); Assert.Contains("link", ex.Message); break;
                default: Assert.Equal(BackupProblemKind.BadManifest, problem.Kind); break;
            }
            Assert.Contains(t.Full.Path, ex.Message);
            Assert.False(Directory.Exists(dest));
            Assert.Equal(outsideBefore, RestoreTestSets.Snapshot(t.Outside));
            Assert.False(File.Exists(victim));

            // The verifier refuses the same sets.
            Assert.False(BackupSetVerifier.Verify(t.Full.Path).IsValid);
        }

        [Fact]
        public void A_destination_holding_a_database_is_left_untouched_unless_forced()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var existing = Path.Combine(dest, "Fixture.edb");
            File.WriteAllBytes(existing, new byte[] { 1, 2, 3 });
            File.SetLastWriteTimeUtc(existing, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
            var before = RestoreTestSets.Snapshot(dest);

            var plan = RestorePlan.Create(t.Full.Path, dest);
            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(plan));
            Assert.Equal(BackupProblemKind.DestinationExists, ex.Problem.Kind);
            Assert.Contains("Fixture.edb", ex.Message);
            Assert.Equal(before, RestoreTestSets.Snapshot(dest));

            BackupRestorer.Restore(plan, force: true);
            Assert.Equal(RestoreTestSets.Database(t.Full).Hash, BackupSetWriter.HashFile(existing));
            Assert.Empty(Directory.GetFiles(dest, "*" + BackupRestorer.TempSuffix));
        }

        [Fact]
        public void Cancelling_midway_leaves_no_file_and_no_folder()
        {
            using var t = new RestoreTestSets();
            var dest = t.NewDestination();
            using var cts = new System.Threading.CancellationTokenSource();
            int reports = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Incremental!.Path, dest), false,
                p => { if (++reports == 2) cts.Cancel(); }, cts.Token));
            Assert.True(reports >= 2);
            Assert.False(Directory.Exists(dest));
        }

        [Fact]
        public void Other_ese_files_already_in_the_destination_are_named_for_a_warning()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            File.WriteAllText(Path.Combine(dest, "edb00009.log"), "stale");
            File.WriteAllText(Path.Combine(dest, "edb.chk"), "stale");
            File.WriteAllText(Path.Combine(dest, "notes.txt"), "mine");
            var plan = RestorePlan.Create(t.Full.Path, dest);
            Assert.Equal(new[] { "edb.chk", "edb00009.log" }, plan.OtherEseFilesInDestination.Select(Path.GetFileName).ToArray());
            BackupRestorer.Restore(plan);
            Assert.Equal("stale", File.ReadAllText(Path.Combine(dest, "edb00009.log")));
        }

        [Fact]
        public void A_link_in_the_destination_is_never_written_through()
        {
            using var t = new RestoreTestSets(incremental: false);
            var dest = t.NewDestination();
            Directory.CreateDirectory(dest);
            var outsideFile = Path.Combine(t.Outside, "keep.log");
            File.WriteAllText(outsideFile, "keep");
            File.CreateSymbolicLink(Path.Combine(dest, "edb00002.log"), outsideFile);

            Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest)));
            // Forced too: -Force replaces only regular files, never a link; nothing is written, the link stays as it was.
            var ex = Assert.Throws<BackupSetException>(() => BackupRestorer.Restore(RestorePlan.Create(t.Full.Path, dest), force: true));
            Assert.Equal(BackupProblemKind.UnsafePath, ex.Problem.Kind);
            Assert.Equal("keep", File.ReadAllText(outsideFile));
            Assert.True(new FileInfo(Path.Combine(dest, "edb00002.log")).Attributes.HasFlag(FileAttributes.ReparsePoint));
            Assert.Equal(new[] { "edb00002.log" }, Directory.GetFileSystemEntries(dest).Select(Path.GetFileName).ToArray());
        }

        [RealEseFact]
        public void Real_appdata_folder_round_trips_through_full_and_incremental()
        {
            var src = PipelineTestFolders.AppDataEdbFolder();
            var backups = TestEnvironment.NewTempFolder("restore-real");
            var dest = Path.Combine(backups, "restored");
            try
            {
                Run(src, backups, BackupKind.Full);
                PipelineTestFolders.AdvanceCurrentLog(src);
                PipelineTestFolders.AdvanceCurrentLog(src);
                var incr = Run(src, backups, BackupKind.Incremental);
                Assert.True(BackupSetVerifier.Verify(incr.Path).IsValid);
                var result = BackupRestorer.Restore(RestorePlan.Create(incr.Path, dest));
                Assert.Equal(1, result.LogGenerationLow);
                Assert.Equal(3, result.LogGenerationHigh);
                foreach (var name in new[] { "IndexedDB.edb", "edb00001.log", "edb00002.log", "edb.log" })
                    Assert.Equal(File.ReadAllBytes(Path.Combine(src, name)), File.ReadAllBytes(Path.Combine(dest, name)));
                Assert.True(DatabaseVerifier.Verify(Path.Combine(dest, "IndexedDB.edb")).IsValid);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, backups);
            }
        }

        private static BackupSet Run(string src, string dest, BackupKind kind)
        {
            var session = BackupPipeline.StartSnapshot(new[] { src }, kind, dest);
            BackupPipeline.Read(session, dest);
            return BackupPipeline.Stop(session, false).Set;
        }
    }
}
