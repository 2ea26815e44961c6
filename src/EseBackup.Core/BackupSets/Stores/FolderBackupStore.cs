using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets.Stores
{
    /// <summary>
    /// The store on a file system: one folder per set under a destination folder, its lease a file beside it
    /// (<see cref="FolderLease"/>: an operating-system lock, so a killed holder's lease is stale). Every entry it
    /// creates is created new and never through a link; it opens only regular files (lstat before open); a set
    /// folder that is a link is never followed.
    /// </summary>
    public sealed class FolderBackupStore : IBackupStore
    {
        public FolderBackupStore(string folder)
        {
            if (string.IsNullOrWhiteSpace(folder)) throw new ArgumentException("A backup store folder needs a path.", nameof(folder));
            Root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (Root.Length == 0) Root = Path.GetFullPath(folder); // the file system root "/"
        }

        /// <summary>The destination folder, full path.</summary>
        public string Root { get; }

        public string Location => Root;

        public override string ToString() => Root;

        /// <summary>The folder of a set.</summary>
        public string SetPath(string setName) => Path.Combine(Root, CheckedName(setName));

        public string LocationOf(string setName, string? relativePath = null) =>
            relativePath == null ? SetPath(setName) : BackupManifest.ResolveInside(SetPath(setName), relativePath);

        public bool Exists() => Directory.Exists(Root);

        public void EnsureExists() => Directory.CreateDirectory(Root);

        public IReadOnlyList<StoredSetEntry> ListSets()
        {
            var list = new List<StoredSetEntry>();
            if (!Directory.Exists(Root)) return list;
            foreach (var dir in Directory.EnumerateDirectories(Root))
            {
                var name = Path.GetFileName(dir);
                if (SetPathSafety.IsLink(dir))
                {
                    list.Add(new StoredSetEntry(name, hasManifest: true, hasIncompleteMarker: false, lastWriteTimeUtc: null,
                        unsafeReason: $"Backup set folder '{dir}' is a symbolic link or junction; it is not followed (it could point outside the store)."));
                    continue;
                }
                list.Add(new StoredSetEntry(name,
                    ModuleFileNames.KindOf(Path.Combine(dir, BackupManifest.FileName)) != EntryKind.None,
                    ModuleFileNames.KindOf(Path.Combine(dir, BackupSetWriter.IncompleteMarker)) != EntryKind.None,
                    LastWriteOf(dir)));
            }
            return list;
        }

        public IReadOnlyList<StoredFile> ListFiles(string setName)
        {
            var setPath = SetPath(setName);
            var list = new List<StoredFile>();
            try
            {
                if (SetPathSafety.IsLink(setPath) || !Directory.Exists(setPath)) return list;
                foreach (var f in new DirectoryInfo(setPath).EnumerateFiles("*", SearchOption.AllDirectories))
                    list.Add(new StoredFile(f.FullName.Substring(setPath.Length + 1).Replace(Path.DirectorySeparatorChar, '/'), f.Length));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // A set being removed meanwhile: what was seen.
            }
            return list;
        }

        public Stream OpenRead(string setName, string relativePath)
        {
            var setPath = SetPath(setName);
            var full = BackupManifest.ResolveInside(setPath, relativePath);
            var link = SetPathSafety.FirstLinkBelow(Root, full);
            if (link != null)
                throw new UnsafeStoreEntryException(link, "a symbolic link or junction",
                    $"'{link}' is a symbolic link or junction; files of a set are never links (it could point outside the set).");
            var kind = RegularFile.KindOf(full);
            if (kind == FileEntryKind.Missing) throw new FileNotFoundException($"'{full}' does not exist.", full);
            if (kind != FileEntryKind.Regular)
                throw new UnsafeStoreEntryException(full, RegularFile.Describe(kind), $"'{full}' is {RegularFile.Describe(kind)}, not a regular file; it was not opened.");
            // Unbuffered: the set streamer reads large slices, positionally where the platform can.
            return RegularFile.OpenRead(full, FileShare.Read, 1, FileOptions.SequentialScan);
        }

        public IStoreLease? TryClaimSet(string setName)
        {
            var setPath = SetPath(setName);
            if (ModuleFileNames.KindOf(setPath) != EntryKind.None) return null;
            // Creating the lease file new is the atomic step: two claims of one name cannot both create it.
            var lease = FolderLease.TryClaimNew(FolderLease.PathForSet(setPath));
            if (lease == null) return null;
            try
            {
                if (ModuleFileNames.KindOf(setPath) != EntryKind.None)
                {
                    lease.Dispose(); // made meanwhile by something that takes no lease: not ours
                    return null;
                }
                Directory.CreateDirectory(setPath);
                return lease;
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }

        public IStoreFileWriter CreateFile(string setName, string relativePath) => CreateFile(setName, relativePath, null);

        /// <param name="openPartial">Opens the temporary file (a seam for fault injection: a full disk); null for a plain create-new.</param>
        internal IStoreFileWriter CreateFile(string setName, string relativePath, Func<string, Stream>? openPartial)
        {
            var setPath = SetPath(setName);
            var final = BackupManifest.ResolveInside(setPath, relativePath);
            var folder = Path.GetDirectoryName(final)!;
            Directory.CreateDirectory(folder);
            var link = SetPathSafety.FirstLinkBelow(Root, folder);
            if (link != null)
                throw new UnsafeStoreEntryException(link, "a symbolic link or junction", $"'{link}' is a symbolic link or junction; nothing is written through it.");
            var partial = final + BackupSetWriter.PartialSuffix;
            // CreateNew: fails on any entry of that name, a planted link included (it is never followed).
            var stream = openPartial != null
                ? openPartial(partial)
                : new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan);
            return new FolderFileWriter(stream, partial, final);
        }

        public void CommitManifest(string setName, byte[] utf8Json)
        {
            var final = Path.Combine(SetPath(setName), BackupManifest.FileName);
            var temp = final + ModuleFileNames.TempSuffix;
            // Both names are created new: whatever is already there (a link planted in the set) is never followed or replaced.
            ModuleFileNames.WriteNew(temp, utf8Json);
            try
            {
                File.Move(temp, final);
            }
            catch
            {
                try { File.Delete(temp); } catch (Exception) { /* the first failure is propagating */ }
                throw;
            }
        }

        public void WriteIncompleteMarker(string setName, string text) =>
            ModuleFileNames.WriteNew(Path.Combine(SetPath(setName), BackupSetWriter.IncompleteMarker), text);

        public void DiscardPartialFiles(string setName)
        {
            var setPath = SetPath(setName);
            if (SetPathSafety.IsLink(setPath) || !Directory.Exists(setPath)) return;
            foreach (var partial in Directory.EnumerateFiles(setPath, "*" + BackupSetWriter.PartialSuffix, SearchOption.AllDirectories).ToList())
            {
                try { File.Delete(partial); } catch (Exception) { /* best effort: the set has no manifest either way */ }
            }
        }

        public void DeleteSet(string setName)
        {
            var setPath = SetPath(setName);
            if (SetPathSafety.IsLink(setPath))
                throw new IOException($"Backup set folder '{setPath}' is a symbolic link or junction; it is not removed.");
            var manifest = Path.Combine(setPath, BackupManifest.FileName);
            if (File.Exists(manifest)) File.Delete(manifest);
            Directory.Delete(setPath, recursive: true);
        }

        public IStoreLease? TryAcquireLease(string setName, TimeSpan wait) => FolderLease.TryAcquire(FolderLease.PathForSet(SetPath(setName)), wait);

        public bool IsLeaseHeld(string setName) => FolderLease.IsHeld(FolderLease.PathForSet(SetPath(setName)));

        private static DateTime? LastWriteOf(string dir)
        {
            try { return Directory.GetLastWriteTimeUtc(dir); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { return null; }
        }

        private static string CheckedName(string setName)
        {
            if (string.IsNullOrEmpty(setName) || setName == "." || setName == ".." || setName.IndexOfAny(new[] { '/', '\\', '\0' }) >= 0 ||
                setName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new ArgumentException($"'{setName}' is not a backup set name (one folder name).", nameof(setName));
            return setName;
        }

        /// <summary>A set file written under its *.partial name and renamed into place when complete.</summary>
        private sealed class FolderFileWriter : IStoreFileWriter
        {
            private readonly string _partial;
            private readonly string _final;
            private Stream? _stream;
            private bool _committed;

            public FolderFileWriter(Stream stream, string partial, string final)
            {
                _stream = stream;
                _partial = partial;
                _final = final;
            }

            public Stream Stream => _stream ?? throw new ObjectDisposedException(_partial);

            public string Location => _final;

            public void Commit()
            {
                var stream = Stream;
                if (stream is FileStream fs) fs.Flush(true); else stream.Flush();
                stream.Dispose();
                _stream = null;
                // Fails when anything took the final name meanwhile: never replaced.
                File.Move(_partial, _final);
                _committed = true;
            }

            public void Dispose()
            {
                var stream = _stream;
                _stream = null;
                try { stream?.Dispose(); } catch (Exception) { /* a failed write is already propagating */ }
                if (!_committed)
                {
                    try { File.Delete(_partial); } catch (Exception) { /* the set has no manifest either way */ }
                }
            }
        }
    }
}
