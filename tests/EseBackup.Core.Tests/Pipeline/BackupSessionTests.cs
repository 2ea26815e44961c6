using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>The session state machine over a real snapshot source: order, JET errors, registry.</summary>
    [Collection("BackupSessions")]
    public sealed class BackupSessionTests
    {
        [RealEseFact]
        public void Calls_out_of_order_fail_with_InvalidBackupSequence_and_leave_the_session_usable()
        {
            var dir = PipelineTestFolders.BasicEdbFolder();
            try
            {
                using var session = BackupSession.Begin(new SnapshotSource(dir), BackupKind.Full);
                Assert.Equal(BackupSessionState.Started, session.State);

                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.GetLogInfo());
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.OpenFile(Path.Combine(dir, "basic.edb")));
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.End());
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.GetTruncateLogInfo());
                Assert.True(session.IsOpen);

                var dbs = session.GetAttachInfo();
                Assert.Equal(new[] { Path.Combine(dir, "basic.edb") }, dbs);
                Assert.Equal(BackupSessionState.ReadingDatabases, session.State);
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.GetAttachInfo());

                var h = session.OpenFile(dbs[0]);
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.OpenFile(dbs[0]));
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.GetLogInfo());
                var buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = session.ReadFile(h, buffer, 0, buffer.Length)) > 0) total += n;
                Assert.Equal(new FileInfo(dbs[0]).Length, total);
                session.CloseFile(h);

                var logs = session.GetLogInfo();
                Assert.Empty(logs.Files); // basic.edb is clean and its folder has no logs
                Assert.Equal(BackupSessionState.Read, session.State);

                // Truncation is refused before a set was committed, whatever the source.
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.TruncateLog());

                session.End();
                Assert.Equal(BackupSessionState.Complete, session.State);
                AssertJet(JetError.JET_errNoBackup, () => session.GetLogInfo());
                AssertJet(JetError.JET_errNoBackup, () => session.End());
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void Incremental_has_no_attach_info_and_needs_a_full_backup_first()
        {
            var dir = PipelineTestFolders.AppDataEdbFolder();
            try
            {
                // The database header records no earlier backup and no set was named: no basis for an incremental.
                var ex = Assert.Throws<JetException>(() => BackupSession.Begin(new SnapshotSource(dir), BackupKind.Incremental));
                Assert.Equal(JetError.JET_errMissingFullBackup, ex.Error);
                Assert.DoesNotContain(BackupSessionRegistry.OpenSessions, s => s.SourceKey == dir);

                using var session = BackupSession.Begin(new SnapshotSource(dir) { IncrementalBaseGeneration = 1 }, BackupKind.Incremental);
                AssertJet(JetError.JET_errInvalidBackupSequence, () => session.GetAttachInfo());
                var logs = session.GetLogInfo();
                Assert.Equal(1, logs.LowGeneration);
                Assert.Equal(1, logs.HighGeneration);
                Assert.Equal(new[] { Path.Combine(dir, "edb.log") }, logs.Files);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void A_second_backup_of_the_same_folder_fails_with_BackupInProgress_until_the_first_ends()
        {
            var dir = PipelineTestFolders.BasicEdbFolder();
            try
            {
                var first = BackupSession.Begin(new SnapshotSource(dir), BackupKind.Full);
                Assert.Contains(first, BackupSessionRegistry.OpenSessions);

                // Another source object over the same folder, named through the database file this time.
                var second = new SnapshotSource(Path.Combine(dir, "basic.edb"));
                var ex = Assert.Throws<JetException>(() => BackupSession.Begin(second, BackupKind.Full));
                Assert.Equal(JetError.JET_errBackupInProgress, ex.Error);
                Assert.Equal(-505, ex.ErrorCode);
                Assert.Contains("JET_errBackupInProgress", ex.Message);

                first.Abort("test");
                Assert.Equal(BackupSessionState.Aborted, first.State);
                Assert.DoesNotContain(first, BackupSessionRegistry.OpenSessions);

                using var third = BackupSession.Begin(new SnapshotSource(dir), BackupKind.Full);
                Assert.True(third.IsOpen);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void A_bad_page_aborts_the_session_naming_file_and_page()
        {
            var dir = PipelineTestFolders.BasicEdbFolder();
            var db = Path.Combine(dir, "basic.edb");
            PipelineTestFolders.CorruptPage(db, 7, 4096);
            try
            {
                var session = BackupSession.Begin(new SnapshotSource(dir), BackupKind.Full);
                session.GetAttachInfo();
                var h = session.OpenFile(db);
                var buffer = new byte[1024 * 1024];
                var ex = Assert.Throws<JetException>(() => { while (session.ReadFile(h, buffer, 0, buffer.Length) > 0) { } });
                Assert.Equal(JetError.JET_errReadVerifyFailure, ex.Error);
                Assert.Equal(7, ex.PageNumber);
                Assert.Equal(db, ex.FilePath);
                Assert.Contains("page 7", ex.Message);
                Assert.Contains("basic.edb", ex.Message);
                Assert.Equal(BackupSessionState.Aborted, session.State);
                Assert.False(session.IsOpen);
                Assert.DoesNotContain(session, BackupSessionRegistry.OpenSessions);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void The_real_SRUDB_tail_fails_at_its_first_foreign_page()
        {
            // dissect-esedb/SRUDB.dat: page numbers 143-158 are not ESE pages (see PROVENANCE.md).
            var dir = TestEnvironment.NewTempFolder("pipeline-srudb");
            File.Copy(TestEnvironment.RealFile("dissect-esedb/SRUDB.dat"), Path.Combine(dir, "SRUDB.dat"));
            PipelineTestFolders.ClearReadOnly(dir);
            try
            {
                var session = BackupSession.Begin(new SnapshotSource(dir), BackupKind.Full);
                var db = session.GetAttachInfo().Single();
                var h = session.OpenFile(db);
                var buffer = new byte[4096 * 16];
                var ex = Assert.Throws<JetException>(() => { while (session.ReadFile(h, buffer, 0, buffer.Length) > 0) { } });
                Assert.Equal(143, ex.PageNumber);
                Assert.False(session.IsOpen);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void Required_logs_that_are_absent_fail_with_MissingLogFile_naming_the_generations()
        {
            // ravendb-esent/Data is dirty and needs log generation 1; no log is beside it.
            var dir = TestEnvironment.NewTempFolder("pipeline-raven");
            File.Copy(TestEnvironment.RealFile("ravendb-esent/Data"), Path.Combine(dir, "Data"));
            PipelineTestFolders.ClearReadOnly(dir);
            try
            {
                var ex = Assert.Throws<JetException>(() => BackupSession.Begin(new SnapshotSource(Path.Combine(dir, "Data")), BackupKind.Full));
                Assert.Equal(JetError.JET_errMissingLogFile, ex.Error);
                Assert.Contains("1-1", ex.Message);
                Assert.DoesNotContain(BackupSessionRegistry.OpenSessions, s => s.SourceKey == dir);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void A_gap_between_required_and_newest_generation_names_the_missing_generations()
        {
            var dir = PipelineTestFolders.AppDataEdbFolder();
            try
            {
                PipelineTestFolders.AddLogGeneration(dir, Path.Combine(dir, "edb.log"), 4);
                var source = new SnapshotSource(dir) { IncrementalBaseGeneration = 1 };
                var ex = Assert.Throws<JetException>(() => BackupSession.Begin(source, BackupKind.Incremental));
                Assert.Equal(JetError.JET_errMissingLogFile, ex.Error);
                Assert.Contains("2-3", ex.Message);
                Assert.Contains(dir, ex.Message);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        [RealEseFact]
        public void A_snapshot_refuses_to_truncate_logs()
        {
            var dir = PipelineTestFolders.AppDataEdbFolder();
            try
            {
                using var source = new SnapshotSource(dir);
                Assert.False(source.CanTruncateLogs);
                source.BeginBackup(BackupKind.Full);
                Assert.Empty(source.GetTruncateLogInfo());
                var ex = Assert.Throws<InvalidOperationException>(() => source.TruncateLog());
                Assert.Contains("not truncated", ex.Message);
                Assert.All(Directory.GetFiles(TestEnvironment.RealFile("appdata-folder/edb")), f => Assert.True(File.Exists(Path.Combine(dir, Path.GetFileName(f)))));
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(dir);
            }
        }

        private static void AssertJet(JetError expected, Action call)
        {
            var ex = Assert.Throws<JetException>(call);
            Assert.Equal(expected, ex.Error);
            Assert.Contains(expected.ToString(), ex.Message);
        }

        private static void AssertJet<T>(JetError expected, Func<T> call) => AssertJet(expected, () => { call(); });
    }
}
