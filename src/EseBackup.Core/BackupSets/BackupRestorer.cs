using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>One file a restore writes: where it comes from and where it goes.</summary>
    public sealed class RestoreFile
    {
        internal RestoreFile(BackupSet set, BackupSetFile file, string relativeTarget, string target)
        {
            Set = set;
            File = file;
            RelativeTarget = relativeTarget;
            Target = target;
        }

        public BackupSet Set { get; }
        public BackupSetFile File { get; }
        public BackupFileRole Role => File.Role;
        public long? Generation => File.Generation;
        public long Size => File.Size;
        public string Source => File.FullPath;
        public string RelativeTarget { get; }
        public string Target { get; }
        public override string ToString() => $"{File.Name} -> {Target}";
    }

    /// <summary>
    /// What a restore will do, checked before anything is written: the chain (full + incrementals up to
    /// the set named, or up to a log generation), one copy of each log generation (the newest set's),
    /// contiguous, of the chain's log stream, every source file inside its set, no link, the size its
    /// manifest says; every target inside the destination.
    /// </summary>
    public sealed class RestorePlan
    {
        private RestorePlan(BackupChain chain, string destination, List<RestoreFile> files, long low, long high, string? baseName)
        {
            Chain = chain;
            Destination = destination;
            Files = files;
            LogGenerationLow = low;
            LogGenerationHigh = high;
            LogBaseName = baseName;
        }

        public BackupChain Chain { get; }
        public string Destination { get; }
        public IReadOnlyList<RestoreFile> Files { get; }
        public long LogGenerationLow { get; }
        public long LogGenerationHigh { get; }
        public string? LogBaseName { get; }
        public long TotalBytes => Files.Sum(f => f.Size);

        /// <summary>Targets that already exist in the destination (a restore without force refuses them).</summary>
        public IReadOnlyList<string> ExistingTargets => Files.Select(f => f.Target).Concat(new[] { Path.Combine(Destination, BackupRestorer.ReportFileName) })
            .Where(t => ModuleFileNames.KindOf(t) != EntryKind.None).ToList();

        /// <summary>
        /// ESE files already in the destination that the restore does not write (other logs, a checkpoint, other
        /// databases): recovery reads every log of the base name there, so they can confuse it.
        /// </summary>
        public IReadOnlyList<string> OtherEseFilesInDestination
        {
            get
            {
                if (!Directory.Exists(Destination)) return Array.Empty<string>();
                var targets = new HashSet<string>(Files.Select(f => f.Target), StringComparer.OrdinalIgnoreCase);
                return Directory.EnumerateFiles(Destination)
                    .Where(f => !targets.Contains(f))
                    .Where(f => LogFileName.TryParse(f, out _) || LogFileName.IsCheckpointName(Path.GetFileName(f)) ||
                                string.Equals(Path.GetExtension(f), ".edb", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.OrdinalIgnoreCase)
                    .ToList();
            }
        }

        /// <summary>Plans restoring <paramref name="setFolder"/> (and the sets it builds on) into <paramref name="destination"/>.</summary>
        /// <param name="setFolder">A set folder, or a set's URL (read through the store registered for URLs with <paramref name="credentials"/>).</param>
        public static RestorePlan Create(string setFolder, string destination, long? toGeneration = null, BackupStoreCredentials? credentials = null)
        {
            var store = BackupStores.OpenForSet(setFolder, credentials, out var setName);
            var setPath = store.LocationOf(setName);
            var manifestPath = store.LocationOf(setName, BackupManifest.FileName);
            BackupSet set;
            try { set = BackupSet.Open(store, setName); }
            catch (FileNotFoundException)
            {
                bool holdsSets = BackupSetCatalog.Scan(BackupStores.Open(setFolder, credentials)).Sets.Count > 0;
                throw new BackupSetException(new BackupSetProblem(BackupProblemKind.MissingManifest, setPath, manifestPath,
                    holdsSets
                        ? $"'{setPath}' is a folder of backup sets, not one set: name the set to restore (Get-EseBackupSet -Path '{setPath}' lists them)."
                        : $"'{setPath}' has no {BackupManifest.FileName}: it is not a complete backup set and cannot be restored."));
            }
            catch (InvalidDataException ex)
            {
                throw new BackupSetException(new BackupSetProblem(BackupProblemKind.BadManifest, setPath, manifestPath, ex.Message), ex);
            }
            return Create(set, destination, toGeneration);
        }

        /// <summary>Plans restoring <paramref name="set"/> (and the sets it builds on, from its store) into <paramref name="destination"/>.</summary>
        public static RestorePlan Create(BackupSet set, string destination, long? toGeneration = null)
        {
            var chain = BackupChain.Resolve(set);
            var dest = Path.GetFullPath(destination);

            var full = chain.Full;
            var chainLow = chain.Sets.Where(s => s.Files.Any(f => f.Role == BackupFileRole.Log)).Select(s => s.LogGenerationLow).DefaultIfEmpty(0).Min();
            var chainHigh = chain.Sets.Select(s => s.LogGenerationHigh).DefaultIfEmpty(0).Max();
            if (toGeneration != null && (toGeneration < chainLow || toGeneration > chainHigh))
                throw new ArgumentOutOfRangeException(nameof(toGeneration), toGeneration,
                    chainHigh == 0
                        ? $"Backup set '{set.Path}' and its chain hold no logs: there is no generation to stop at."
                        : $"Generation {toGeneration} is outside the log generations {chainLow}-{chainHigh} of the chain ending at '{set.Path}'.");

            var files = new List<RestoreFile>();
            foreach (var db in full.Files.Where(f => f.Role == BackupFileRole.Database))
                files.Add(Target(full, db, dest));

            // One copy per generation: a later set's copy wins (an incremental takes its parent's newest log
            // again, finished, under its archived name).
            var byGeneration = new SortedDictionary<long, (BackupSet Set, BackupSetFile File)>();
            foreach (var s in chain.Sets)
            {
                if (toGeneration != null && s.Kind == BackupKind.Incremental && s.LogGenerationLow > toGeneration) break;
                foreach (var log in s.Files.Where(f => f.Role == BackupFileRole.Log))
                {
                    if (toGeneration != null && log.Generation > toGeneration) continue;
                    byGeneration[log.Generation!.Value] = (s, log);
                }
            }
            long low = byGeneration.Count == 0 ? 0 : byGeneration.Keys.First();
            long high = byGeneration.Count == 0 ? 0 : byGeneration.Keys.Last();
            long expected = low;
            foreach (var g in byGeneration.Keys)
            {
                if (g != expected)
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.LogGap, set.Path, null,
                        $"The chain ending at '{set.Path}' holds no log of generation {expected}{(g - 1 > expected ? "-" + (g - 1) : "")} (it has {low}-{high} otherwise): recovery could not replay past it.",
                        generation: expected));
                expected = g + 1;
            }
            var signature = full.Manifest.LogSignature;
            foreach (var pair in byGeneration)
            {
                var ls = pair.Value.Set.Manifest.LogSignature;
                if (signature != null && ls != null && !signature.SameAs(ls))
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.ForeignLog, set.Path, pair.Value.File.FullPath,
                        $"Log '{pair.Value.File.FullPath}' (generation {pair.Key}) belongs to another log stream than the full set '{full.Path}'.", generation: pair.Key));
                files.Add(Target(pair.Value.Set, pair.Value.File, dest));
            }

            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in files)
            {
                if (!names.Add(f.RelativeTarget))
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.BadManifest, f.Set.Path, f.Source,
                        $"Two files of the chain ending at '{set.Path}' would be restored as '{f.RelativeTarget}'."));
                var problem = BackupSetVerifier.CheckFileOnDisk(f.Set, f.File);
                if (problem != null) throw new BackupSetException(problem);
            }
            CheckRequiredLogs(full, files, high);
            var baseName = chain.Sets.Select(s => s.Manifest.LogBaseName).LastOrDefault(n => !string.IsNullOrEmpty(n));
            return new RestorePlan(chain, dest, files, low, high, baseName);
        }

        /// <summary>A database copied while dirty needs the logs its header names; stopping before them cannot work.</summary>
        private static void CheckRequiredLogs(BackupSet full, List<RestoreFile> files, long high)
        {
            foreach (var db in files.Where(f => f.Role == BackupFileRole.Database))
            {
                DatabaseHeader header;
                try
                {
                    var input = BackupSetVerifier.OpenChecked(db.Set, db.File, out var problem) ?? throw new BackupSetException(problem!);
                    using (input) header = DatabaseHeader.Read(FileHead.Read(input), db.Source);
                }
                catch (EseFormatException ex)
                {
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.BadDatabaseHeader, full.Path, db.Source, ex.Message, ex.PageNumber), ex);
                }
                if (header.State == DatabaseState.DirtyShutdown && header.RequiredLogHigh > 0 && high < header.RequiredLogHigh)
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.LogGap, full.Path, db.Source,
                        $"Database '{db.Source}' needs log generations {header.RequiredLogLow}-{header.RequiredLogHigh} to become consistent, but the restore would end at generation {high}.",
                        generation: high + 1));
            }
        }

        private static RestoreFile Target(BackupSet set, BackupSetFile file, string dest) =>
            new RestoreFile(set, file, file.Name, BackupManifest.ResolveInside(dest, file.Name));
    }

    /// <summary>What a restore wrote and what to run next.</summary>
    public sealed class RestoreResult
    {
        public string Destination { get; set; } = "";
        public string SetPath { get; set; } = "";
        public TextList ChainSets { get; set; } = new TextList();
        public TextList Databases { get; set; } = new TextList();
        public TextList Logs { get; set; } = new TextList();
        public string? LogBaseName { get; set; }
        public long LogGenerationLow { get; set; }
        public long LogGenerationHigh { get; set; }
        public long BytesRestored { get; set; }
        public long PagesVerified { get; set; }
        /// <summary>UTC (<see cref="UtcTime"/>).</summary>
        public DateTimeOffset RestoredAt { get; set; }
        public TimeSpan Duration { get; set; }
        public string ReportPath { get; set; } = "";

        /// <summary>Null, or why restore.json is missing although every file was restored and verified.</summary>
        public string? ReportProblem { get; set; }

        /// <summary>What replays the restored logs into the databases.</summary>
        public string NextStep { get; set; } = "";
        public bool Recovered { get; set; }
    }

    /// <summary>Where a restore stands.</summary>
    public sealed class RestoreProgress
    {
        public RestoreProgress(string currentFile, long bytesDone, long bytesTotal)
        {
            CurrentFile = currentFile;
            BytesDone = bytesDone;
            BytesTotal = bytesTotal;
        }

        public string CurrentFile { get; }
        public long BytesDone { get; }
        public long BytesTotal { get; }
        public int PercentComplete => BytesTotal > 0 ? (int)Math.Min(100, BytesDone * 100 / BytesTotal) : 0;
    }

    /// <summary>
    /// Restores a planned chain into its destination: each file copied under a temporary name while it is
    /// verified as Test-EseBackup verifies it (<see cref="SetFileVerification"/>: hash, pages, log segments, then
    /// the log stream and chain across the files); any problem or failure removes every temporary
    /// file and stops, naming file and page. Only when all files are good, and restore.json is written under
    /// its temporary name, are they renamed to their final names. The restore holds the destination's lease
    /// throughout (a second restore into it is refused); every file it makes is created new (never through a
    /// link, never over an existing entry), and only a regular file is ever replaced, and only when forced.
    /// On any failure the destination is left as it was.
    /// </summary>
    public static class BackupRestorer
    {
        public const string TempSuffix = ".restoring";
        public const string ReportFileName = "restore.json";

        public static RestoreResult Restore(RestorePlan plan, bool force = false, Action<RestoreProgress>? onProgress = null, CancellationToken cancellation = default)
        {
            var clock = Stopwatch.StartNew();
            var dest = plan.Destination;
            if (File.Exists(dest))
                throw new IOException($"The restore destination '{dest}' is a file, not a folder.");
            if (SetPathSafety.IsLink(dest.TrimEnd(Path.DirectorySeparatorChar)) && !Directory.Exists(dest))
                throw new IOException($"The restore destination '{dest}' is a dangling link.");
            foreach (var f in plan.Files)
            {
                var link = SetPathSafety.FirstLinkBelow(dest, Path.GetDirectoryName(f.Target)!);
                if (link != null)
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.UnsafePath, f.Set.Path, f.Target,
                        $"The restore target folder '{link}' is a symbolic link or junction: nothing is restored through links."));
                if (Directory.Exists(f.Target) && !SetPathSafety.IsLink(f.Target))
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.DestinationExists, f.Set.Path, f.Target,
                        $"'{f.Target}' is a folder; a restored file cannot replace it."));
            }
            // A restore running there has temporary files in it: say that it runs, not that they are leftovers.
            if (FolderLease.IsHeld(Path.Combine(dest, FolderLease.RestoreLeaseName))) throw DestinationInUse(plan);
            CheckDestination(plan, force, removeLeftovers: false);

            var createdFolders = new List<string>();
            var temps = new List<string>();
            var verified = new List<VerifiedFile>();
            var placed = new List<string>();
            FolderLease? lease = null;
            long total = plan.TotalBytes;
            long done = 0;
            long pages = 0;
            try
            {
                lease = AcquireDestination(plan, createdFolders);
                // Under the lease no other restore writes here: what is in the destination now is what the user left.
                CheckDestination(plan, force, removeLeftovers: true);
                foreach (var f in plan.Files)
                {
                    cancellation.ThrowIfCancellationRequested();
                    CreateFolder(Path.GetDirectoryName(f.Target)!, createdFolders);
                    var temp = f.Target + TempSuffix;
                    // A database read through the engine keeps its trailer page: the header of such a copy has
                    // no end generation, and the engine's restore and recovery read it from the last page
                    // (ErrLGCheckDBFiles, ErrDBUpdateHeaderFromTrailer), then zero it (ErrDBTryToZeroDBTrailer).
                    // Stripping it would make them refuse the database (JET_errBadPatchPage).
                    VerifiedFile? checkedFile;
                    using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan))
                    {
                        temps.Add(temp); // created new, so ours to remove
                        long before = done;
                        // The same checks as Test-EseBackup, in the pass that copies: what it flags, a restore refuses.
                        checkedFile = SetFileVerification.Verify(f.Set, f.File, quick: false, output, Refuse,
                            bytes => onProgress?.Invoke(new RestoreProgress(f.Source, before + bytes, total)),
                            cancellation);
                        output.Flush(true);
                    }
                    verified.Add(checkedFile!);
                    done += checkedFile!.Streamed!.Bytes;
                    pages += checkedFile.Streamed.PagesChecked;
                }
                // Across the files: every log of the full set's stream and its databases', adjacent generations linked.
                SetFileVerification.CheckLogs(plan.Chain.Last.Path, verified, plan.Chain.Full.Manifest.LogSignature, Refuse);

                var result = new RestoreResult
                {
                    Destination = dest,
                    SetPath = plan.Chain.Last.Path,
                    ChainSets = new TextList(plan.Chain.Sets.Select(s => s.Path)),
                    Databases = new TextList(plan.Files.Where(f => f.Role == BackupFileRole.Database).Select(f => f.Target)),
                    Logs = new TextList(plan.Files.Where(f => f.Role == BackupFileRole.Log).Select(f => f.Target)),
                    LogBaseName = plan.LogBaseName,
                    LogGenerationLow = plan.LogGenerationLow,
                    LogGenerationHigh = plan.LogGenerationHigh,
                    BytesRestored = done,
                    PagesVerified = pages,
                    RestoredAt = DateTimeOffset.UtcNow,
                    ReportPath = Path.Combine(dest, ReportFileName),
                };
                result.NextStep = NextStep(result);
                result.Duration = clock.Elapsed;

                // The report is written before anything takes its final name: a full disk fails here, with the destination as it was.
                var reportTemp = result.ReportPath + ModuleFileNames.TempSuffix;
                try { ModuleFileNames.WriteNew(reportTemp, ReportJson(result)); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new IOException($"Cannot write the restore report '{reportTemp}' (is the destination full?): {ex.Message} Nothing was restored; the destination is as it was.", ex);
                }
                temps.Add(reportTemp);

                // Every file is good: only now do they take their real names. A rename needs no space.
                foreach (var f in plan.Files)
                {
                    var temp = f.Target + TempSuffix;
                    bool replacing = ModuleFileNames.KindOf(f.Target) != EntryKind.None;
                    ModuleFileNames.MoveIntoPlace(temp, f.Target, force);
                    temps.Remove(temp);
                    if (!replacing) placed.Add(f.Target);
                }
                try
                {
                    ModuleFileNames.MoveIntoPlace(reportTemp, result.ReportPath, force);
                    temps.Remove(reportTemp);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Every restored file is in place and verified: the restore stands, and says what is missing.
                    result.ReportProblem = $"Every file was restored and verified, but the report '{result.ReportPath}' could not be put in place: {ex.Message}";
                    result.ReportPath = "";
                    TryDelete(reportTemp);
                    temps.Remove(reportTemp);
                }
                lease.Dispose();
                return result;
            }
            catch
            {
                // Back to what the destination was: our temporary files and the files we renamed into free names go
                // (a forced replacement cannot be undone), then our lease, then the folders we made if they are empty.
                foreach (var t in temps.Concat(placed)) TryDelete(t);
                lease?.Dispose();
                for (int i = createdFolders.Count - 1; i >= 0; i--)
                {
                    try { if (!Directory.EnumerateFileSystemEntries(createdFolders[i]).Any()) Directory.Delete(createdFolders[i]); }
                    catch (Exception) { /* best effort */ }
                }
                throw;
            }
        }

        /// <summary>Takes the destination's lease, refusing a destination another restore is writing into.</summary>
        private static FolderLease AcquireDestination(RestorePlan plan, List<string> createdFolders)
        {
            var leasePath = Path.Combine(plan.Destination, FolderLease.RestoreLeaseName);
            for (int attempt = 0; ; attempt++)
            {
                CreateFolder(plan.Destination, createdFolders);
                try
                {
                    // No waiting: a restore holds the lease for its whole run, and no one only probes a destination's lease.
                    return FolderLease.TryAcquire(leasePath) ?? throw DestinationInUse(plan);
                }
                catch (DirectoryNotFoundException) when (attempt < 3)
                {
                    // A refused restore removed the folder it had made, just as we made it too: make it again.
                }
                catch (IOException ex) when (!(ex is DirectoryNotFoundException))
                {
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.UnsafePath, plan.Chain.Last.Path, leasePath, ex.Message), ex);
                }
            }
        }

        private static BackupSetException DestinationInUse(RestorePlan plan) =>
            new BackupSetException(new BackupSetProblem(BackupProblemKind.DestinationInUse, plan.Chain.Last.Path, plan.Destination,
                $"Another restore is writing into '{plan.Destination}' (it holds '{Path.Combine(plan.Destination, FolderLease.RestoreLeaseName)}'); nothing was restored. Wait for it to finish or choose another destination."));

        /// <summary>
        /// Refuses a destination whose entries the restore would have to replace: a database, log or report of the
        /// same name (unless forced, and then only a regular file), anything at a temporary name (a leftover of an
        /// interrupted restore is removed only when forced, and only when it is a regular file), links, folders.
        /// </summary>
        private static void CheckDestination(RestorePlan plan, bool force, bool removeLeftovers)
        {
            var dest = plan.Destination;
            var report = Path.Combine(dest, ReportFileName);
            var finals = plan.Files.Select(f => f.Target).Concat(new[] { report }).ToList();
            var temporaries = plan.Files.Select(f => f.Target + TempSuffix).Concat(new[] { report + ModuleFileNames.TempSuffix }).ToList();
            var existing = new List<string>();
            foreach (var path in finals.Concat(temporaries))
            {
                var kind = ModuleFileNames.KindOf(path);
                if (kind == EntryKind.None) continue;
                if (kind != EntryKind.File)
                    throw new BackupSetException(new BackupSetProblem(kind == EntryKind.Link ? BackupProblemKind.UnsafePath : BackupProblemKind.DestinationExists, plan.Chain.Last.Path, path,
                        kind == EntryKind.Link
                            ? $"'{path}' is a symbolic link or junction; a restore never writes through or replaces a link. Nothing was restored."
                            : $"'{path}' is a folder; a restored file cannot replace it. Nothing was restored."));
                existing.Add(path);
            }
            if (existing.Count > 0 && !force)
            {
                bool leftovers = existing.All(temporaries.Contains);
                throw new BackupSetException(new BackupSetProblem(BackupProblemKind.DestinationExists, plan.Chain.Last.Path, existing[0],
                    $"The destination '{dest}' already holds {string.Join(", ", existing.Select(Path.GetFileName))}" +
                    (leftovers ? " (left by an interrupted restore?)" : "") +
                    $"; nothing was restored. Use -Force to replace {(existing.Count == 1 ? "it" : "them")}."));
            }
            if (removeLeftovers)
                foreach (var path in existing.Where(temporaries.Contains)) File.Delete(path);
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception) { /* best effort; the first failure is propagating */ }
        }

        /// <summary>A problem the verification found stops the restore before anything takes its real name.</summary>
        private static void Refuse(BackupSetProblem p) =>
            throw new BackupSetException(new BackupSetProblem(p.Kind, p.SetPath, p.File, $"Restore stopped: {p.Message} Nothing was restored.", p.PageNumber, p.Generation, p.Sector));

        /// <summary>The command that replays the restored logs into the restored databases.</summary>
        public static string NextStep(RestoreResult r)
        {
            if (r.Logs.Count == 0)
                return "No logs were restored: the databases are as they were backed up (check their state with Get-EseDatabaseInfo; a clean-shutdown database can be attached as it is).";
            var quoted = r.Destination.IndexOf(' ') >= 0 ? $"\"{r.Destination}\"" : r.Destination;
            return $"On Windows, replay the logs into the databases: eseutil /r {r.LogBaseName ?? "edb"} /l {quoted} /s {quoted} /d {quoted}";
        }

        private static string ReportJson(RestoreResult result) => JsonSerializer.Serialize(result, BackupManifest.JsonOptions);

        /// <summary>Rewrites the report a restore wrote (after recovery): a new temporary file, then the rename over it.</summary>
        internal static void WriteReport(RestoreResult result)
        {
            if (string.IsNullOrEmpty(result.ReportPath)) return;
            var temp = result.ReportPath + ModuleFileNames.TempSuffix;
            ModuleFileNames.WriteNew(temp, ReportJson(result));
            ModuleFileNames.MoveIntoPlace(temp, result.ReportPath, replace: true);
        }

        private static void CreateFolder(string folder, List<string> created)
        {
            var missing = new Stack<string>();
            for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f)!)
                missing.Push(f);
            while (missing.Count > 0)
            {
                var f = missing.Pop();
                Directory.CreateDirectory(f);
                created.Add(f);
            }
        }
    }
}

