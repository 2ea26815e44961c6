using System;
using System.Buffers.Binary;
using System.IO;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>Temporary database folders made at test time from the real ESE files beside the checkout.</summary>
    internal static class PipelineTestFolders
    {
        /// <summary>A folder holding a copy of dissect-esedb/basic.edb (4 KiB pages, clean, no logs).</summary>
        public static string BasicEdbFolder()
        {
            var dir = TestEnvironment.NewTempFolder("pipeline-basic");
            File.Copy(TestEnvironment.RealFile("dissect-esedb/basic.edb"), Path.Combine(dir, "basic.edb"));
            ClearReadOnly(dir);
            return dir;
        }

        /// <summary>A copy of appdata-folder/edb: database, checkpoint, edb.log (gen 1), edb0000D.log (gen 13), reserve and temp logs.</summary>
        public static string AppDataEdbFolder()
        {
            var dir = TestEnvironment.NewTempFolder("pipeline-appdata");
            foreach (var f in Directory.GetFiles(TestEnvironment.RealFile("appdata-folder/edb")))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            ClearReadOnly(dir);
            return dir;
        }

        /// <summary>
        /// Adds the next log generation to a folder: a copy of <paramref name="templateLog"/> with its header
        /// generation set to <paramref name="generation"/> and its header checksum restamped, named edbXXXXX.log.
        /// </summary>
        public static string AddLogGeneration(string folder, string templateLog, long generation)
        {
            var bytes = File.ReadAllBytes(templateLog);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)generation);
            PageChecksum.StampLogHeader(bytes.AsSpan(0, PageChecksum.LogHeaderSize));
            var path = Path.Combine(folder, $"edb{generation:X5}.log");
            File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>A fixture-writer folder: a database, logs 1..<paramref name="lastGeneration"/> (edb.log current), a checkpoint, no reserve logs.</summary>
        public static DatabaseFolderFixture WriteFixtureFolder(string folder, int pageSize, int pageCount, long lastGeneration, int logFileSize)
        {
            var spec = new DatabaseFolderSpec();
            spec.Database.PageSize = pageSize;
            spec.Database.PageCount = pageCount;
            spec.Logs.FirstGeneration = 1;
            spec.Logs.LastGeneration = lastGeneration;
            spec.Logs.LogFileSize = logFileSize;
            spec.Logs.ReserveLogCount = 0;
            return EseFixtureWriter.WriteDatabaseFolder(folder, spec);
        }

        /// <summary>
        /// What the engine does when a log fills: the current edb.log (generation g) is archived as edbXXXXX.log
        /// and a new edb.log carries generation g + 1, linked to g (<see cref="EseBackup.Fixtures.EseFixtureWriter.RollCurrentLog"/>).
        /// Returns the new generation.
        /// </summary>
        public static long AdvanceCurrentLog(string folder) => EseBackup.Fixtures.EseFixtureWriter.RollCurrentLog(folder);

        /// <summary>Flips one byte in the middle of database page <paramref name="pageNumber"/> (file page pageNumber + 1).</summary>
        public static void CorruptPage(string database, long pageNumber, int pageSize)
        {
            using var fs = new FileStream(database, FileMode.Open, FileAccess.ReadWrite);
            fs.Position = (pageNumber + 1) * pageSize + pageSize / 2;
            int b = fs.ReadByte();
            fs.Position -= 1;
            fs.WriteByte((byte)(b ^ 0x5A));
        }

        public static void ClearReadOnly(string dir)
        {
            foreach (var f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
                File.SetAttributes(f, FileAttributes.Normal);
        }

        public static void DeleteQuietly(params string[] dirs)
        {
            foreach (var d in dirs)
            {
                try { if (Directory.Exists(d)) Directory.Delete(d, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
