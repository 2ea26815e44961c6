using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// A fixture-writer database folder (8 KiB pages, logs 1-5, edb.log current) backed up in full, then
    /// two log rollovers later incrementally (logs 5-7): a real chain made by the real backup pipeline.
    /// </summary>
    internal sealed class RestoreTestSets : IDisposable
    {
        public const int PageSize = 8192;

        public RestoreTestSets(bool incremental = true)
        {
            Root = TestEnvironment.NewTempFolder("restore");
            Source = Path.Combine(Root, "source");
            Backups = Path.Combine(Root, "backups");
            Outside = Path.Combine(Root, "outside");
            Directory.CreateDirectory(Outside);
            PipelineTestFolders.WriteFixtureFolder(Source, PageSize, pageCount: 64, lastGeneration: 5, logFileSize: 128 * 1024);
            Full = Backup(BackupKind.Full);
            if (incremental)
            {
                PipelineTestFolders.AdvanceCurrentLog(Source); // edb00005.log, edb.log = 6
                PipelineTestFolders.AdvanceCurrentLog(Source); // edb00006.log, edb.log = 7
                Incremental = Backup(BackupKind.Incremental);
            }
        }

        public string Root { get; }
        public string Source { get; }
        public string Backups { get; }

        /// <summary>A folder beside the destination that nothing may ever write into.</summary>
        public string Outside { get; }
        public BackupSet Full { get; }
        public BackupSet? Incremental { get; }

        public string NewDestination(string name = "restored") => Path.Combine(Root, name);

        public BackupSet Backup(BackupKind kind)
        {
            var session = BackupPipeline.StartSnapshot(new[] { Source }, kind, Backups);
            BackupPipeline.Read(session, Backups);
            return BackupPipeline.Stop(session, false).Set;
        }

        public static BackupSetFile Log(BackupSet set, long generation) => set.Files.Single(f => f.Generation == generation);
        public static BackupSetFile Database(BackupSet set) => set.Files.First(f => f.Role == BackupFileRole.Database);

        /// <summary>Rewrites a set's manifest after <paramref name="edit"/> changed it (deleted first: the writer never overwrites).</summary>
        public static void EditManifest(BackupSet set, Action<BackupManifest> edit)
        {
            var manifest = BackupManifest.Read(set.Path);
            edit(manifest);
            File.Delete(Path.Combine(set.Path, BackupManifest.FileName));
            File.WriteAllText(Path.Combine(set.Path, BackupManifest.FileName), manifest.ToJson());
        }

        public static void FlipBit(string path, long offset)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            fs.Position = offset;
            int b = fs.ReadByte();
            fs.Position = offset;
            fs.WriteByte((byte)(b ^ 0x10));
        }

        /// <summary>Every file under a folder (relative path, length, last write), to prove nothing changed.</summary>
        public static string[] Snapshot(string folder) =>
            Directory.Exists(folder)
                ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
                    .Select(f => $"{Path.GetRelativePath(folder, f)}|{new FileInfo(f).Length}|{File.GetLastWriteTimeUtc(f).Ticks}|{BackupSetWriter.HashFile(f)}").ToArray()
                : Array.Empty<string>();

        public void Dispose() => PipelineTestFolders.DeleteQuietly(Root);
    }
}
