using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>A fact that needs the real esent.dll; skipped with the reason elsewhere.</summary>
    public sealed class WindowsEsentFactAttribute : FactAttribute
    {
        public WindowsEsentFactAttribute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                Skip = "Needs the real esent.dll, which only Windows has; .github/workflows/windows.yml runs these on windows-latest.";
        }
    }

    /// <summary>
    /// The engine backend against the real esent.dll: a database written to while a backup runs, restored
    /// and recovered into another folder, must hold every committed row.
    /// </summary>
    [Collection("esent")]
    public sealed class WindowsEsentTests : IDisposable
    {
        private const string Table = "numbers";
        private const string Column = "value";
        private const int PageSize = 8192;
        private const int ChunkBytes = 64 * 1024; // a multiple of the page size and at least three pages, as JetReadFileInstance requires
        private static readonly EseInstanceOptions Options = new EseInstanceOptions { PageSize = PageSize };
        private readonly string _root = TestEnvironment.NewTempFolder("esent-windows");

        public void Dispose()
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        [WindowsEsentFact]
        public void Rows_written_during_a_full_backup_survive_restore_and_recovery()
        {
            var live = Path.Combine(_root, "live");
            var backup = Path.Combine(_root, "backup");
            var restored = Path.Combine(_root, "restored");
            Directory.CreateDirectory(backup);
            var database = Path.Combine(live, "db", "test.edb");
            Directory.CreateDirectory(Path.GetDirectoryName(database)!);

            LogInfo logInfo;
            string backedUpName;
            using (var instance = EseInstance.Open(Path.Combine(live, "logs"), Path.Combine(live, "sys"), "edb", Array.Empty<string>(), Options))
            {
                var dbid = instance.CreateDatabase(database);
                EsentTables.CreateInt32Table(instance.Session, dbid, Table, Column);
                EsentTables.InsertInt32(instance.Session, dbid, Table, Column, Enumerable.Range(0, 100));

                using (var source = new JetInstanceSource(instance))
                {
                    source.BeginBackup(BackupKind.Full);
                    var attached = source.GetAttachInfo();
                    backedUpName = Assert.Single(attached);
                    Assert.Equal(Path.GetFullPath(database), Path.GetFullPath(backedUpName), ignoreCase: true);

                    // Copy the database, committing more rows after its first chunk: they must come back from the logs.
                    bool wroteDuringBackup = false;
                    CopyThroughSource(source, backedUpName, Path.Combine(backup, Path.GetFileName(backedUpName)), () =>
                    {
                        if (wroteDuringBackup) return;
                        wroteDuringBackup = true;
                        EsentTables.InsertInt32(instance.Session, dbid, Table, Column, Enumerable.Range(100, 100));
                    });
                    Assert.True(wroteDuringBackup);

                    logInfo = source.GetLogInfo();
                    Assert.NotEmpty(logInfo.Files);
                    Assert.Equal("edb", logInfo.BaseName, ignoreCase: true);
                    Assert.True(logInfo.LowGeneration >= 1 && logInfo.HighGeneration >= logInfo.LowGeneration);
                    foreach (var log in logInfo.Files) CopyThroughSource(source, log, Path.Combine(backup, Path.GetFileName(log)), null);

                    source.EndBackup(BackupEndMode.Normal);
                }
                EsentTables.CloseDatabase(instance.Session, dbid);
                instance.Close();
            }

            // Restore: the database copy goes to a new folder, the engine replays the backed-up logs into it.
            var restoredDatabase = Path.Combine(restored, "db", "test.edb");
            Directory.CreateDirectory(Path.GetDirectoryName(restoredDatabase)!);
            File.Copy(Path.Combine(backup, Path.GetFileName(backedUpName)), restoredDatabase);
            EseEngineRestore.RecoverFromExternalBackup(
                backup, logInfo, new[] { new KeyValuePair<string, string>(backedUpName, restoredDatabase) },
                Path.Combine(restored, "logs"), Path.Combine(restored, "sys"));

            using (var instance = EseInstance.Open(Path.Combine(restored, "logs"), Path.Combine(restored, "sys"), "edb", new[] { restoredDatabase }, Options))
            {
                var dbid = EsentTables.OpenDatabase(instance.Session, restoredDatabase);
                var values = EsentTables.ReadInt32(instance.Session, dbid, Table, Column);
                EsentTables.CloseDatabase(instance.Session, dbid);
                instance.Close();
                Assert.Equal(Enumerable.Range(0, 200), values.OrderBy(v => v));
            }
        }

        [WindowsEsentFact]
        public void An_engine_error_inside_a_backup_ends_it_so_the_next_one_can_begin()
        {
            var live = Path.Combine(_root, "live");
            var database = Path.Combine(live, "test.edb");
            Directory.CreateDirectory(live);
            using var instance = EseInstance.Open(Path.Combine(live, "logs"), Path.Combine(live, "sys"), "edb", Array.Empty<string>(), Options);
            var dbid = instance.CreateDatabase(database);
            EsentTables.CloseDatabase(instance.Session, dbid);

            using var source = new JetInstanceSource(instance);
            source.BeginBackup(BackupKind.Full);
            var ex = Assert.Throws<JetException>(() => source.OpenFile(Path.Combine(live, "no such file.edb")));
            Assert.StartsWith("JET_err", ex.ErrorName);
            Assert.False(source.IsBackupActive);

            // Had the failed backup stayed open, the engine would answer JET_errBackupInProgress here.
            source.BeginBackup(BackupKind.Full);
            source.EndBackup(BackupEndMode.Abort);
            instance.Close();
        }

        [WindowsEsentFact]
        public void Recovery_on_open_makes_a_dirty_database_usable()
        {
            var live = Path.Combine(_root, "live");
            var database = Path.Combine(live, "test.edb");
            Directory.CreateDirectory(live);
            var instance = EseInstance.Open(Path.Combine(live, "logs"), Path.Combine(live, "sys"), "edb", Array.Empty<string>(), Options);
            var dbid = instance.CreateDatabase(database);
            EsentTables.CreateInt32Table(instance.Session, dbid, Table, Column);
            EsentTables.InsertInt32(instance.Session, dbid, Table, Column, Enumerable.Range(0, 10));
            EsentTables.CloseDatabase(instance.Session, dbid);
            // Stop without detaching: the database stays in dirty shutdown, its rows only in the logs.
            instance.StopAbruptly();
            Assert.True(instance.IsClosed);

            using var reopened = EseInstance.Open(Path.Combine(live, "logs"), Path.Combine(live, "sys"), "edb", new[] { database }, Options);
            var reopenedDb = EsentTables.OpenDatabase(reopened.Session, database);
            Assert.Equal(Enumerable.Range(0, 10), EsentTables.ReadInt32(reopened.Session, reopenedDb, Table, Column).OrderBy(v => v));
            EsentTables.CloseDatabase(reopened.Session, reopenedDb);
            reopened.Close();
        }

        /// <summary>Open, read in page-aligned chunks until the reported size, close; calls <paramref name="afterFirstChunk"/> once.</summary>
        private static void CopyThroughSource(JetInstanceSource source, string path, string destination, Action? afterFirstChunk)
        {
            var file = source.OpenFile(path);
            var buffer = new byte[ChunkBytes];
            long total = 0;
            using (var output = File.Create(destination))
            {
                while (total < file.Size)
                {
                    int read = source.ReadFile(file, buffer, 0, buffer.Length);
                    if (read == 0) break;
                    output.Write(buffer, 0, read);
                    total += read;
                    afterFirstChunk?.Invoke();
                }
            }
            source.CloseFile(file);
            Assert.Equal(file.Size, total);
        }
    }
}
