using System;
using System.Collections.Generic;
using System.Globalization;
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

        /// <summary>When the backup ended (complete sets) or started, from the folder name (incomplete ones).</summary>
        public DateTime Time { get; set; }
        public DateTime? StartTime { get; set; }
        public DateTime? EndTime { get; set; }
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

        /// <summary>Why an incomplete set is incomplete.</summary>
        public string? Reason { get; set; }

        public BackupSet? Set { get; set; }

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
                    return new[] { new BackupSetInfo { Name = name, Path = full.TrimEnd(System.IO.Path.DirectorySeparatorChar), IsComplete = false, Time = Directory.GetLastWriteTimeUtc(full), Reason = ex.Message } };
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
                    foreach (var f in new DirectoryInfo(i.Path).EnumerateFiles("*", SearchOption.AllDirectories)) { size += f.Length; count++; }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { }
                list.Add(new BackupSetInfo
                {
                    Name = name,
                    Path = i.Path,
                    Kind = name.EndsWith("-full", StringComparison.Ordinal) ? BackupKind.Full : name.EndsWith("-incr", StringComparison.Ordinal) ? BackupKind.Incremental : (BackupKind?)null,
                    IsComplete = false,
                    Time = TimeFromName(name) ?? Directory.GetLastWriteTimeUtc(i.Path),
                    SizeBytes = size,
                    FileCount = count,
                    Reason = i.Reason,
                });
            }
            return list.OrderByDescending(i => i.Time).ThenByDescending(i => i.Name, StringComparer.Ordinal).ToList();
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

        /// <summary>The UTC start time a set folder's name carries (yyyyMMdd-HHmmss).</summary>
        public static DateTime? TimeFromName(string name) =>
            name.Length >= 15 && DateTime.TryParseExact(name.Substring(0, 15), "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTime?)null;

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
    /// when asked. A set in use (being written, or built on by a backup being written: its lease is held)
    /// is always kept, and so is every set it builds on.
    /// </summary>
    public static class BackupRetention
    {
        public const string InUseReason = "in use by a running backup (its lease is held)";

        /// <summary>True when a live process holds the lease of the set (a stale lease of a killed process does not count).</summary>
        public static bool IsInUse(BackupSetInfo set) => FolderLease.IsHeld(FolderLease.PathForSet(set.Path));

        public static IReadOnlyList<RetentionDecision> Plan(IReadOnlyList<BackupSetInfo> sets, int? keepLast, DateTime? olderThan, bool includeIncomplete,
            Func<BackupSetInfo, bool>? inUse = null)
        {
            if (keepLast == null && olderThan == null)
                throw new ArgumentException("Name a retention rule: how many sets to keep (keepLast) and/or the age beyond which sets go (olderThan).");
            if (keepLast < 0) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "The number of sets to keep cannot be negative.");
            var complete = sets.Where(s => s.IsComplete).OrderByDescending(s => s.Time).ToList();
            var keep = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < complete.Count; i++)
            {
                var s = complete[i];
                if (keepLast != null && i < keepLast) keep[s.Path] = $"one of the newest {keepLast} complete sets";
                else if (olderThan != null && s.Time >= olderThan) keep[s.Path] = $"newer than {olderThan:u}";
            }
            var busy = new HashSet<string>(inUse == null ? Enumerable.Empty<string>() : sets.Where(inUse).Select(s => s.Path), StringComparer.Ordinal);
            foreach (var s in complete.Where(s => busy.Contains(s.Path))) keep[s.Path] = InUseReason;
            // A kept incremental needs every set it builds on.
            var byId = complete.Where(s => s.SetId != null).ToDictionary(s => s.SetId!.Value);
            foreach (var s in complete.Where(s => keep.ContainsKey(s.Path)).ToList())
            {
                var current = s;
                var seen = new HashSet<Guid>();
                while (current.ParentSetId != null && seen.Add(current.ParentSetId.Value) && byId.TryGetValue(current.ParentSetId.Value, out var parent))
                {
                    if (!keep.ContainsKey(parent.Path)) keep[parent.Path] = $"kept set '{s.Name}' builds on it";
                    current = parent;
                }
            }
            var decisions = new List<RetentionDecision>();
            var newestComplete = complete.Count > 0 ? complete[0].Time : (DateTime?)null;
            foreach (var s in sets)
            {
                if (s.IsComplete)
                {
                    decisions.Add(keep.TryGetValue(s.Path, out var why)
                        ? new RetentionDecision(s, false, why)
                        : new RetentionDecision(s, true, keepLast != null && olderThan != null
                            ? $"not among the newest {keepLast} and older than {olderThan:u}"
                            : keepLast != null ? $"not among the newest {keepLast} complete sets" : $"older than {olderThan:u}"));
                }
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