namespace EseBackup.Core.BackupSets
{
    /// <summary>Replaying restored logs through the engine (Windows only).</summary>
    public static class RestoreRecovery
    {
        public const string NotSupportedMessage =
            "Recovering a restore (-Recover) replays the logs through the ESE engine and requires Windows (esent.dll), which this platform does not have. " +
            "Restore without -Recover and replay the logs on Windows (eseutil /r).";

        public static bool IsAvailable => Interop.EsentPlatform.IsAvailable;

        /// <summary>Throws <see cref="PlatformNotSupportedException"/> before anything is written when the engine is not there.</summary>
        public static void EnsureAvailable()
        {
            if (!IsAvailable) throw new PlatformNotSupportedException(NotSupportedMessage);
        }

        /// <summary>Hard recovery of the restored databases from the restored logs, in place (JetExternalRestore2).</summary>
        public static void Recover(RestorePlan plan, RestoreResult result)
        {
            EnsureAvailable();
            var map = plan.Files.Where(f => f.Role == BackupFileRole.Database)
                .Select(f => new KeyValuePair<string, string>(f.File.Entry.SourcePath ?? f.Target, f.Target)).ToList();
            var logs = new LogInfo(result.Logs, result.LogGenerationLow, result.LogGenerationHigh, result.LogBaseName ?? "edb");
            // As the engine tests do: the restored logs are the backup log folder; the recovered instance gets its own
            // log and system folders, so its new logs never mix with the backed-up generations.
            var logFolder = Path.Combine(result.Destination, "logs");
            var systemFolder = Path.Combine(result.Destination, "system");
            Sources.EseEngineRestore.RecoverFromExternalBackup(result.Destination, logs, map, logFolder, systemFolder);
            result.Recovered = true;
            result.NextStep = $"The databases were recovered (logs replayed); open them with the log folder '{logFolder}' and system folder '{systemFolder}' (Open-EseInstance).";
            BackupRestorer.WriteReport(result);
        }
    }
}
