using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>A file of a complete backup set, with its full path on disk.</summary>
    public sealed class BackupSetFile
    {
        internal BackupSetFile(string setPath, BackupFileEntry entry)
        {
            Entry = entry;
            FullPath = BackupManifest.ResolveInside(setPath, entry.Path);
        }

        public BackupFileEntry Entry { get; }
        public string Name => Entry.Path;
        public BackupFileRole Role => Entry.Role;
        public long Size => Entry.Size;
        public string Hash => Entry.Hash;
        public long? Generation => Entry.Generation;
        public string FullPath { get; }

        public override string ToString() => Name;
    }

    /// <summary>A complete backup set: a folder whose manifest.json was committed and validated.</summary>
    public sealed class BackupSet
    {
        private BackupSet(string path, BackupManifest manifest)
        {
            Path = path;
            Manifest = manifest;
            Files = manifest.Files.Select(f => new BackupSetFile(path, f)).ToList();
        }

        public string Path { get; }
        public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar));
        public BackupManifest Manifest { get; }
        public Guid SetId => Manifest.SetId;
        public Guid ChainId => Manifest.ChainId;
        public Guid? ParentSetId => Manifest.ParentSetId;
        public BackupKind Kind => Manifest.Kind;
        public string Source => Manifest.Source;
        public DateTime StartTime => Manifest.StartTime;
        public DateTime EndTime => Manifest.EndTime;
        public long LogGenerationLow => Manifest.LogGenerationLow;
        public long LogGenerationHigh => Manifest.LogGenerationHigh;
        public IReadOnlyList<BackupSetFile> Files { get; }
        public long TotalBytes => Files.Sum(f => f.Size);

        /// <summary>Opens a set folder; throws when it has no valid manifest (an incomplete or damaged set).</summary>
        public static BackupSet Open(string setFolder)
        {
            var full = System.IO.Path.GetFullPath(setFolder);
            return new BackupSet(full, BackupManifest.Read(full));
        }

        public override string ToString() => $"{Name} ({Kind}, logs {LogGenerationLow}-{LogGenerationHigh}, {Files.Count} files)";
    }

    /// <summary>A folder under a destination that looks like a backup set but has no valid manifest.</summary>
    public sealed class IncompleteBackupSet
    {
        public IncompleteBackupSet(string path, string reason)
        {
            Path = path;
            Reason = reason;
        }

        public string Path { get; }
        public string Reason { get; }
    }

    /// <summary>The backup sets in one destination folder: complete ones (chain parents) and incomplete leftovers.</summary>
    public sealed class BackupSetCatalog
    {
        private BackupSetCatalog(string root, List<BackupSet> complete, List<IncompleteBackupSet> incomplete)
        {
            Root = root;
            Sets = complete;
            Incomplete = incomplete;
        }

        public string Root { get; }

        /// <summary>Complete sets, oldest first.</summary>
        public IReadOnlyList<BackupSet> Sets { get; }

        /// <summary>Set folders without a valid manifest: killed or aborted runs. Never used as chain parents.</summary>
        public IReadOnlyList<IncompleteBackupSet> Incomplete { get; }

        public static BackupSetCatalog Scan(string destinationRoot)
        {
            var root = System.IO.Path.GetFullPath(destinationRoot);
            var complete = new List<BackupSet>();
            var incomplete = new List<IncompleteBackupSet>();
            if (Directory.Exists(root))
            {
                foreach (var dir in Directory.EnumerateDirectories(root))
                {
                    if (!BackupSetWriter.LooksLikeSetName(System.IO.Path.GetFileName(dir))) continue;
                    try
                    {
                        complete.Add(BackupSet.Open(dir));
                    }
                    catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
                    {
                        incomplete.Add(new IncompleteBackupSet(dir, ex.Message));
                    }
                }
            }
            complete.Sort((a, b) => a.EndTime != b.EndTime ? a.EndTime.CompareTo(b.EndTime) : string.CompareOrdinal(a.Name, b.Name));
            return new BackupSetCatalog(root, complete, incomplete);
        }

        /// <summary>
        /// The set a new incremental builds on: the newest complete set of the same log stream (same log
        /// signature; the same source when signatures are unknown) whose chain starts with a full set here.
        /// Fails with JET_errMissingFullBackup when there is none.
        /// </summary>
        public BackupSet FindChainParent(ManifestSignature? logSignature, string source)
        {
            var byId = Sets.ToDictionary(s => s.SetId);
            for (int i = Sets.Count - 1; i >= 0; i--)
            {
                var candidate = Sets[i];
                var sameStream = logSignature != null && candidate.Manifest.LogSignature != null
                    ? candidate.Manifest.LogSignature.SameAs(logSignature)
                    : string.Equals(candidate.Source, source, StringComparison.OrdinalIgnoreCase);
                if (!sameStream) continue;
                if (ChainReachesFull(candidate, byId)) return candidate;
            }
            var incompleteNote = Incomplete.Count > 0 ? $" ({Incomplete.Count} incomplete set folder(s) there were ignored)" : "";
            throw new JetException(JetError.JET_errMissingFullBackup,
                $"An incremental backup of '{source}' needs a complete full backup of the same log stream in '{Root}', and there is none{incompleteNote}. Run a full backup first.");
        }

        private static bool ChainReachesFull(BackupSet set, Dictionary<Guid, BackupSet> byId)
        {
            var seen = new HashSet<Guid>();
            var current = set;
            while (current.Kind == BackupKind.Incremental)
            {
                if (!seen.Add(current.SetId) || current.ParentSetId == null) return false;
                if (!byId.TryGetValue(current.ParentSetId.Value, out var parent)) return false;
                current = parent;
            }
            return true;
        }
    }
}
