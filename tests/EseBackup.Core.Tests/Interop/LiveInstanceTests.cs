using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>
    /// The module's live path (EseInstance, JetInstanceSource, BackupSession, BackupPipeline) against the engine
    /// model over a written database folder: what reaches the engine and what the module makes of its answers.
    /// Each "Defect" test failed on the code before issue 12's fixes.
    /// </summary>
    [Collection("esent")]
    public sealed class LiveInstanceTests : TempFolderTest
    {
        public LiveInstanceTests() : base("live-instance")
        {
            if (EngineModel.UnavailableReason == null) EngineModel.Install();
        }

        private DatabaseFolderFixture Folder(string name = "live", int pageSize = 8192, long checkpoint = 5) =>
            EngineModel.WriteLiveFolder(Path.Combine(Dir, name), pageSize, checkpoint: checkpoint);

        private string Backups => Path.Combine(Dir, "backups");

        private static BackupStopResult FullBackup(EseInstance instance, string destination, bool truncate, BackupKind kind = BackupKind.Full)
        {
            var session = BackupPipeline.Start(new JetInstanceSource(instance), kind);
            BackupPipeline.Read(session, destination);
            return BackupPipeline.Stop(session, truncate);
        }

        [EngineModelFact]
        public void Open_passes_folders_names_and_page_size_as_exact_UTF16_then_a_full_backup_reads_what_the_engine_gives()
        {
            var folder = EngineModel.WriteLiveFolder(Path.Combine(Dir, "Données-€-𝄞"));
            using var instance = EseInstance.Open(folder.Folder, folder.Folder, "edb", new[] { folder.Database.Path }, new EseInstanceOptions { InstanceName = "Prüf-Instanz" });
            Assert.Equal("Prüf-Instanz", EngineModel.LastString("JetCreateInstance2W", 0));
            Assert.Equal(folder.Folder + Path.DirectorySeparatorChar, EngineModel.LastString("JetSetSystemParameterW#2", 0));
            Assert.Equal(folder.Database.Path, EngineModel.LastString("JetAttachDatabase2W", 0));
            Assert.Equal(1UL, EngineModel.LastArg("JetSetSystemParameterW#64", 1)); // the page size is global: no instance pointer
            Assert.Equal(8192UL, EngineModel.LastArg("JetSetSystemParameterW#64", 4));

            var result = FullBackup(instance, Backups, truncate: true);

            var db = result.Set.Files.Single(f => f.Role == BackupFileRole.Database);
            Assert.Equal(new FileInfo(folder.Database.Path).Length + 8192, db.Size); // the trailer page the engine appends
            Assert.Equal(new[] { "edb00005.log" }, result.Set.Files.Where(f => f.Role == BackupFileRole.Log).Select(f => f.Name));
            Assert.True(result.LogsTruncated);
            Assert.False(File.Exists(Path.Combine(folder.Folder, "edb00004.log")));
            Assert.Equal(0UL, EngineModel.LastArg("JetReadFileInstance", 4) % 4096); // page-aligned buffer
            Assert.Equal(1UL, EngineModel.LastArg("JetEndExternalBackupInstance2", 1)); // JET_bitBackupEndNormal
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
            // The engine-made copy (patched headers, trailer page) verifies as a whole set.
            var verified = BackupSetVerifier.Verify(result.Set.Path);
            Assert.True(verified.IsValid, string.Join("; ", verified.Problems.Select(p => p.ToString())));
        }

        /// <summary>The shape of ManagedEsent's JET_INSTANCE: a struct whose handle is a non-public Value.</summary>
        private struct ManagedEsentLikeJetInstance
        {
            internal IntPtr Value { get; set; }
        }

        /// <summary>The shape of ManagedEsent's Instance: a SafeHandle with a JetInstance property.</summary>
        private sealed class ManagedEsentLikeInstance : SafeHandle
        {
            public ManagedEsentLikeInstance(IntPtr handle) : base(IntPtr.Zero, ownsHandle: false) => SetHandle(handle);
            public ManagedEsentLikeJetInstance JetInstance => new ManagedEsentLikeJetInstance { Value = handle };
            public override bool IsInvalid => handle == IntPtr.Zero;
            protected override bool ReleaseHandle() => true;
        }

        [EngineModelFact]
        public void Defect1_an_instance_is_accepted_as_EseInstance_IntPtr_JET_INSTANCE_or_ManagedEsent_Instance_and_nothing_else()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            var raw = instance.Handle;
            foreach (var value in new object[] { instance, raw, raw.ToInt64(), new ManagedEsentLikeJetInstance { Value = raw }, new ManagedEsentLikeInstance(raw) })
            {
                using var source = JetInstanceSource.FromHandleObject(value);
                source.BeginBackup(BackupKind.Full);
                Assert.True(EngineModel.BackupInProgress(raw));
                source.EndBackup(BackupEndMode.Abort);
                Assert.False(EngineModel.BackupInProgress(raw));
            }
            var closed = new ManagedEsentLikeInstance(raw);
            closed.Dispose();
            Assert.Contains("closed", Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject(closed)).Message);
            Assert.Contains("ManagedEsent Instance", Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject("not a handle")).Message);
            Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject(IntPtr.Zero));
        }

        [EngineModelFact]
        public void Defect3_a_log_list_longer_than_any_first_guess_comes_back_whole()
        {
            // A checkpoint far behind the current log: thousands of generations to copy, under a long folder name.
            var folder = EngineModel.WriteLiveFolder(Path.Combine(Dir, new string('l', 180)), lastGeneration: 3, checkpoint: 1);
            const int last = 3200;
            for (int g = 3; g < last; g++) File.WriteAllBytes(Path.Combine(folder.Folder, LogFileName.Format("edb", g, 5)), Array.Empty<byte>());
            var current = File.ReadAllBytes(Path.Combine(folder.Folder, "edb.log"));
            BitConverter.GetBytes(last).CopyTo(current, 4);
            PageChecksum.StampLogHeader(current);
            File.WriteAllBytes(Path.Combine(folder.Folder, "edb.log"), current);
            using var instance = EngineModel.Open(folder);
            using var source = new JetInstanceSource(instance);
            source.BeginBackup(BackupKind.Full);

            var logs = source.GetLogInfo();

            Assert.Equal(last, logs.Files.Count); // generations 1..last (the roll archived the current one)
            Assert.Equal(LogFileName.Format("edb", last, 5), Path.GetFileName(logs.Files[logs.Files.Count - 1]));
            Assert.True(logs.Files.Sum(f => 2 * (f.Length + 1)) > 1024 * 1024);
            source.EndBackup(BackupEndMode.Abort);
        }

        [EngineModelFact]
        public void Defect4_a_refused_truncation_leaves_the_backup_to_end_normally_so_the_next_incremental_has_its_full()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            EngineModel.Inject("truncate", (int)JetError.JET_errDiskIO);

            var full = FullBackup(instance, Backups, truncate: true);

            Assert.False(full.LogsTruncated);
            Assert.Contains("JET_errDiskIO", full.TruncationRefused);
            Assert.Equal(1UL, EngineModel.LastArg("JetEndExternalBackupInstance2", 1)); // ended normally, not aborted
            var incremental = FullBackup(instance, Backups, truncate: true, BackupKind.Incremental);
            Assert.Equal(BackupKind.Incremental, incremental.Set.Kind);
        }

        [EngineModelFact]
        public void Logs_are_not_truncated_when_the_committed_set_hashes_but_does_not_verify()
        {
            // The model, unlike the engine, hands out a damaged log without ErrLGReadAndVerifyFile's check, so the set
            // commits with a matching hash: only the full re-verification before truncation can stop the truncation.
            var folder = Folder();
            var log5 = Path.Combine(folder.Folder, "edb.log"); // generation 5, edb00005.log once the backup rolls it
            var header = LogFileHeader.Read(log5);
            Assert.Equal(5, header.Generation);
            long sector = FirstNonEmptySector(log5, header.SectorSize, header.HeaderSectors);
            Format.BadInputTests.FlipBit(log5, (sector * header.SectorSize + 100) * 8);
            using var instance = EngineModel.Open(folder);

            var ex = Assert.Throws<InvalidDataException>(() => FullBackup(instance, Backups, truncate: true));

            Assert.Contains("edb00005.log", ex.Message);
            Assert.Contains("not truncated", ex.Message);
            Assert.True(File.Exists(Path.Combine(folder.Folder, "edb00004.log"))); // nothing was truncated
            Assert.Equal(2UL, EngineModel.LastArg("JetEndExternalBackupInstance2", 1)); // JET_bitBackupEndAbort
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
        }

        private static long FirstNonEmptySector(string path, int sectorSize, int headerSectors)
        {
            var bytes = File.ReadAllBytes(path);
            for (long s = headerSectors; (s + 1) * sectorSize <= bytes.Length; s++)
                if (bytes.Skip((int)(s * sectorSize)).Take(sectorSize).Any(b => b != 0)) return s;
            throw new InvalidOperationException($"'{path}' has no written segment to damage.");
        }

        [EngineModelFact]
        public void Defect5_closing_an_instance_during_a_backup_aborts_the_backup_then_detaches_and_terminates_cleanly()
        {
            var folder = Folder();
            var instance = EngineModel.Open(folder);
            var session = BackupPipeline.Start(new JetInstanceSource(instance), BackupKind.Full);
            session.GetAttachInfo();

            instance.Close();

            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.Equal(0, EngineModel.InstanceCount);
            Assert.Equal(DatabaseState.CleanShutdown, DatabaseHeader.Read(folder.Database.Path).State);
            Assert.Equal(1UL, EngineModel.LastArg("JetTerm2", 1)); // JET_bitTermComplete, no abrupt fallback
        }

        [EngineModelFact]
        public void Defect6_after_a_failed_init_the_freed_handle_is_not_terminated_again()
        {
            var folder = Folder();
            EngineModel.Inject("init", (int)JetError.JET_errRequiredLogFilesMissing);

            var ex = Assert.Throws<JetException>(() => EngineModel.Open(folder));

            Assert.Equal("JET_errRequiredLogFilesMissing", ex.ErrorName);
            Assert.Equal("JetInit3W", EngineModel.Sequence().Last());
            Assert.Equal(0, EngineModel.CallCount("JetTerm2"));
        }

        [EngineModelFact]
        public void Defect7_a_backup_the_engine_was_told_to_stop_is_not_reported_complete()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            var session = BackupPipeline.Start(new JetInstanceSource(instance), BackupKind.Full);
            var writer = BackupPipeline.Read(session, Backups);
            instance.StopBackup();

            var ex = Assert.Throws<JetException>(() => BackupPipeline.Stop(session, truncateLog: false));

            Assert.Equal("JET_errBackupAbortByServer", ex.ErrorName);
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.False(File.Exists(Path.Combine(writer.SetPath, BackupManifest.FileName)));
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
        }

        [EngineModelFact]
        public void Defect8_stopping_abruptly_leaves_the_database_dirty_and_the_next_open_recovers_it()
        {
            var folder = Folder();
            var instance = EngineModel.Open(folder);
            instance.StopAbruptly();
            Assert.Equal(8UL, EngineModel.LastArg("JetTerm2", 1)); // JET_bitTermDirty
            Assert.Equal(DatabaseState.DirtyShutdown, DatabaseHeader.Read(folder.Database.Path).State);

            using var reopened = EngineModel.Open(folder);
            reopened.Close();
            Assert.Equal(DatabaseState.CleanShutdown, DatabaseHeader.Read(folder.Database.Path).State);
        }

        [EngineModelFact]
        public void Defect9_an_incremental_may_start_right_after_the_parents_last_finished_generation()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            FullBackup(instance, Backups, truncate: true);                  // logs 5; the roll makes 6 current
            var first = FullBackup(instance, Backups, truncate: true, BackupKind.Incremental); // 5-6
            Assert.Equal(6, first.Set.LogGenerationHigh);
            // The checkpoint moves on with the roll (read after it): the next truncation deletes every log the sets hold.
            EseFixtureWriter.WriteCheckpoint(Path.Combine(folder.Folder, "edb.chk"), folder.LogSignature, 8);
            var second = FullBackup(instance, Backups, truncate: true, BackupKind.Incremental); // 5-7, deletes 5 to 7
            Assert.False(File.Exists(Path.Combine(folder.Folder, "edb00007.log")));

            var third = FullBackup(instance, Backups, truncate: true, BackupKind.Incremental); // starts at 8 = 7 + 1

            Assert.Equal(8, third.Set.LogGenerationLow);
            Assert.Equal(7, second.Set.LogGenerationHigh);
        }

        [EngineModelFact]
        public void Defect10_read_sizes_are_checked_against_the_database_page_size_before_the_engine_is_asked()
        {
            var folder = Folder(pageSize: 16384);
            using var instance = EseInstance.Open(folder.Folder, folder.Folder, "edb", new[] { folder.Database.Path });
            using var source = new JetInstanceSource(instance);
            source.BeginBackup(BackupKind.Full);
            var file = source.OpenFile(source.GetAttachInfo()[0]);

            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadFile(file, new byte[1 << 20], 0, 3 * 8192));

            Assert.Contains("16384", ex.Message);
            Assert.Equal(0, EngineModel.CallCount("JetReadFileInstance"));
        }

        [EngineModelFact]
        public void Defect11_an_unlisted_file_is_DatabaseNotFound_among_databases_and_ends_the_backup_among_logs()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            var session = BackupPipeline.Start(new JetInstanceSource(instance), BackupKind.Full);
            session.GetAttachInfo();
            var stranger = Path.Combine(folder.Folder, "stranger.edb");
            Assert.Equal("JET_errDatabaseNotFound", Assert.Throws<JetException>(() => session.OpenFile(stranger)).ErrorName);
            Assert.True(session.IsOpen);

            session.GetLogInfo();
            var ex = Assert.Throws<JetException>(() => session.OpenFile(Path.Combine(folder.Folder, "edb00001.log")));

            Assert.Equal("JET_errMissingFileToBackup", ex.ErrorName);
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
        }

        [EngineModelFact]
        public void Defect12_a_closed_file_is_not_read_again()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            using var source = new JetInstanceSource(instance);
            source.BeginBackup(BackupKind.Full);
            var file = source.OpenFile(source.GetAttachInfo()[0]);
            source.ReadFile(file, new byte[1 << 20], 0, 1 << 20);
            source.CloseFile(file);
            int reads = EngineModel.CallCount("JetReadFileInstance");

            Assert.Throws<InvalidOperationException>(() => source.ReadFile(file, new byte[1 << 20], 0, 1 << 20));

            Assert.Equal(reads, EngineModel.CallCount("JetReadFileInstance"));
            Assert.False(EngineModel.BackupInProgress(instance.Handle)); // the failure aborted the backup
        }

        [EngineModelFact]
        public void An_engine_error_mid_read_aborts_the_backup_and_leaves_no_manifest()
        {
            var folder = Folder();
            using var instance = EngineModel.Open(folder);
            EngineModel.Inject("db-read", (int)JetError.JET_errReadVerifyFailure);
            var session = BackupPipeline.Start(new JetInstanceSource(instance), BackupKind.Full);

            var ex = Assert.Throws<JetException>(() => BackupPipeline.Read(session, Backups));

            Assert.Equal("JET_errReadVerifyFailure", ex.ErrorName);
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
            Assert.Empty(Directory.GetFiles(Backups, BackupManifest.FileName, SearchOption.AllDirectories));
        }

        [EngineModelFact]
        public void External_restore_passes_folders_map_and_log_range()
        {
            var backupLogs = Path.Combine(Dir, "backup");
            Directory.CreateDirectory(backupLogs);
            foreach (var g in new[] { 3, 4 }) File.WriteAllBytes(Path.Combine(backupLogs, LogFileName.Format("edb", g, 5)), new byte[8]);
            var copy = Path.Combine(Dir, "restored", "Prüfung.edb");
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllBytes(copy, new byte[8]);

            EseEngineRestore.RecoverFromExternalBackup(backupLogs, new LogInfo(Array.Empty<string>(), 3, 4, "edb"),
                new[] { new KeyValuePair<string, string>(@"C:\Daten\Prüfung.edb", copy) }, Path.Combine(Dir, "logs"), Path.Combine(Dir, "chk"));

            Assert.Equal(backupLogs + Path.DirectorySeparatorChar, EngineModel.LastString("JetExternalRestore2W", 2));
            Assert.Equal(3UL, EngineModel.LastArg("JetExternalRestore2W", 2));
            Assert.Equal(4UL, EngineModel.LastArg("JetExternalRestore2W", 3));
            Assert.Equal("edb", EngineModel.LastString("JetExternalRestore2W", 6));
            Assert.Equal(@"C:\Daten\Prüfung.edb", EngineModel.LastString("JetExternalRestore2W", 7));
            Assert.Equal(copy, EngineModel.LastString("JetExternalRestore2W", 8));

            var ex = Assert.Throws<JetException>(() => EseEngineRestore.RecoverFromExternalBackup(backupLogs, new LogInfo(Array.Empty<string>(), 3, 5, "edb"),
                new[] { new KeyValuePair<string, string>(@"C:\Daten\Prüfung.edb", copy) }, Path.Combine(Dir, "logs"), Path.Combine(Dir, "chk")));
            Assert.Equal("JET_errMissingRestoreLogFiles", ex.ErrorName);
        }
    }
}
