using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>One backup set folder as a listing shows it: complete (with its manifest facts) or not.</summary>
    public sealed class BackupSetInfo
    {
        public string Name { get; set; } = "";
        public string Path { get; set; } = "";

        /// <summary>Full or Incremental; for an incomplete set, what its folder name says (null when unknown).</summary>
        public BackupKind? Kind { get; set; }
        public bool IsComplete { get; set; }

        /// <summary>When the backup ended (complete sets) or started, from the folder name (incomplete ones); UTC (<see cref="UtcTime"/>).</summary>
        public DateTimeOffset Time { get; set; }
        public DateTimeOffset? StartTime { get; set; }
        public DateTimeOffset? EndTime { get; set; }
        public long SizeBytes { get; set; }
        public int FileCount { get; set; }
        public long LogGenerationLow { get; set; }
        public long LogGenerationHigh { get; set; }
        public string? Source { get; set; }
        public Guid? SetId { get; set; }
        public Guid? ChainId { get; set; }
        public Guid? ParentSetId { get; set; }

        /// <summary>0 for a full set, n for the n-th incremental on it; −1 when the chain back to a full set is broken or the set is incomplete.</summary>
        public int ChainPosition { get; set; } = -1;

        /// <summary>Why an incomplete set is incomplete (or an unreadable one unreadable), naming the file.</summary>
        public string? Reason { get; set; }

        /// <summary>
        /// The folder has a manifest this module cannot use (unknown format version, damaged, too large, a link or
        /// FIFO, or a copy of another set's id). Never removed by a retention rule; it protects what it may build on.
        /// </summary>
        public bool IsUnreadable { get; set; }

        /// <summary>
        /// The complete set as listed (null for an incomplete one). Not public, so that ConvertTo-Json of a listing
        /// stays flat; scripts reach it through <see cref="GetSet"/> (or the hidden <c>Set</c> property the module's
        /// types.ps1xml adds).
        /// </summary>
        internal BackupSet? Set { get; set; }

        /// <summary>The complete set with its manifest and files: the one listed, else opened now; null for an incomplete set.</summary>
        public BackupSet? GetSet() => Set ?? (IsComplete ? Set = BackupSet.Open(Path) : null);

        public override string ToString() => $"{Name} ({(IsComplete ? Kind.ToString() : "incomplete")})";

        /// <summary>The sets under <paramref name="root"/> (or the one set <paramref name="root"/> is), newest first.</summary>
        public static IReadOnlyList<BackupSetInfo> List(string root)
        {
            var full = System.IO.Path.GetFullPath(root);
            if (IsSetFolder(full))
            {
                var parent = System.IO.Path.GetDirectoryName(full.TrimEnd(System.IO.Path.DirectorySeparatorChar)) ?? full;
                var found = List(BackupSetCatalog.Scan(parent)).Where(i => string.Equals(i.Path, full.TrimEnd(System.IO.Path.DirectorySeparatorChar), StringComparison.Ordinal)).ToList();
                if (found.Count > 0) return found;
                // A set folder someone renamed: still a set, listed on its own (its chain position is unknown).
                try
                {
                    return new[] { FromSet(BackupSet.Open(full), -1) };
                }
                catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
                {
                    var name = System.IO.Path.GetFileName(full.TrimEnd(System.IO.Path.DirectorySeparatorChar));
                    return new[] { new BackupSetInfo { Name = name, Path = full.TrimEnd(System.IO.Path.DirectorySeparatorChar), IsComplete = false, Time = UtcTime.From(Directory.GetLastWriteTimeUtc(full)), Reason = ex.Message } };
                }
            }
            return List(BackupSetCatalog.Scan(full));
        }

        /// <summary>A folder that is a set (has a manifest, or the name the writer gives sets).</summary>
        public static bool IsSetFolder(string folder) =>
            File.Exists(System.IO.Path.Combine(folder, BackupManifest.FileName)) ||
            BackupSetWriter.LooksLikeSetName(System.IO.Path.GetFileName(folder.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar)));

        public static IReadOnlyList<BackupSetInfo> List(BackupSetCatalog catalog)
        {
            var byId = catalog.Sets.ToDictionary(s => s.SetId);
            var list = new List<BackupSetInfo>();
            foreach (var s in catalog.Sets) list.Add(FromSet(s, PositionInChain(s, byId)));
            foreach (var i in catalog.Incomplete)
            {
                var name = System.IO.Path.GetFileName(i.Path);
                long size = 0;
                int count = 0;
                try
                {
                    if (!SetPathSafety.IsLink(i.Path))
                        foreach (var f in new DirectoryInfo(i.Path).EnumerateFiles("*", SearchOption.AllDirectories)) { size += f.Length; count++; }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
                list.Add(new BackupSetInfo
                {
                    Name = name,
                    Path = i.Path,
                    Kind = i.Hints?.Kind ?? SetFolderName.TryParse(name)?.Kind,
                    IsComplete = false,
                    IsUnreadable = i.HasManifest,
                    Time = UtcTime.From(TimeFromName(name) ?? Directory.GetLastWriteTimeUtc(i.Path)),
                    SizeBytes = size,
                    FileCount = count,
                    Source = i.Hints?.Source,
                    SetId = i.Hints?.SetId,
                    ParentSetId = i.Hints?.ParentSetId,
                    Reason = i.Reason,
                });
            }
            return list.OrderByDescending(i => i.Time).ThenByDescending(i => i.Name, SetFolderName.Comparer).ToList();
        }

        private static BackupSetInfo FromSet(BackupSet s, int chainPosition) =>
                new BackupSetInfo
                {
                    Name = s.Name,
                    Path = s.Path,
                    Kind = s.Kind,
                    IsComplete = true,
                    Time = s.EndTime,
                    StartTime = s.StartTime,
                    EndTime = s.EndTime,
                    SizeBytes = s.TotalBytes,
                    FileCount = s.Files.Count,
                    LogGenerationLow = s.LogGenerationLow,
                    LogGenerationHigh = s.LogGenerationHigh,
                    Source = s.Source,
                    SetId = s.SetId,
                    ChainId = s.ChainId,
                    ParentSetId = s.ParentSetId,
                    ChainPosition = chainPosition,
                    Set = s,
                };

        /// <summary>The UTC start time a set folder's name carries (either form of <see cref="SetFolderName"/>).</summary>
        public static DateTime? TimeFromName(string name) => SetFolderName.TryParse(name)?.StartTime;

        private static int PositionInChain(BackupSet set, Dictionary<Guid, BackupSet> byId)
        {
            int position = 0;
            var current = set;
            var seen = new HashSet<Guid>();
            while (current.Kind == BackupKind.Incremental)
            {
                if (!seen.Add(current.SetId) || current.ParentSetId == null || !byId.TryGetValue(current.ParentSetId.Value, out var parent)) return -1;
                position++;
                current = parent;
            }
            return position;
        }
    }

    /// <summary>A set a retention rule removes (or keeps), and why.</summary>
    public sealed class RetentionDecision
    {
        public RetentionDecision(BackupSetInfo set, bool remove, string reason)
        {
            Set = set;
            Remove = remove;
            Reason = reason;
        }

        public BackupSetInfo Set { get; }
        public bool Remove { get; }
        public string Reason { get; }
    }

    /// <summary>
    /// Which sets a retention rule removes: a complete set is kept when it is among the newest
    /// <c>keepLast</c> complete sets or ended after <c>olderThan</c> (either rule keeps it), and every
    /// set a kept set builds on is kept too. Incomplete sets older than the newest complete set go only
    /// when asked. Unreadable sets (a manifest this module cannot use) are never removed, and keep every set
    /// they may build on. A set in use (being written, or built on by a backup being written: its lease is held)
    /// is always kept, and so is every set it builds on.
    /// </summary>
    /// <remarks>
    /// "Newest" comes from facts a clock cannot falsify: sets of one log stream (log signature, else source) are
    /// ordered by their newest log generation and their place in the chain; end times only break ties, and
    /// order sets of unrelated streams. A set dated in the future therefore cannot push out the newest real one.
    /// </remarks>
    public static class BackupRetention
    {
        public const string InUseReason = "in use by a running backup (its lease is held)";

        /// <summary>True when a live process holds the lease of the set (a stale lease of a killed process does not count).</summary>
        public static bool IsInUse(BackupSetInfo set) => FolderLease.IsHeld(FolderLease.PathForSet(set.Path));

        public static IReadOnlyList<RetentionDecision> Plan(IReadOnlyList<BackupSetInfo> sets, int? keepLast, DateTimeOffset? olderThan, bool includeIncomplete,
            Func<BackupSetInfo, bool>? inUse = null)
        {
            if (keepLast == null && olderThan == null)
                throw new ArgumentException("Name a retention rule: how many sets to keep (keepLast) and/or the age beyond which sets go (olderThan).");
            if (keepLast < 0) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "The number of sets to keep cannot be negative.");
            var streams = StreamsNewestFirst(sets.Where(s => s.IsComplete).ToList());
            var complete = MergeNewestFirst(streams);
            var keep = new Dictionary<string, string>(StringComparer.Ordinal);
            if (keepLast != null)
                for (int i = 0; i < complete.Count && i < keepLast; i++) keep[complete[i].Path] = $"one of the newest {keepLast} complete sets";
            if (olderThan != null)
            {
                // Within a stream, a set newer than one the age rule keeps is kept too, whatever its clock said.
                foreach (var stream in streams)
                {
                    int last = stream.FindLastIndex(s => s.Time >= olderThan);
                    for (int i = 0; i <= last; i++)
                        if (!keep.ContainsKey(stream[i].Path))
                            keep[stream[i].Path] = stream[i].Time >= olderThan ? $"newer than {UtcTime.Text(olderThan)}" : $"newer (by its log generations) than '{stream[last].Name}', which ended after {UtcTime.Text(olderThan)}";
                }
            }
            var busy = new HashSet<string>(inUse == null ? Enumerable.Empty<string>() : sets.Where(inUse).Select(s => s.Path), StringComparer.Ordinal);
            foreach (var s in complete.Where(s => busy.Contains(s.Path))) keep[s.Path] = InUseReason;
            var byId = complete.Where(s => s.SetId != null).GroupBy(s => s.SetId!.Value).ToDictionary(g => g.Key, g => g.First());
            // A kept incremental needs every set it builds on.
            foreach (var s in complete.Where(s => keep.ContainsKey(s.Path)).ToList())
                KeepAncestors(s.ParentSetId, byId, keep, $"kept set '{s.Name}' builds on it");
            // An unreadable set may build on any set of its source: keep its known ancestors, else every set it could name.
            foreach (var u in sets.Where(s => s.IsUnreadable))
            {
                if (u.Kind == BackupKind.Full && u.ParentSetId == null) continue;
                var why = $"unreadable set '{u.Name}' may build on it";
                if (u.ParentSetId != null && byId.ContainsKey(u.ParentSetId.Value))
                    KeepAncestors(u.ParentSetId, byId, keep, why);
                else
                    foreach (var s in complete.Where(s => u.Source == null || string.Equals(s.Source, u.Source, StringComparison.OrdinalIgnoreCase)))
                        if (!keep.ContainsKey(s.Path)) keep[s.Path] = why;
            }
            var decisions = new List<RetentionDecision>();
            var newestComplete = complete.Count > 0 ? complete.Max(s => s.Time) : (DateTimeOffset?)null;
            foreach (var s in sets)
            {
                if (s.IsComplete)
                {
                    decisions.Add(keep.TryGetValue(s.Path, out var why)
                        ? new RetentionDecision(s, false, why)
                        : new RetentionDecision(s, true, keepLast != null && olderThan != null
                            ? $"not among the newest {keepLast} and older than {UtcTime.Text(olderThan)}"
                            : keepLast != null ? $"not among the newest {keepLast} complete sets" : $"older than {UtcTime.Text(olderThan)}"));
                }
                else if (s.IsUnreadable)
                    decisions.Add(new RetentionDecision(s, false, $"unreadable, so no rule removes it ({s.Reason})"));
                else if (busy.Contains(s.Path))
                    decisions.Add(new RetentionDecision(s, false, $"incomplete and {InUseReason}"));
                else if (includeIncomplete && newestComplete != null && s.Time < newestComplete)
                    decisions.Add(new RetentionDecision(s, true, $"incomplete ({s.Reason}) and older than the newest complete set"));
                else
                    decisions.Add(new RetentionDecision(s, false, includeIncomplete ? "incomplete but not older than the newest complete set (a backup may still be writing it)" : "incomplete (use -IncludeIncomplete to remove)"));
            }
            return decisions;
        }

        /// <summary>
        /// When only <paramref name="named"/> set folders may go: the sets the rule removes among them that a set
        /// staying (not named, or blocked itself) builds on, each with the name of a set that needs it.
        /// </summary>
        public static Dictionary<string, string> NeededByRemaining(IReadOnlyList<RetentionDecision> decisions, ICollection<string> named)
        {
            var going = new HashSet<string>(decisions.Where(d => d.Remove && named.Contains(d.Set.Path)).Select(d => d.Set.Path), StringComparer.Ordinal);
            var sets = decisions.Select(d => d.Set).ToList();
            var byId = sets.Where(s => s.IsComplete && s.SetId != null).GroupBy(s => s.SetId!.Value).ToDictionary(g => g.Key, g => g.First());
            var blocked = new Dictionary<string, string>(StringComparer.Ordinal);
            bool changed = true;
            while (changed)
            {
                changed = false;
                foreach (var staying in sets.Where(s => !going.Contains(s.Path)))
                {
                    var seen = new HashSet<Guid>();
                    for (var p = staying.ParentSetId; p != null && seen.Add(p.Value) && byId.TryGetValue(p.Value, out var parent); p = parent.ParentSetId)
                    {
                        if (!going.Remove(parent.Path)) continue;
                        blocked[parent.Path] = staying.Name;
                        changed = true;
                    }
                }
            }
            return blocked;
        }

        private static void KeepAncestors(Guid? parentId, Dictionary<Guid, BackupSetInfo> byId, Dictionary<string, string> keep, string why)
        {
            var seen = new HashSet<Guid>();
            while (parentId != null && seen.Add(parentId.Value) && byId.TryGetValue(parentId.Value, out var parent))
            {
                if (!keep.ContainsKey(parent.Path)) keep[parent.Path] = why;
                parentId = parent.ParentSetId;
            }
        }

        /// <summary>Complete sets of the same log stream, each list newest first (see the remarks of <see cref="BackupRetention"/>).</summary>
        internal static List<List<BackupSetInfo>> StreamsNewestFirst(IReadOnlyList<BackupSetInfo> complete)
        {
            var byId = complete.Where(s => s.SetId != null).GroupBy(s => s.SetId!.Value).ToDictionary(g => g.Key, g => g.First());
            // The latest end time along a set's chain: a child never sorts before its parent when clocks disagree.
            var chainTime = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var s in complete)
            {
                var t = s.Time;
                var seen = new HashSet<Guid>();
                for (var p = s.ParentSetId; p != null && seen.Add(p.Value) && byId.TryGetValue(p.Value, out var parent); p = parent.ParentSetId)
                    if (parent.Time > t) t = parent.Time;
                chainTime[s.Path] = t;
            }
            return complete
                .GroupBy(StreamKey, StringComparer.Ordinal)
                .Select(g => g
                    .OrderByDescending(s => s.LogGenerationHigh)
                    .ThenByDescending(s => chainTime[s.Path])
                    .ThenByDescending(s => s.ChainPosition)
                    .ThenByDescending(s => s.Name, SetFolderName.Comparer)
                    .ToList())
                .ToList();
        }

        /// <summary>One newest-first order over all streams: each stream's order kept, the latest end time among the heads first.</summary>
        internal static List<BackupSetInfo> MergeNewestFirst(List<List<BackupSetInfo>> streams)
        {
            var next = new int[streams.Count];
            var merged = new List<BackupSetInfo>();
            while (true)
            {
                int pick = -1;
                for (int i = 0; i < streams.Count; i++)
                {
                    if (next[i] >= streams[i].Count) continue;
                    var head = streams[i][next[i]];
                    if (pick < 0) { pick = i; continue; }
                    var best = streams[pick][next[pick]];
                    if (head.Time > best.Time || (head.Time == best.Time && SetFolderName.Comparer.Compare(head.Name, best.Name) > 0)) pick = i;
                }
                if (pick < 0) return merged;
                merged.Add(streams[pick][next[pick]++]);
            }
        }

        /// <summary>Sets of one log stream: the log signature the manifest records, else the source.</summary>
        private static string StreamKey(BackupSetInfo s)
        {
            var signature = s.Set?.Manifest.LogSignature;
            return signature != null
                ? $"signature:{signature.Random:x8}:{signature.CreationTime?.Ticks}"
                : "source:" + (s.Source ?? "").ToUpperInvariant();
        }

        /// <summary>
        /// Deletes one set folder: its manifest first (so a half-deleted set reads as incomplete, never as
        /// a damaged complete one), then the rest. Refuses a folder that is a link, and a set whose lease a
        /// running backup holds (<see cref="BackupSetInUseException"/>); holds the lease itself while deleting,
        /// so no backup starts building on the set meanwhile.
        /// </summary>
        public static void Delete(BackupSetInfo set)
        {
            var path = set.Path.TrimEnd(System.IO.Path.DirectorySeparatorChar);
            if (SetPathSafety.IsLink(path))
                throw new IOException($"Backup set folder '{path}' is a symbolic link or junction; it is not removed.");
            using (var lease = FolderLease.TryAcquire(FolderLease.PathForSet(path), TimeSpan.FromMilliseconds(200)))
            {
                if (lease == null)
                    throw new BackupSetInUseException($"Backup set '{path}' is {InUseReason}; it is not removed.", path);
                var manifest = System.IO.Path.Combine(path, BackupManifest.FileName);
                if (File.Exists(manifest)) File.Delete(manifest);
                Directory.Delete(path, recursive: true);
            }
        }
    }

    /// <summary>A set retention would remove is in use by a running backup (its lease is held); it was left alone.</summary>
    public sealed class BackupSetInUseException : IOException
    {
        public BackupSetInUseException(string message, string path) : base(message) => Path = path;

        public string Path { get; }
    }
}
