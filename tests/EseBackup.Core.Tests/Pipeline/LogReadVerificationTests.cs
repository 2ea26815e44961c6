using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Restore;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>
    /// A snapshot backup verifies each log as it reads it, as the engine's backup does (ErrLGReadAndVerifyFile):
    /// a bad log fails the read, the session aborts, and no set is committed.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class LogReadVerificationTests : TempFolderTest
    {
        public LogReadVerificationTests() : base("log-read") { }

        string Source => Path.Combine(Dir, "source");
        string Destination => Path.Combine(Dir, "backups");

        void WriteFolder(bool dirty = false)
        {
            var spec = new DatabaseFolderSpec();
            spec.Database.PageCount = 32;
            spec.Logs.FirstGeneration = 1;
            spec.Logs.LastGeneration = 5;
            spec.Logs.LogFileSize = 128 * 1024;
            spec.Logs.ReserveLogCount = 1;
            if (dirty) spec.Database.State = DatabaseState.DirtyShutdown;
            EseFixtureWriter.WriteDatabaseFolder(Source, spec);
        }

        string Log(long generation) => Path.Combine(Source, generation == 5 ? "edb.log" : $"edb{generation:X5}.log");

        /// <summary>Runs a full backup that must fail; checks the session is aborted and no manifest exists.</summary>
        JetException BackupFails()
        {
            var session = BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full);
            var ex = Assert.Throws<JetException>(() => BackupPipeline.Read(session, Destination));
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.DoesNotContain(session, BackupSessionRegistry.OpenSessions);
            var set = Directory.GetDirectories(Destination).Single();
            Assert.False(File.Exists(Path.Combine(set, BackupManifest.FileName)));
            Assert.Empty(Directory.GetFiles(set, "*.partial"));
            return ex;
        }

        [Fact]
        public void A_flipped_bit_in_a_log_segment_fails_the_read_naming_file_generation_and_sector()
        {
            WriteFolder();
            RestoreTestSets.FlipBit(Log(3), 7 * 4096 + 99);
            var ex = BackupFails();
            Assert.Equal(JetError.JET_errLogReadVerifyFailure, ex.Error);
            Assert.Equal(Log(3), ex.FilePath);
            Assert.Contains("generation 3", ex.Message);
            Assert.Contains("sector 7", ex.Message);
        }

        [Fact]
        public void A_broken_chain_link_fails_the_read_of_the_later_generation()
        {
            WriteFolder();
            var bytes = File.ReadAllBytes(Log(4));
            bytes[653] ^= 0x01;
            PageChecksum.StampLogHeader(bytes);
            File.WriteAllBytes(Log(4), bytes);
            var ex = BackupFails();
            Assert.Equal(JetError.JET_errLogSequenceChecksumMismatch, ex.Error);
            Assert.Equal(Log(4), ex.FilePath);
            Assert.Contains("generation 3", ex.Message);
        }

        [Fact]
        public void A_needed_truncated_log_fails_the_backup_before_anything_is_read()
        {
            WriteFolder();
            using (var fs = new FileStream(Log(2), FileMode.Open)) fs.SetLength(fs.Length - 4096);
            var ex = Assert.Throws<JetException>(() => BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full));
            Assert.Equal(JetError.JET_errLogReadVerifyFailure, ex.Error);
            Assert.Equal(Log(2), ex.FilePath);
            Assert.Contains("truncated", ex.Message);
            Assert.Empty(BackupSessionRegistry.OpenSessions.Where(s => s.SourceKey == Source));
        }

        [Fact]
        public void A_needed_log_with_a_damaged_header_is_an_error_naming_it()
        {
            WriteFolder(dirty: true); // requires generations 4-5
            RestoreTestSets.FlipBit(Log(4), 200);
            var ex = Assert.Throws<JetException>(() => BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full));
            Assert.Equal(JetError.JET_errMissingLogFile, ex.Error);
            Assert.Equal(Log(4), ex.FilePath);
            Assert.Contains("checksum", ex.Message);
        }

        [Fact]
        public void A_needed_generation_of_another_log_stream_is_an_error_naming_it()
        {
            WriteFolder(dirty: true);
            var other = Path.Combine(Dir, "other");
            var written = EseFixtureWriter.WriteLogs(other, new LogSetSpec { FirstGeneration = 4, LastGeneration = 4, LastIsCurrent = false, LogFileSize = 128 * 1024, Seed = 77, ReserveLogCount = 0 });
            File.Copy(written.Logs[0].Path, Log(4), overwrite: true);
            var ex = Assert.Throws<JetException>(() => BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full));
            Assert.Equal(JetError.JET_errMissingLogFile, ex.Error);
            Assert.Equal(Log(4), ex.FilePath);
            Assert.Contains("another log stream", ex.Message);
        }

        [Fact]
        public void Damaged_logs_left_out_are_warnings_and_the_backup_succeeds()
        {
            WriteFolder();
            // Generation 1 is left out once it no longer joins the newest run; damage it and an older foreign log.
            File.Delete(Log(2));
            var other = Path.Combine(Dir, "other");
            var written = EseFixtureWriter.WriteLogs(other, new LogSetSpec { FirstGeneration = 9, LastGeneration = 9, LastIsCurrent = false, LogFileSize = 128 * 1024, Seed = 77, ReserveLogCount = 0 });
            File.Copy(written.Logs[0].Path, Path.Combine(Source, "edb00009.log"));
            using (var fs = new FileStream(Log(1), FileMode.Open)) fs.SetLength(fs.Length - 4096);

            var session = BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full);
            var source = (SnapshotSource)session.Source;
            Assert.Contains(source.Warnings, w => w.Contains("edb00001.log") && w.Contains("truncated"));
            Assert.Contains(source.Warnings, w => w.Contains("edb00009.log") && w.Contains("another log stream"));
            BackupPipeline.Read(session, Destination);
            var set = BackupPipeline.Stop(session, false).Set;
            Assert.Equal(3, set.LogGenerationLow);
            Assert.All(source.Warnings, w => Assert.Contains(w, set.Manifest.Notes));
            Assert.True(BackupSetVerifier.Verify(set.Path).IsValid);
        }

        [Fact]
        public void A_good_folder_backs_up_with_every_log_verified_and_linked()
        {
            WriteFolder();
            EseFixtureWriter.RollCurrentLog(Source);
            var session = BackupPipeline.StartSnapshot(new[] { Source }, BackupKind.Full);
            Assert.Empty(((SnapshotSource)session.Source).Warnings);
            BackupPipeline.Read(session, Destination);
            var set = BackupPipeline.Stop(session, false).Set;
            Assert.Equal(1, set.LogGenerationLow);
            Assert.Equal(6, set.LogGenerationHigh);
        }

        [RealEseFact]
        public void The_real_appdata_folder_backs_up_and_warns_about_the_log_of_the_older_stream()
        {
            var src = PipelineTestFolders.AppDataEdbFolder();
            try
            {
                var session = BackupPipeline.StartSnapshot(new[] { src }, BackupKind.Full);
                Assert.Contains(((SnapshotSource)session.Source).Warnings, w => w.Contains("edb0000D.log") && w.Contains("another log stream"));
                BackupPipeline.Read(session, Destination);
                Assert.True(BackupSetVerifier.Verify(BackupPipeline.Stop(session, false).Set.Path).IsValid);
            }
            finally
            {
                PipelineTestFolders.DeleteQuietly(src);
            }
        }
    }
}
