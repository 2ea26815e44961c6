using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>A file of a complete backup set, with its location (full path on disk, or URL) in the store.</summary>
    public sealed class BackupSetFile
    {
        internal BackupSetFile(IBackupStore store, string setName, BackupFileEntry entry)
        {
            Entry = entry;
            FullPath = store.LocationOf(setName, entry.Path);
        }

        /// <summary>The manifest entry (not public, so ConvertTo-Json of a set stays flat; see <see cref="GetEntry"/>).</summary>
        internal BackupFileEntry Entry { get; }

        /// <summary>The file's manifest entry (also the hidden <c>Entry</c> property the module's types.ps1xml adds).</summary>
        public BackupFileEntry GetEntry() => Entry;

        public string Name => Entry.Path;
        public BackupFileRole Role => Entry.Role;
        public long Size => Entry.Size;
        public string Hash => Entry.Hash;
        public long? Generation => Entry.Generation;
        public string FullPath { get; }

        public override string ToString() => Name;
    }

    /// <summary>The files of a set; as text (an Export-Csv cell) their names, comma-separated.</summary>
    public sealed class BackupSetFileList : System.Collections.ObjectModel.ReadOnlyCollection<BackupSetFile>
    {
        internal BackupSetFileList(IList<BackupSetFile> files) : base(files) { }

        public override string ToString() => string.Join(", ", this.Select(f => f.Name));
    }

    /// <summary>A complete backup set: a folder (or blob prefix) whose manifest.json was committed and validated.</summary>
    public sealed class BackupSet
    {
        private BackupSet(IBackupStore store, string name, BackupManifest manifest)
        {
            Store = store;
            Name = name;
            Path = store.LocationOf(name);
            Manifest = manifest;
            Files = new BackupSetFileList(manifest.Files.Select(f => new BackupSetFile(store, name, f)).ToList());
        }

        /// <summary>Where the set is: its folder's full path, or its URL (never with a secret).</summary>
        public string Path { get; }
        public string Name { get; }

        /// <summary>The store holding the set (the files are read through it).</summary>
        internal IBackupStore Store { get; }

        /// <summary>
        /// The committed manifest. Not public, so that ConvertTo-Json of a set is flat without -Depth; scripts reach it
        /// through <see cref="GetManifest"/> (or the hidden <c>Manifest</c> property the module's types.ps1xml adds).
        /// </summary>
        internal BackupManifest Manifest { get; }

        /// <summary>The committed manifest: every file with its hash, signatures, notes.</summary>
        public BackupManifest GetManifest() => Manifest;
        public Guid SetId => Manifest.SetId;
        public Guid ChainId => Manifest.ChainId;
        public Guid? ParentSetId => Manifest.ParentSetId;
        public BackupKind Kind => Manifest.Kind;
        public string Source => Manifest.Source;
        /// <summary>When the backup started and ended, UTC (<see cref="UtcTime"/>).</summary>
        public DateTimeOffset StartTime => UtcTime.From(Manifest.StartTime);
        public DateTimeOffset EndTime => UtcTime.From(Manifest.EndTime);
        public long LogGenerationLow => Manifest.LogGenerationLow;
        public long LogGenerationHigh => Manifest.LogGenerationHigh;
        public BackupSetFileList Files { get; }
        public int FileCount => Files.Count;
        public long TotalBytes => Files.Sum(f => f.Size);

        /// <summary>Opens a set folder (or a set's URL); throws when it has no valid manifest (an incomplete or damaged set).</summary>
        public static BackupSet Open(string setFolder, BackupStoreCredentials? credentials = null)
        {
            var store = BackupStores.OpenForSet(setFolder, credentials, out var name);
            return Open(store, name);
        }

        /// <summary>Opens a set of a store; throws when it has no valid manifest (an incomplete or damaged set).</summary>
        public static BackupSet Open(IBackupStore store, string setName)
        {
            if (store is FolderBackupStore folder && SetPathSafety.IsLink(folder.SetPath(setName)))
                throw new InvalidDataException($"Backup set folder '{folder.SetPath(setName)}' is a symbolic link or junction; it is not followed (it could point outside the store).");
            return new BackupSet(store, setName, BackupManifest.Read(store, setName));
        }

        internal static BackupSet FromManifest(IBackupStore store, string setName, BackupManifest manifest) => new BackupSet(store, setName, manifest);

        /// <summary>A set folder's set from a manifest already read.</summary>
        internal static BackupSet FromManifest(string setFolder, BackupManifest manifest) =>
            FromManifest(BackupStores.OpenForSet(setFolder, null, out var name), name, manifest);

        /// <summary>Opens a file of the set for reading through its store (regular files only, never through a link).</summary>
        internal Stream OpenFile(BackupSetFile file) => Store.OpenRead(Name, file.Name);

        public override string ToString() => $"{Name} ({Kind}, logs {LogGenerationLow}-{LogGenerationHigh}, {Files.Count} files)";
    }

    /// <summary>A folder under a destination that looks like a backup set but has no valid manifest.</summary>
    public sealed class IncompleteBackupSet
    {
        public IncompleteBackupSet(string path, string reason, bool hasManifest = false, BackupSetHints? hints = null)
        {
            Path = path;
            Name = System.IO.Path.GetFileName(path.TrimEnd('/', '\\'));
            Reason = reason;
            HasManifest = hasManifest;
            Hints = hints;
        }

        public string Path { get; }

        /// <summary>The set's name in its store.</summary>
        public string Name { get; internal set; }

        /// <summary>When the set was last written, when the store knows it.</summary>
        public DateTime? LastWriteTimeUtc { get; internal set; }
        public string Reason { get; }

        /// <summary>
        /// True when the folder has a manifest (or is a second folder with a set id already seen) that this module
        /// cannot use: a newer format, a damaged file, a link. Such a set is not incomplete but unreadable; no rule
        /// deletes it and it protects the sets it may build on.
        /// </summary>
        public bool HasManifest { get; }

        /// <summary>What could still be read from an unreadable manifest (null when nothing).</summary>
        public BackupSetHints? Hints { get; }
    }

    /// <summary>The chain facts read leniently from a manifest the module cannot fully read (each null when absent or malformed).</summary>
    public sealed class BackupSetHints
    {
        public int? FormatVersion { get; set; }
        public Guid? SetId { get; set; }
        public Guid? ParentSetId { get; set; }
        public BackupKind? Kind { get; set; }
        public string? Source { get; set; }

        /// <summary>Reads what it can; null when the bytes are not a JSON object at all.</summary>
        internal static BackupSetHints? From(byte[] utf8Json)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(utf8Json, new System.Text.Json.JsonDocumentOptions { AllowTrailingCommas = true });
                if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
                var hints = new BackupSetHints();
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    var v = p.Value;
                    bool isString = v.ValueKind == System.Text.Json.JsonValueKind.String;
                    switch (p.Name.ToLowerInvariant())
                    {
                        case "formatversion": if (v.ValueKind == System.Text.Json.JsonValueKind.Number && v.TryGetInt32(out var fv)) hints.FormatVersion = fv; break;
                        case "setid": if (isString && Guid.TryParse(v.GetString(), out var id)) hints.SetId = id; break;
                        case "parentsetid": if (isString && Guid.TryParse(v.GetString(), out var parent)) hints.ParentSetId = parent; break;
                        case "source": if (isString) hints.Source = v.GetString(); break;
                        case "kind":
                            if (isString && Enum.TryParse<BackupKind>(v.GetString(), true, out var kind) && Enum.IsDefined(typeof(BackupKind), kind)) hints.Kind = kind;
                            break;
                    }
                }
                return hints;
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException || ex is ArgumentException || ex is InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>The backup sets in one destination folder: complete ones (chain parents) and incomplete leftovers.</summary>
    public sealed class BackupSetCatalog
    {
        private BackupSetCatalog(IBackupStore store, List<BackupSet> complete, List<IncompleteBackupSet> incomplete)
        {
            Store = store;
            Root = store.Location;
            Sets = complete;
            Incomplete = incomplete;
        }

        public string Root { get; }

        /// <summary>The store the sets are in.</summary>
        public IBackupStore Store { get; }

        /// <summary>Complete sets, oldest first.</summary>
        public IReadOnlyList<BackupSet> Sets { get; }

        /// <summary>Set folders without a valid manifest: killed or aborted runs. Never used as chain parents.</summary>
        public IReadOnlyList<IncompleteBackupSet> Incomplete { get; }

        /// <summary>
        /// Reads every set folder under <paramref name="destinationRoot"/>. One bad set never fails the scan: a
        /// manifest that is missing, damaged, too large, of an unknown format, a link or a FIFO, a set folder that
        /// is a link, or a second folder carrying a set id already seen (a copied set) makes that one folder an
        /// <see cref="Incomplete"/> entry whose reason names the file; the other sets read normally.
        /// </summary>
        public static BackupSetCatalog Scan(string destinationRoot, BackupStoreCredentials? credentials = null) =>
            Scan(BackupStores.Open(destinationRoot, credentials));

        /// <inheritdoc cref="Scan(string, BackupStoreCredentials)"/>
        public static BackupSetCatalog Scan(IBackupStore store)
        {
            var opened = new List<BackupSet>();
            var incomplete = new List<IncompleteBackupSet>();
            if (store.Exists())
            {
                // Name order makes "which of two folders with one set id is the copy" the same on every run.
                foreach (var entry in store.ListSets().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    if (!BackupSetWriter.LooksLikeSetName(entry.Name)) continue;
                    var problem = OpenOne(store, entry, out var set);
                    if (problem != null) incomplete.Add(problem);
                    else opened.Add(set!);
                }
            }
            var complete = new List<BackupSet>();
            var byId = new Dictionary<Guid, BackupSet>();
            foreach (var set in opened)
            {
                if (byId.TryGetValue(set.SetId, out var first))
                {
                    // A copied set folder: the first keeps serving as the set; the copy is kept and reported, never used.
                    incomplete.Add(new IncompleteBackupSet(set.Path,
                        $"Backup manifest '{store.LocationOf(set.Name, BackupManifest.FileName)}' carries set id {set.SetId}, which '{first.Path}' carries too: the folder is a copy of another set (or was given a foreign manifest); it is not used as a set and no rule removes it.",
                        hasManifest: true, hints: new BackupSetHints { FormatVersion = set.Manifest.FormatVersion, SetId = set.SetId, ParentSetId = set.ParentSetId, Kind = set.Kind, Source = set.Source }) { Name = set.Name });
                    continue;
                }
                byId[set.SetId] = set;
                complete.Add(set);
            }
            complete.Sort((a, b) => a.EndTime != b.EndTime ? a.EndTime.CompareTo(b.EndTime) : SetFolderName.Comparer.Compare(a.Name, b.Name));
            return new BackupSetCatalog(store, complete, incomplete);
        }

        /// <summary>
        /// Why an aborted backup stopped, from the INCOMPLETE.txt the writer left (its "Reason:" line, or the whole
        /// text of a marker written by hand); null when there is none or it is not a small regular file.
        /// </summary>
        private static string? StopReasonOf(IBackupStore store, string setName)
        {
            try
            {
                using var stream = store.OpenRead(setName, BackupSetWriter.IncompleteMarker);
                if (stream.Length > 64 * 1024) return null;
                using var reader = new StreamReader(stream);
                var text = reader.ReadToEnd().Trim();
                const string prefix = "Reason:";
                var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                var reason = (line != null ? line.Substring(prefix.Length) : text).Trim();
                return reason.Length == 0 ? null : reason.TrimEnd('.') + ".";
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Opens one set; null and the set when it is complete, else why not.</summary>
        private static IncompleteBackupSet? OpenOne(IBackupStore store, StoredSetEntry entry, out BackupSet? set)
        {
            set = null;
            var dir = store.LocationOf(entry.Name);
            IncompleteBackupSet Incomplete(string reason, bool hasManifest = false, BackupSetHints? hints = null) =>
                new IncompleteBackupSet(dir, reason, hasManifest, hints) { Name = entry.Name, LastWriteTimeUtc = entry.LastWriteTimeUtc };
            if (entry.UnsafeReason != null) return Incomplete(entry.UnsafeReason, hasManifest: true);
            byte[] bytes;
            var manifestPath = store.LocationOf(entry.Name, BackupManifest.FileName);
            try
            {
                bytes = BackupManifest.ReadBytes(store, entry.Name);
            }
            catch (FileNotFoundException ex)
            {
                var stopped = entry.HasIncompleteMarker ? StopReasonOf(store, entry.Name) : null;
                return Incomplete(stopped == null ? ex.Message : $"The backup stopped: {stopped} {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
            {
                return Incomplete(ex.Message, hasManifest: true);
            }
            try
            {
                set = BackupSet.FromManifest(store, entry.Name, BackupManifest.Parse(bytes, manifestPath));
                return null;
            }
            catch (InvalidDataException ex)
            {
                return Incomplete(ex.Message, hasManifest: true, hints: BackupSetHints.From(bytes));
            }
        }

        /// <summary>
        /// The set a new incremental builds on: the newest complete set of the same log stream (same log
        /// signature; the same source when signatures are unknown) whose chain starts with a full set here.
        /// Fails with JET_errMissingFullBackup when there is none. With <paramref name="startedAt"/> (the new
        /// backup's start), a set that ended after it is passed over: the chain check refuses a set that started
        /// before its parent ended (<see cref="BackupChain"/>), so building on one would commit a set that never restores.
        /// </summary>
        public BackupSet FindChainParent(ManifestSignature? logSignature, string source, DateTimeOffset? startedAt = null)
        {
            var byId = Sets.ToDictionary(s => s.SetId);
            // Newest by the log generations it holds (a clock can lie; the stream's generations cannot), then by time.
            foreach (var candidate in Sets.OrderByDescending(s => s.LogGenerationHigh).ThenByDescending(s => s.EndTime).ThenByDescending(s => s.Name, SetFolderName.Comparer))
            {
                var sameStream = logSignature != null && candidate.Manifest.LogSignature != null
                    ? candidate.Manifest.LogSignature.SameAs(logSignature)
                    : string.Equals(candidate.Source, source, StringComparison.OrdinalIgnoreCase);
                if (!sameStream) continue;
                // Committed meanwhile, by another process backing up the same log stream (a copy of the folder, another snapshot).
                if (startedAt != null && candidate.EndTime > startedAt.Value) continue;
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
