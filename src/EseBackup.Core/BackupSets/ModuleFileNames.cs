using System;
using System.IO;
using System.Text;

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// The names the module gives its own files (manifest, restore report, temporary names, lease files), so
    /// that a path from a manifest can never collide with them, and the one way the module creates a file:
    /// exclusively, never following or replacing whatever is already at the name.
    /// </summary>
    internal static class ModuleFileNames
    {
        private static readonly string[] ReservedNames =
        {
            BackupManifest.FileName, BackupManifest.FileName + TempSuffix,
            BackupRestorer.ReportFileName, BackupRestorer.ReportFileName + TempSuffix,
            BackupSetWriter.IncompleteMarker,
        };

        private static readonly string[] ReservedSuffixes = { BackupRestorer.TempSuffix, BackupSetWriter.PartialSuffix };

        /// <summary>The suffix of the manifest's and the report's temporary names.</summary>
        public const string TempSuffix = ".tmp";

        /// <summary>Null when no segment of <paramref name="relativePath"/> is a name the module uses for itself, else why.</summary>
        public static string? ReservedNameProblem(string relativePath)
        {
            foreach (var segment in relativePath.Split('/', '\\'))
            {
                foreach (var name in ReservedNames)
                    if (string.Equals(segment, name, StringComparison.OrdinalIgnoreCase))
                        return $"uses the name '{segment}', which the module keeps for its own files";
                foreach (var suffix in ReservedSuffixes)
                    if (segment.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                        return $"ends in '{suffix}', which the module keeps for its temporary files";
                if (FolderLease.IsLeaseFileName(segment))
                    return $"uses the name '{segment}', which the module keeps for its lease files";
            }
            return null;
        }

        /// <summary>
        /// Writes a new file and flushes it to disk; fails when any entry (file, link, folder) has that name.
        /// </summary>
        public static void WriteNew(string path, string text) => WriteNew(path, new UTF8Encoding(false).GetBytes(text));

        /// <summary>Writes a new file and flushes it to disk; fails when any entry (file, link, folder) has that name.</summary>
        public static void WriteNew(string path, byte[] bytes)
        {
            var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            try
            {
                using (fs)
                {
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
            }
            catch
            {
                // Created new above, so ours: a half-written file (full disk) does not stay behind.
                try { File.Delete(path); } catch (Exception) { /* the first failure is propagating */ }
                throw;
            }
        }

        /// <summary>What is at <paramref name="path"/>: nothing, a regular file, or something the module never replaces.</summary>
        public static EntryKind KindOf(string path)
        {
            FileAttributes attributes;
            try { attributes = File.GetAttributes(path); }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException) { return EntryKind.None; }
            if ((attributes & FileAttributes.ReparsePoint) != 0) return EntryKind.Link;
            if ((attributes & FileAttributes.Directory) != 0) return EntryKind.Folder;
            return EntryKind.File;
        }

        /// <summary>
        /// Renames <paramref name="temp"/> to <paramref name="final"/>. Without <paramref name="replace"/> it fails
        /// when anything has that name (the rename itself refuses, so a name taken meanwhile is never replaced);
        /// with it, only a regular file is replaced, in one atomic rename where the platform has one.
        /// </summary>
        public static void MoveIntoPlace(string temp, string final, bool replace)
        {
            if (!replace || KindOf(final) == EntryKind.None)
            {
                File.Move(temp, final);
                return;
            }
            if (KindOf(final) != EntryKind.File)
                throw new IOException($"'{final}' is a link or folder; the module replaces only regular files.");
#if NETSTANDARD2_0
            File.Replace(temp, final, null);
#else
            File.Move(temp, final, overwrite: true);
#endif
        }
    }

    internal enum EntryKind
    {
        None,
        File,
        Link,
        Folder,
    }
}
