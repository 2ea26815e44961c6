using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>The external backup protocol through JetInstanceSource into the mock esent.dll.</summary>
    [Collection("esent")]
    public sealed class JetInstanceSourceMarshallingTests
    {
        private const ulong InstanceValue = 0x1122334455667788;
        private const ulong FileValue = 0x00007FFF00001234;
        private static readonly IntPtr Instance = new IntPtr(unchecked((long)InstanceValue));

        public JetInstanceSourceMarshallingTests()
        {
            if (EsentMock.UnavailableReason != null) return;
            EsentMock.Install();
            EsentMock.SetHandles(InstanceValue, 0x42, FileValue);
        }

        private static JetInstanceSource NewSource() => JetInstanceSource.FromHandle(Instance, "test instance");

        [EsentMockFact]
        public void A_full_backup_passes_every_argument_and_result_through()
        {
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetBeginExternalBackupInstance", 0));
            Assert.Equal(0UL, EsentMock.LastArg("JetBeginExternalBackupInstance", 1));
            Assert.True(source.IsBackupActive);

            var databases = new[] { @"C:\Daten\Prüfung.edb", @"D:\ESE\𝄞 music.edb" };
            EsentMock.SetList(EsentMock.AttachList, databases);
            Assert.Equal(databases, source.GetAttachInfo());
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetGetAttachInfoInstanceW", 0));
            Assert.Equal(64UL * 1024, EsentMock.LastArg("JetGetAttachInfoInstanceW", 1)); // cbMax in bytes
            Assert.Equal(1UL, EsentMock.LastArg("JetGetAttachInfoInstanceW", 3));           // pcbActual given

            // Size 0x1_80000001: a low half with its top bit set must not sign-extend.
            var content = Enumerable.Range(0, 10000).Select(i => (byte)(i * 7 + 3)).ToArray();
            EsentMock.SetFile(0x80000001, 0x1, content, maxPerRead: 4096);
            var file = source.OpenFile(databases[1]);
            Assert.Equal(0x1_80000001L, file.Size);
            Assert.Equal(databases[1], file.Path);
            Assert.Equal(databases[1], EsentMock.LastString("JetOpenFileInstanceW", 0));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetOpenFileInstanceW", 0));

            var buffer = new byte[9000];
            int read = source.ReadFile(file, buffer, 100, 8192);
            Assert.Equal(4096, read); // the engine's pcbActual, not the request
            Assert.Equal(content.Take(4096), buffer.Skip(100).Take(4096));
            Assert.All(buffer.Take(100), b => Assert.Equal(0, b));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetReadFileInstance", 0));
            Assert.Equal(FileValue, EsentMock.LastArg("JetReadFileInstance", 1));
            Assert.Equal(8192UL, EsentMock.LastArg("JetReadFileInstance", 2));
            Assert.Equal(0UL, EsentMock.LastArg("JetReadFileInstance", 4) % (64 * 1024)); // the engine needs a page-aligned buffer

            source.CloseFile(file);
            Assert.Equal(FileValue, EsentMock.LastArg("JetCloseFileInstance", 1));
            source.CloseFile(file); // closing twice calls the engine once
            Assert.Equal(1, EsentMock.CallCount("JetCloseFileInstance"));

            var logs = new[] { @"C:\Logs\E0100000007.log", @"C:\Logs\E0100000008.log", @"C:\Logs\E0100000009.log" };
            EsentMock.SetList(EsentMock.LogList, logs);
            EsentMock.SetLogInfo(7, 9, "E01");
            var logInfo = source.GetLogInfo();
            Assert.Equal(logs, logInfo.Files);
            Assert.Equal(7, logInfo.LowGeneration);
            Assert.Equal(9, logInfo.HighGeneration);
            Assert.Equal("E01", logInfo.BaseName);
            Assert.Equal(20UL, EsentMock.LastArg("JetGetLogInfoInstance2W", 4)); // cbSize = sizeof(JET_LOGINFO_W)
            Assert.Equal(1024UL * 1024, EsentMock.LastArg("JetGetLogInfoInstance2W", 1));

            EsentMock.SetList(EsentMock.TruncateList, logs.Take(2));
            Assert.Equal(logs.Take(2), source.GetTruncateLogInfo());
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetGetTruncateLogInfoInstanceW", 0));

            source.TruncateLog();
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetTruncateLogInstance", 0));

            source.EndBackup(BackupEndMode.Normal);
            Assert.Equal(1UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1)); // JET_bitBackupEndNormal
            Assert.False(source.IsBackupActive);

            Assert.Equal(new[]
            {
                "JetBeginExternalBackupInstance", "JetGetAttachInfoInstanceW", "JetOpenFileInstanceW", "JetReadFileInstance",
                "JetCloseFileInstance", "JetGetLogInfoInstance2W", "JetGetTruncateLogInfoInstanceW", "JetTruncateLogInstance",
                "JetEndExternalBackupInstance2",
            }, EsentMock.Sequence());
        }

        [EsentMockFact]
        public void A_read_size_the_engine_would_refuse_aborts_without_reaching_it()
        {
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            EsentMock.SetFile(8192, 0, new byte[8192], 0);
            var file = source.OpenFile(@"C:\db\x.edb");

            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadFile(file, new byte[5000], 0, 5000));

            Assert.Contains(@"C:\db\x.edb", ex.Message);
            Assert.Equal(0, EsentMock.CallCount("JetReadFileInstance"));
            Assert.Equal(2UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1));
            Assert.False(source.IsBackupActive);
        }

        [EsentMockFact]
        public void An_incremental_backup_sets_the_incremental_bit_and_asks_for_no_databases()
        {
            using var source = NewSource();
            source.BeginBackup(BackupKind.Incremental);
            Assert.Equal(1UL, EsentMock.LastArg("JetBeginExternalBackupInstance", 1)); // JET_bitBackupIncremental
            Assert.Empty(source.GetAttachInfo());
            Assert.Equal(0, EsentMock.CallCount("JetGetAttachInfoInstanceW"));
            source.EndBackup(BackupEndMode.Normal);
        }

        [EsentMockFact]
        public void A_failing_read_aborts_the_backup_before_the_error_leaves()
        {
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            EsentMock.SetFile(8192, 0, new byte[8192], 0);
            var file = source.OpenFile(@"C:\db\x.edb");
            EsentMock.SetResult("JetReadFileInstance", -1022);

            var ex = Assert.Throws<JetException>(() => source.ReadFile(file, new byte[8192], 0, 8192));

            Assert.Equal("JET_errDiskIO", ex.ErrorName);
            Assert.Equal(@"C:\db\x.edb", ex.FilePath);
            Assert.Equal(new[] { "JetReadFileInstance", "JetEndExternalBackupInstance2" }, EsentMock.Sequence().TakeLast(2));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetEndExternalBackupInstance2", 0));
            Assert.Equal(2UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1)); // JET_bitBackupEndAbort
            Assert.False(source.IsBackupActive);

            // Ending again (the pipeline's own abort) and disposing add no second end call.
            source.EndBackup(BackupEndMode.Abort);
            source.Dispose();
            Assert.Equal(1, EsentMock.CallCount("JetEndExternalBackupInstance2"));

            // The session is over: further protocol calls fail without reaching the engine.
            var after = Assert.Throws<ObjectDisposedException>(() => source.GetLogInfo());
            Assert.Equal(0, EsentMock.CallCount("JetGetLogInfoInstance2W"));
        }

        [EsentMockFact]
        public void Every_step_aborts_on_failure()
        {
            var steps = new (string Function, Action<JetInstanceSource, BackupFileHandle?> Call)[]
            {
                ("JetGetAttachInfoInstanceW", (s, f) => s.GetAttachInfo()),
                ("JetOpenFileInstanceW", (s, f) => s.OpenFile(@"C:\db\x.edb")),
                ("JetCloseFileInstance", (s, f) => s.CloseFile(f!)),
                ("JetGetLogInfoInstance2W", (s, f) => s.GetLogInfo()),
                ("JetGetTruncateLogInfoInstanceW", (s, f) => s.GetTruncateLogInfo()),
                ("JetTruncateLogInstance", (s, f) => s.TruncateLog()),
                ("JetEndExternalBackupInstance2", (s, f) => s.EndBackup(BackupEndMode.Normal)),
            };
            foreach (var (function, call) in steps)
            {
                EsentMock.Install(); // clears recorded calls and scripts
                EsentMock.SetHandles(InstanceValue, 0x42, FileValue);
                using var source = NewSource();
                source.BeginBackup(BackupKind.Full);
                var file = source.OpenFile(@"C:\db\x.edb");
                EsentMock.SetResult(function, -1022);

                var ex = Assert.Throws<JetException>(() => call(source, file));

                Assert.Equal("JET_errDiskIO", ex.ErrorName);
                Assert.Equal("JetEndExternalBackupInstance2", EsentMock.Sequence().Last());
                Assert.Equal(2UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1));
                Assert.False(source.IsBackupActive);
            }
        }

        [EsentMockFact]
        public void An_abort_the_engine_already_performed_is_not_an_error()
        {
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            EsentMock.SetResult("JetGetAttachInfoInstanceW", -1011);
            EsentMock.SetResult("JetEndExternalBackupInstance2", -520); // the engine cleaned up already

            var ex = Assert.Throws<JetException>(() => source.GetAttachInfo());

            Assert.Equal("JET_errOutOfMemory", ex.ErrorName); // the original failure, not the abort's
            Assert.False(ex.Data.Contains("EseBackup.AbortError"));
            Assert.Equal(1, EsentMock.CallCount("JetEndExternalBackupInstance2"));
        }

        [EsentMockFact]
        public void Disposing_a_source_with_a_running_backup_aborts_it()
        {
            var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            source.Dispose();
            Assert.Equal(2UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetEndExternalBackupInstance2", 0));
        }

        [EsentMockFact]
        public void Protocol_order_is_enforced_without_reaching_the_engine()
        {
            using var source = NewSource();
            var none = Assert.Throws<JetException>(() => source.GetAttachInfo());
            Assert.Equal("JET_errNoBackup", none.ErrorName);

            source.BeginBackup(BackupKind.Full);
            var twice = Assert.Throws<JetException>(() => source.BeginBackup(BackupKind.Full));
            Assert.Equal("JET_errBackupInProgress", twice.ErrorName);
            Assert.Equal(1, EsentMock.CallCount("JetBeginExternalBackupInstance"));
            Assert.True(source.IsBackupActive); // refusing a second begin does not end the first
            source.EndBackup(BackupEndMode.Abort);
            Assert.Equal(2UL, EsentMock.LastArg("JetEndExternalBackupInstance2", 1));
        }

        [EsentMockFact]
        public void A_failing_begin_leaves_nothing_to_abort()
        {
            using var source = NewSource();
            EsentMock.SetResult("JetBeginExternalBackupInstance", -526);
            var ex = Assert.Throws<JetException>(() => source.BeginBackup(BackupKind.Incremental));
            Assert.Equal("JET_errInvalidBackup", ex.ErrorName);
            Assert.False(source.IsBackupActive);
            Assert.Equal(0, EsentMock.CallCount("JetEndExternalBackupInstance2"));
        }

        [EsentMockFact]
        public void Unknown_error_codes_keep_their_number()
        {
            using var source = NewSource();
            EsentMock.SetResult("JetBeginExternalBackupInstance", -12345);
            var ex = Assert.Throws<JetException>(() => source.BeginBackup(BackupKind.Full));
            Assert.Equal("JET error -12345", ex.ErrorName);
            Assert.Equal(-12345, ex.ErrorCode);
        }

        [EsentMockFact]
        public void Lists_larger_than_the_first_buffer_are_fetched_whole_when_the_engine_reports_the_size()
        {
            var paths = Enumerable.Range(0, 300).Select(i => $@"C:\{new string('x', 190)}\db{i:D4}.edb").ToArray();
            EsentMock.SetList(EsentMock.AttachList, paths); // about 120 KB of UTF-16
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);

            Assert.Equal(paths, source.GetAttachInfo());
            Assert.Equal(2, EsentMock.CallCount("JetGetAttachInfoInstanceW"));
            Assert.True(EsentMock.LastArg("JetGetAttachInfoInstanceW", 1) >= (ulong)(paths.Sum(p => p.Length + 1) + 1) * 2);
        }

        [EsentMockFact]
        public void Lists_larger_than_the_first_buffer_are_fetched_whole_after_JET_errBufferTooSmall()
        {
            var paths = Enumerable.Range(0, 300).Select(i => $@"C:\{new string('y', 190)}\db{i:D4}.edb").ToArray();
            EsentMock.SetList(EsentMock.AttachList, paths);
            EsentMock.SetBufferTooSmallMode(true);
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);

            Assert.Equal(paths, source.GetAttachInfo());
            Assert.Equal(2, EsentMock.CallCount("JetGetAttachInfoInstanceW"));
            Assert.True(source.IsBackupActive);
        }

        [EsentMockFact]
        public void An_empty_list_is_empty()
        {
            EsentMock.SetList(EsentMock.AttachList, Array.Empty<string>());
            using var source = NewSource();
            source.BeginBackup(BackupKind.Full);
            Assert.Empty(source.GetAttachInfo());
        }

        [EsentMockFact]
        public void Handles_from_ManagedEsent_style_structs_IntPtrs_and_instances_reach_the_engine_unchanged()
        {
            var handles = new (object Value, ulong Expected)[]
            {
                (new ManagedEsentLikeInstance { Value = new IntPtr(0x3344) }, 0x3344),
                (new PublicFieldInstance { Value = new IntPtr(0x5566) }, 0x5566),
                (new IntPtr(0x7788), 0x7788),
                (0x99AAL, 0x99AA),
                (0x1DEF, 0x1DEF),
                (EseInstance.FromHandle(new IntPtr(0xBBCC)), 0xBBCC),
            };
            foreach (var (value, expected) in handles)
            {
                using var source = JetInstanceSource.FromHandleObject(value);
                source.BeginBackup(BackupKind.Full);
                Assert.Equal(expected, EsentMock.LastArg("JetBeginExternalBackupInstance", 0));
                source.EndBackup(BackupEndMode.Abort);
                Assert.Equal(expected, EsentMock.LastArg("JetEndExternalBackupInstance2", 0));
            }
            Assert.Equal(0, EsentMock.CallCount("JetTerm2")); // none of these belongs to the source

            Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject("not a handle"));
            Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject(IntPtr.Zero));
            Assert.Throws<ArgumentException>(() => JetInstanceSource.FromHandleObject(new ManagedEsentLikeInstance()));
        }

        [EsentMockFact]
        public void External_restore_passes_folders_map_and_log_range()
        {
            var root = TestEnvironment.NewTempFolder("esent-restore");
            try
            {
                var copy = Path.Combine(root, "restored", "Prüfung.edb");
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.WriteAllBytes(copy, new byte[8]);
                var backupLogs = Path.Combine(root, "backup");
                Directory.CreateDirectory(backupLogs);
                var sep = Path.DirectorySeparatorChar;

                EseEngineRestore.RecoverFromExternalBackup(
                    backupLogs, new LogInfo(Array.Empty<string>(), 3, 12, "edb"),
                    new[] { new KeyValuePair<string, string>(@"C:\Daten\Prüfung.edb", copy) },
                    Path.Combine(root, "logs"), Path.Combine(root, "chk"),
                    targetInstanceLogFolder: @"C:\Ziel\Logs", targetInstanceCheckpointFolder: @"C:\Ziel\Chk");

                Assert.Equal(Path.Combine(root, "chk") + sep, EsentMock.LastString("JetExternalRestore2W", 0));
                Assert.Equal(Path.Combine(root, "logs") + sep, EsentMock.LastString("JetExternalRestore2W", 1));
                Assert.Equal(backupLogs + sep, EsentMock.LastString("JetExternalRestore2W", 2));
                Assert.Null(EsentMock.LastString("JetExternalRestore2W", 3)); // the deprecated target instance name
                Assert.Equal(@"C:\Ziel\Logs", EsentMock.LastString("JetExternalRestore2W", 4));
                Assert.Equal(@"C:\Ziel\Chk", EsentMock.LastString("JetExternalRestore2W", 5));
                Assert.Equal(1UL, EsentMock.LastArg("JetExternalRestore2W", 0));  // crstfilemap
                Assert.Equal(20UL, EsentMock.LastArg("JetExternalRestore2W", 1)); // JET_LOGINFO_W.cbSize
                Assert.Equal(3UL, EsentMock.LastArg("JetExternalRestore2W", 2));
                Assert.Equal(12UL, EsentMock.LastArg("JetExternalRestore2W", 3));
                Assert.Equal(0UL, EsentMock.LastArg("JetExternalRestore2W", 4));  // no status callback
                Assert.Equal("edb", EsentMock.LastString("JetExternalRestore2W", 6));
                Assert.Equal(@"C:\Daten\Prüfung.edb", EsentMock.LastString("JetExternalRestore2W", 7));
                Assert.Equal(copy, EsentMock.LastString("JetExternalRestore2W", 8));

                // The engine needs both target folders or neither: one alone is refused before the call.
                Assert.Throws<ArgumentException>(() => EseEngineRestore.RecoverFromExternalBackup(
                    backupLogs, new LogInfo(Array.Empty<string>(), 3, 12, "edb"),
                    new[] { new KeyValuePair<string, string>(@"C:\Daten\Prüfung.edb", copy) },
                    Path.Combine(root, "logs"), Path.Combine(root, "chk"), targetInstanceLogFolder: @"C:\Ziel\Logs"));
                Assert.Equal(1, EsentMock.CallCount("JetExternalRestore2W"));

                EsentMock.SetResult("JetExternalRestore2W", -557);
                var ex = Assert.Throws<JetException>(() => EseEngineRestore.RecoverFromExternalBackup(
                    backupLogs, new LogInfo(Array.Empty<string>(), 3, 12, "edb"),
                    new[] { new KeyValuePair<string, string>(@"C:\Daten\Prüfung.edb", copy) },
                    Path.Combine(root, "logs"), Path.Combine(root, "chk")));
                Assert.Equal("JET_errMissingRestoreLogFiles", ex.ErrorName);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        [EsentMockFact]
        public void Engine_restore_creates_an_instance_restores_and_terminates()
        {
            var root = TestEnvironment.NewTempFolder("esent-restore");
            try
            {
                EseEngineRestore.RestoreEngineBackup(root, Path.Combine(root, "logs"), Path.Combine(root, "sys"), "edb");
                Assert.Equal(InstanceValue, EsentMock.LastArg("JetRestoreInstanceW", 0));
                Assert.Equal(root, EsentMock.LastString("JetRestoreInstanceW", 0));
                Assert.Null(EsentMock.LastString("JetRestoreInstanceW", 1));
                Assert.Equal(new[] { "JetRestoreInstanceW", "JetTerm2" }, EsentMock.Sequence().TakeLast(2));
                Assert.Equal(1UL, EsentMock.LastArg("JetTerm2", 1));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        /// <summary>The shape of ManagedEsent's JET_INSTANCE: a struct whose handle is a non-public Value.</summary>
        private struct ManagedEsentLikeInstance
        {
            internal IntPtr Value { get; set; }
        }

        private sealed class PublicFieldInstance
        {
            public IntPtr Value;
        }
    }
}
