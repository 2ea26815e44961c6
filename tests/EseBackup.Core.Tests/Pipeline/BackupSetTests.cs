using System;
using System.IO;
using System.Linq;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>Backup sets written from real folders: layout, manifest, atomicity, chains and failure paths.</summary>
    [Collection("BackupSessions")]
    public sealed class BackupSetTests
    {
        [RealEseFact]
        public void Full_backup_of_the_real_appdata_folder_copies_database_and_log_byte_for_byte()
        {
            var src = PipelineTestFolders.AppDataEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                long lastBytes = 0;
                var options = new BackupCopyOptions { ChunkSize = 256 * 1024, Progress = new SyncProgress(p => lastBytes = p.BytesDone) };
                BackupPipeline.Read(session, dest, options);
                var result = BackupPipeline.Stop(session, truncateLog: true);
                var set = result.Set;

                Assert.Equal(BackupSessionState.Complete, session.State);
                Assert.False(result.LogsTruncated);
                Assert.NotNull(result.TruncationRefused);
                Assert.Equal(BackupKind.Full, set.Kind);
                // edb.log (generation 1) carries the database's log signature; edb0000D.log (generation 13) carries
                // an older stream's signature and can never be replayed against this database: it is left out.
                Assert.Equal(1, set.LogGenerationLow);
                Assert.Equal(1, set.LogGenerationHigh);
                Assert.Equal(new[] { "IndexedDB.edb", "edb.log" }, set.Files.Select(f => f.Name).ToArray());
                Assert.Contains(set.Manifest.Notes, n => n.Contains("edb0000D.log") && n.Contains("another log stream"));
                Assert.DoesNotContain(set.Manifest.Notes, n => n.Contains("edbres"));
                Assert.Equal(1578587623u, set.Manifest.LogSignature!.Random);
                foreach (var f in set.Files)
                {
                    Assert.Equal(File.ReadAllBytes(Path.Combine(src, f.Name)), File.ReadAllBytes(f.FullPath));
                    Assert.Equal(BackupSetWriter.HashFile(Path.Combine(src, f.Name)), f.Hash);
                }
                Assert.Equal(32768, set.Manifest.PageSize);
                Assert.Equal(1, set.Files.Single(f => f.Role == BackupFileRole.Log).Generation);
                Assert.Equal(set.TotalBytes, lastBytes);
                // The name is the UTC start time with its Z marker, to the second of the manifest's start time.
                Assert.Matches(@"^\d{8}-\d{6}Z-full$", set.Name);
                Assert.Equal(TimeSpan.Zero, set.StartTime.Offset);
                Assert.Equal(set.StartTime.UtcTicks - set.StartTime.UtcTicks % TimeSpan.TicksPerSecond, SetFolderName.TryParse(set.Name)!.StartTime.Ticks);
                Assert.Empty(Directory.GetFiles(set.Path, "*.partial"));
                Assert.Empty(Directory.GetFiles(set.Path, "*.tmp"));
                // Nothing in the source changed (no truncation on a snapshot).
                Assert.Equal(Directory.GetFiles(TestEnvironment.RealFile("appdata-folder/edb")).Length, Directory.GetFiles(src).Length);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void Incremental_carries_the_logs_since_the_previous_set_and_chains_to_it()
        {
            var src = PipelineTestFolders.AppDataEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var noFull = Assert.Throws<JetException>(() => BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Incremental, dest));
                Assert.Equal(JetError.JET_errMissingFullBackup, noFull.Error);

                var full = RunBackup(src, dest, BackupKind.Full);
                Assert.Equal(1, full.LogGenerationHigh);
                PipelineTestFolders.AdvanceCurrentLog(src); // edb00001.log, edb.log = 2
                PipelineTestFolders.AdvanceCurrentLog(src); // edb00002.log, edb.log = 3

                var incr = RunBackup(src, dest, BackupKind.Incremental);
                Assert.Equal(BackupKind.Incremental, incr.Kind);
                Assert.Equal(full.SetId, incr.ParentSetId);
                Assert.Equal(full.ChainId, incr.ChainId);
                Assert.Equal(1, incr.LogGenerationLow); // the parent's newest generation is taken again (it was the current log)
                Assert.Equal(3, incr.LogGenerationHigh);
                Assert.DoesNotContain(incr.Files, f => f.Role == BackupFileRole.Database);
                Assert.Equal(new long?[] { 1, 2, 3 }, incr.Files.Select(f => f.Generation).ToArray());
                Assert.Equal(new[] { "edb00001.log", "edb00002.log", "edb.log" }, incr.Files.Select(f => f.Name).ToArray());
                foreach (var f in incr.Files) Assert.Equal(File.ReadAllBytes(Path.Combine(src, f.Name)), File.ReadAllBytes(f.FullPath));
                Assert.Matches(@"-incr$", incr.Name);

                PipelineTestFolders.AdvanceCurrentLog(src);
                var incr2 = RunBackup(src, dest, BackupKind.Incremental);
                Assert.Equal(incr.SetId, incr2.ParentSetId);
                Assert.Equal(full.ChainId, incr2.ChainId);
                Assert.Equal(3, incr2.LogGenerationLow);
                Assert.Equal(4, incr2.LogGenerationHigh);
                Assert.NotEqual(incr.Name, incr2.Name);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [Fact]
        public void An_incremental_does_not_build_on_a_set_of_its_log_stream_committed_after_it_started()
        {
            // Two folders of one log stream (a copy, another snapshot) backed up into one destination: a full of the
            // copy that commits while an incremental of the first is running is newer, but the chain check refuses a set
            // that started before its parent ended, so building on it would commit an incremental that never restores.
            var src = TestEnvironment.NewTempFolder("pipeline-src");
            var copy = TestEnvironment.NewTempFolder("pipeline-copy");
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                foreach (var folder in new[] { src, copy })
                {
                    var spec = new EseBackup.Fixtures.DatabaseFolderSpec();
                    spec.Database.PageCount = 32;
                    spec.Logs.FirstGeneration = 1;
                    spec.Logs.LastGeneration = 3;
                    spec.Logs.LogFileSize = 64 * 1024;
                    EseBackup.Fixtures.EseFixtureWriter.WriteDatabaseFolder(folder, spec);
                }
                var full = RunBackup(src, dest, BackupKind.Full);
                EseBackup.Fixtures.EseFixtureWriter.RollCurrentLog(src);

                var incremental = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Incremental, dest);
                Thread.Sleep(20); // a clock tick between the incremental's start and the copy's end
                var copyFull = RunBackup(copy, dest, BackupKind.Full);
                Assert.Equal(full.Manifest.LogSignature!.Random, copyFull.Manifest.LogSignature!.Random);
                Assert.True(copyFull.EndTime > incremental.StartTime);
                BackupPipeline.Read(incremental, dest);
                var set = BackupPipeline.Stop(incremental, false).Set;

                Assert.Equal(full.SetId, set.ParentSetId);
                var check = BackupSetVerifier.Verify(set.Path);
                Assert.True(check.IsValid, string.Join("; ", check.Problems));
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, copy, dest);
            }
        }

        [RealEseFact]
        public void The_manifest_appears_only_at_commit_and_a_set_without_it_is_incomplete()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                var writer = BackupPipeline.Read(session, dest);
                Assert.Equal(BackupSessionState.Read, session.State);
                Assert.False(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName)));
                var before = BackupSetCatalog.Scan(dest);
                Assert.Empty(before.Sets);
                Assert.Single(before.Incomplete);
                Assert.Throws<FileNotFoundException>(() => BackupSet.Open(writer.SetPath));

                var result = BackupPipeline.Stop(session, truncateLog: false);
                Assert.True(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName)));
                Assert.False(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName + ".tmp")));
                var after = BackupSetCatalog.Scan(dest);
                Assert.Equal(result.Set.SetId, after.Sets.Single().SetId);
                Assert.Empty(after.Incomplete);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void A_bad_page_aborts_the_backup_and_leaves_no_manifest()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            PipelineTestFolders.CorruptPage(Path.Combine(src, "basic.edb"), 200, 4096);
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                var ex = Assert.Throws<JetException>(() => BackupPipeline.Read(session, dest));
                Assert.Equal(JetError.JET_errReadVerifyFailure, ex.Error);
                Assert.Equal(200, ex.PageNumber);
                Assert.Equal(BackupSessionState.Aborted, session.State);
                Assert.DoesNotContain(session, BackupSessionRegistry.OpenSessions);
                var setDir = Directory.GetDirectories(dest).Single();
                Assert.False(File.Exists(Path.Combine(setDir, BackupManifest.FileName)));
                Assert.Empty(Directory.GetFiles(setDir, "*.partial"));
                Assert.Contains("page 200", File.ReadAllText(Path.Combine(setDir, BackupSetWriter.IncompleteMarker)));
                var stop = Assert.Throws<JetException>(() => BackupPipeline.Stop(session, false));
                Assert.Equal(JetError.JET_errNoBackup, stop.Error);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void A_full_destination_aborts_the_session_with_a_clear_error()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                var writer = BackupSetWriter.Create(session, dest);
                var options = new BackupCopyOptions { ChunkSize = 128 * 1024, CreateFile = p => new FullDiskStream(p, 300 * 1024) };
                var ex = Assert.Throws<BackupDestinationException>(() => writer.ReadAll(options));
                Assert.Contains("full or read-only", ex.Message);
                Assert.Contains("basic.edb", ex.Message);
                Assert.Equal(BackupSessionState.Aborted, session.State);
                Assert.False(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName)));
                Assert.Empty(Directory.GetFiles(writer.SetPath, "*.partial"));
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void Cancellation_aborts_the_session()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                using var cts = new CancellationTokenSource();
                var options = new BackupCopyOptions { ChunkSize = 128 * 1024, Progress = new SyncProgress(p => { if (p.BytesDone >= 128 * 1024) cts.Cancel(); }) };
                Assert.ThrowsAny<OperationCanceledException>(() => BackupPipeline.Read(session, dest, options, cts.Token));
                Assert.Equal(BackupSessionState.Aborted, session.State);
                Assert.Equal("The backup was cancelled.", session.AbortReason);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void Leftovers_of_a_killed_run_are_ignored_as_chain_parents_and_the_next_run_succeeds()
        {
            var src = PipelineTestFolders.AppDataEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var full = RunBackup(src, dest, BackupKind.Full);
                // A later run killed mid-read: its folder holds a complete copy, a partial file and no manifest.
                var killed = Path.Combine(dest, "29991231-235959-incr");
                Directory.CreateDirectory(killed);
                File.Copy(Path.Combine(src, "edb.log"), Path.Combine(killed, "edb.log"));
                File.WriteAllBytes(Path.Combine(killed, "edb00002.log.partial"), new byte[4096]);
                var killedFull = Path.Combine(dest, "29991231-235959-full");
                Directory.CreateDirectory(killedFull);
                File.WriteAllBytes(Path.Combine(killedFull, "IndexedDB.edb.partial"), new byte[8192]);

                // Killed while the manifest was being written: the complete text sits under the temporary name only.
                var killedAtCommit = Path.Combine(dest, "29991231-235958-full");
                Directory.CreateDirectory(killedAtCommit);
                foreach (var f in full.Files) File.Copy(f.FullPath, Path.Combine(killedAtCommit, f.Name));
                File.Copy(Path.Combine(full.Path, BackupManifest.FileName), Path.Combine(killedAtCommit, BackupManifest.FileName + ".tmp"));

                var catalog = BackupSetCatalog.Scan(dest);
                Assert.Equal(full.SetId, catalog.Sets.Single().SetId);
                Assert.Equal(3, catalog.Incomplete.Count);

                PipelineTestFolders.AdvanceCurrentLog(src);
                var incr = RunBackup(src, dest, BackupKind.Incremental);
                Assert.Equal(full.SetId, incr.ParentSetId);
                Assert.Equal(2, incr.LogGenerationHigh);

                var again = RunBackup(src, dest, BackupKind.Full);
                Assert.Null(again.ParentSetId);
                Assert.NotEqual(full.ChainId, again.ChainId);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void Stopping_before_anything_was_read_fails_and_aborts_the_session()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                var ex = Assert.Throws<JetException>(() => BackupPipeline.Stop(session, truncateLog: true));
                Assert.Equal(JetError.JET_errInvalidBackupSequence, ex.Error);
                Assert.Equal(BackupSessionState.Aborted, session.State);
                Assert.DoesNotContain(session, BackupSessionRegistry.OpenSessions);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src);
            }
        }

        [RealEseFact]
        public void Two_databases_of_one_folder_are_backed_up_in_one_set()
        {
            var src = PipelineTestFolders.BasicEdbFolder();
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            File.Copy(TestEnvironment.RealFile("dissect-esedb/text.edb"), Path.Combine(src, "text.edb"));
            PipelineTestFolders.ClearReadOnly(src);
            File.WriteAllText(Path.Combine(src, "notes.txt"), "not a database");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                BackupPipeline.Read(session, dest);
                var set = BackupPipeline.Stop(session, false).Set;
                Assert.Equal(new[] { "basic.edb", "text.edb" }, set.Files.Select(f => f.Name).ToArray());
                Assert.All(set.Files, f => Assert.Equal(4096, f.Entry.PageSize));
                Assert.NotEqual(set.Files[0].Entry.DatabaseSignature!.Random, set.Files[1].Entry.DatabaseSignature!.Random);
                BackupPipeline.VerifyBeforeTruncation(set);
                File.AppendAllText(set.Files[1].FullPath, "x");
                var ex = Assert.Throws<InvalidDataException>(() => BackupPipeline.VerifyBeforeTruncation(set));
                Assert.Contains(set.Files[1].Name, ex.Message);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        [RealEseFact]
        public void Throttling_bounds_the_copy_rate()
        {
            var src = PipelineTestFolders.BasicEdbFolder(); // 1 MiB
            var dest = TestEnvironment.NewTempFolder("pipeline-dest");
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                BackupPipeline.Read(session, dest, new BackupCopyOptions { ChunkSize = 128 * 1024, ThrottleMBps = 2 });
                clock.Stop();
                BackupPipeline.Stop(session, false);
                // 1 048 576 bytes at 2 MB/s take at least 0.52 s.
                Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"took {clock.Elapsed}");
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src, dest);
            }
        }

        private static BackupSet RunBackup(string src, string dest, BackupKind kind)
        {
            var session = BackupPipeline.StartSnapshot(new[] { src }, kind, dest);
            BackupPipeline.Read(session, dest);
            return BackupPipeline.Stop(session, false).Set;
        }

        /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
        private sealed class SyncProgress : IProgress<BackupProgress>
        {
            private readonly Action<BackupProgress> _report;
            public SyncProgress(Action<BackupProgress> report) => _report = report;
            public void Report(BackupProgress value) => _report(value);
        }

        /// <summary>A real file that fails like a full disk once <c>capacity</c> bytes were written.</summary>
        private sealed class FullDiskStream : FileStream
        {
            private readonly long _capacity;
            public FullDiskStream(string path, long capacity) : base(path, FileMode.CreateNew, FileAccess.Write) => _capacity = capacity;

            public override void Write(byte[] array, int offset, int count)
            {
                if (Position + count > _capacity) throw new IOException("No space left on device");
                base.Write(array, offset, count);
            }
        }
    }
}
