using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Sources
{
    /// <summary>
    /// The JET external backup protocol over a database folder no engine holds open: a stopped service, or a
    /// VSS/LVM/ZFS snapshot. Attach info is the databases given (or found in the folder); log info is the
    /// generations the databases need, through the newest generation present; every database page is
    /// checksum-verified as it is read; log truncation is refused, because a snapshot is not the live folder.
    /// </summary>
    /// <remarks>
    /// Log generations come from the log headers, not the file names: a real folder need not be
    /// self-consistent (appdata-folder/edb has edb.log at generation 1 beside edb0000D.log at 13).
    /// A full backup takes every generation from the oldest one a database requires through the newest
    /// present and fails with JET_errMissingLogFile naming any gap. When the databases require no log
    /// (clean shutdown), it takes the unbroken run of generations that ends with the newest one, so an
    /// incremental can continue from it; older, disconnected logs are left out and named in <see cref="Notes"/>.
    /// </remarks>
    public sealed class SnapshotSource : IBackupSource
    {
        private readonly List<string> _notes = new List<string>();
        private readonly List<string> _warnings = new List<string>();
        /// <summary>The last log read whole and verified: the next generation's header must link to it.</summary>
        private LogFileCheck? _lastLogRead;
        private readonly Dictionary<BackupFileHandle, OpenFileState> _open = new Dictionary<BackupFileHandle, OpenFileState>();
        private List<DatabaseFacts> _databases = new List<DatabaseFacts>();
        private LogInfo? _logInfo;
        private BackupKind _kind;
        private bool _inProgress;
        private bool _disposed;

        /// <summary>A database folder (every database in it) or one database file (its folder holds the logs).</summary>
        public SnapshotSource(string path)
            : this(ResolveDatabases(path, out var logFolder), logFolder)
        {
        }

        /// <summary>Named database files; the logs are in <paramref name="logFolder"/> (default: the first database's folder).</summary>
        public SnapshotSource(IEnumerable<string> databasePaths, string? logFolder = null)
        {
            if (databasePaths == null) throw new ArgumentNullException(nameof(databasePaths));
            DatabasePaths = databasePaths.Select(p => Path.GetFullPath(p)).Distinct(StringComparer.Ordinal).ToList();
            if (DatabasePaths.Count == 0) throw new ArgumentException("No database to back up was named.", nameof(databasePaths));
            foreach (var db in DatabasePaths)
            {
                if (!File.Exists(db))
                    throw new JetException(JetError.JET_errFileNotFound, $"The database '{db}' does not exist.", db);
                RefuseIfSpecial(db);
            }
            LogFolder = Path.GetFullPath(logFolder ?? Path.GetDirectoryName(DatabasePaths[0])!)
                .TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (!Directory.Exists(LogFolder))
                throw new JetException(JetError.JET_errInvalidPath, $"The log folder '{LogFolder}' does not exist.", LogFolder);
            foreach (var entry in Directory.EnumerateFiles(LogFolder))
                if (HasEseFileName(entry)) RefuseIfSpecial(entry);
        }

        /// <summary>A FIFO, device or socket where a database, log or checkpoint belongs: refused by name, never opened (a FIFO would block the read forever).</summary>
        private static void RefuseIfSpecial(string path)
        {
            var kind = RegularFile.KindOf(path);
            if (RegularFile.IsSpecial(kind))
                throw new JetException(JetError.JET_errInvalidPath,
                    $"'{path}' is {RegularFile.Describe(kind)}, not a regular file: a snapshot folder holds only regular files. It was not opened and nothing was backed up.", path);
        }

        /// <summary>Names a snapshot's reader could open: logs (edb*.log, *.jrs, ...), the checkpoint and databases.</summary>
        private static bool HasEseFileName(string path) =>
            LogFileName.TryParse(path, out _) ||
            path.EndsWith(".edb", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".chk", StringComparison.OrdinalIgnoreCase);

        /// <summary>The log folder: what identifies this source (two backups of one folder cannot run at once).</summary>
        public string Description => LogFolder;

        /// <summary>What a table cell or an Export-Csv row of a session shows for its source.</summary>
        public override string ToString() => Description;

        public string LogFolder { get; }

        public IReadOnlyList<string> DatabasePaths { get; }

        /// <summary>A snapshot is not the live log folder: truncating it would free nothing and lose history.</summary>
        public bool CanTruncateLogs => false;

        /// <summary>
        /// For an incremental: the generation to start from (the newest generation of the set it builds on).
        /// When null, the databases' own last-backup record (header) is used.
        /// </summary>
        public long? IncrementalBaseGeneration { get; set; }

        /// <summary>What the log planning left out and why (empty logs, disconnected generations); warnings included.</summary>
        public IReadOnlyList<string> Notes => _notes;

        /// <summary>
        /// Logs left out because they are damaged, truncated or of another log stream: what a user must be told
        /// (they are in <see cref="Notes"/> too). A needed log in that state fails the backup instead.
        /// </summary>
        public IReadOnlyList<string> Warnings => _warnings;

        /// <summary>Files the backup will read (databases for a full backup, then logs) and their total size, after <see cref="BeginBackup"/>.</summary>
        public int PlannedFileCount => (_kind == BackupKind.Full ? _databases.Count : 0) + (_logInfo?.Files.Count ?? 0);

        public long PlannedBytes =>
            (_kind == BackupKind.Full ? _databases.Sum(d => SizeOf(d.Path)) : 0) + (_logInfo?.Files.Sum(SizeOf) ?? 0);

        private static long SizeOf(string path)
        {
            try { return new FileInfo(path).Length; } catch (IOException) { return 0; }
        }

        /// <summary>The log signature of the stream being backed up (newest log, else the database header), after <see cref="BeginBackup"/>.</summary>
        public EseSignature? LogSignature { get; private set; }

        /// <summary>
        /// Reads the log signature of the databases' log stream without starting a backup (the first database's
        /// header, else the newest log): what identifies the chain an incremental continues.
        /// </summary>
        public EseSignature? ReadLogSignature()
        {
            var header = DatabaseHeader.Read(DatabasePaths[0]);
            if (!header.LogSignature.IsEmpty) return header.LogSignature;
            var newest = LogSequence.Scan(LogFolder).Logs.LastOrDefault(l => !l.LogSignature.IsEmpty);
            return newest?.LogSignature;
        }

        /// <summary>Page size of the first database (after <see cref="BeginBackup"/>).</summary>
        public int PageSize => _databases.Count > 0 ? _databases[0].PageSize : 0;

        public void BeginBackup(BackupKind kind)
        {
            ThrowIfDisposed();
            if (_inProgress)
                throw new JetException(JetError.JET_errBackupInProgress, $"A backup of '{LogFolder}' is already in progress on this source.", LogFolder);
            _notes.Clear();
            _warnings.Clear();
            _lastLogRead = null;
            var databases = DatabasePaths.Select(SnapshotFacts.ReadDatabase).ToList();
            var logs = PlanLogs(kind, databases);
            _databases = databases;
            _logInfo = logs;
            _kind = kind;
            _inProgress = true;
        }

        public IReadOnlyList<string> GetAttachInfo()
        {
            RequireInProgress();
            if (_kind != BackupKind.Full)
                throw new JetException(JetError.JET_errInvalidBackupSequence, "Attach info is only given in a full backup.");
            return _databases.Select(d => d.Path).ToList();
        }

        public BackupFileHandle OpenFile(string path)
        {
            RequireInProgress();
            var db = _databases.FirstOrDefault(d => string.Equals(d.Path, path, StringComparison.Ordinal));
            var isLog = _logInfo!.Files.Contains(path, StringComparer.Ordinal);
            if (db == null && !isLog)
                throw new JetException(JetError.JET_errInvalidParameter, $"'{path}' is not a file of this backup.", path);
            FileStream stream;
            try
            {
                stream = RegularFile.OpenRead(path, FileShare.Read, 1, FileOptions.SequentialScan);
            }
            catch (NotRegularFileException ex)
            {
                throw new JetException(JetError.JET_errInvalidPath, ex.Message, path, null, ex);
            }
            catch (FileNotFoundException ex)
            {
                throw new JetException(isLog ? JetError.JET_errMissingLogFile : JetError.JET_errFileNotFound, $"'{path}' disappeared from the snapshot.", path, null, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new JetException(JetError.JET_errFileAccessDenied, $"Cannot read '{path}': access denied.", path, null, ex);
            }
            catch (IOException ex)
            {
                // Typically a sharing violation: an engine still has the folder open. Back up a snapshot instead.
                throw new JetException(JetError.JET_errFileAccessDenied,
                    $"Cannot open '{path}' for reading ({ex.Message}). If an ESE engine still has it open, stop the service or back up a volume snapshot.", path, null, ex);
            }
            long length = stream.Length;
            if (db != null && length % db.PageSize != 0)
            {
                stream.Dispose();
                long lastPage = length / db.PageSize - 1;
                throw new JetException(JetError.JET_errReadVerifyFailure,
                    $"'{path}' is {length} bytes, not a whole number of {db.PageSize}-byte pages: the last page (page {lastPage}, file offset {(lastPage + 1) * db.PageSize}) is truncated.", path, lastPage);
            }
            var handle = new BackupFileHandle(path, stream.Length, stream);
            _open[handle] = new OpenFileState(stream, db?.PageSize ?? 0, isLog ? new LogStreamVerifier(path, stream.Length) : null);
            return handle;
        }

        public int ReadFile(BackupFileHandle file, byte[] buffer, int offset, int count)
        {
            RequireInProgress();
            if (file == null || !_open.TryGetValue(file, out var state))
                throw new JetException(JetError.JET_errInvalidParameter, $"'{file?.Path}' is not open for backup.", file?.Path);
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
            if (state.PageSize > 0)
            {
                // Databases are read in whole pages so every page can be verified before it is handed out.
                if (count < state.PageSize)
                    throw new JetException(JetError.JET_errInvalidParameter, $"Reads of '{file.Path}' must be at least one page ({state.PageSize} bytes); {count} were asked.", file.Path);
                count -= count % state.PageSize;
            }
            long start = state.Stream.Position;
            int filled = 0;
            while (filled < count)
            {
                int n;
                try { n = state.Stream.Read(buffer, offset + filled, count - filled); }
                catch (IOException ex)
                {
                    throw new JetException(JetError.JET_errDiskIO, $"Reading '{file.Path}' at offset {start + filled} failed: {ex.Message}", file.Path, null, ex);
                }
                if (n == 0) break;
                filled += n;
            }
            if (state.PageSize > 0) VerifyPages(file.Path, buffer, offset, filled, start, state.PageSize);
            if (state.Log != null) VerifyLog(state, buffer, offset, filled);
            return filled;
        }

        public void CloseFile(BackupFileHandle file)
        {
            RequireInProgress();
            if (file == null || !_open.TryGetValue(file, out var state))
                throw new JetException(JetError.JET_errInvalidParameter, $"'{file?.Path}' is not open for backup.", file?.Path);
            state.Stream.Dispose();
            _open.Remove(file);
        }

        public LogInfo GetLogInfo()
        {
            RequireInProgress();
            return _logInfo!;
        }

        /// <summary>A snapshot never truncates: nothing would be deleted.</summary>
        public IReadOnlyList<string> GetTruncateLogInfo()
        {
            RequireInProgress();
            return Array.Empty<string>();
        }

        public void TruncateLog()
        {
            RequireInProgress();
            throw new InvalidOperationException(
                $"Logs of '{LogFolder}' were not truncated: it is backed up as a snapshot (a stopped service or a volume snapshot), not through the engine that owns the logs. Truncate them through the engine, or delete them only after the backup is verified.");
        }

        public void EndBackup(BackupEndMode mode)
        {
            RequireInProgress();
            CloseAll();
            _inProgress = false;
        }

        public void Dispose()
        {
            if (_disposed) return;
            CloseAll();
            _inProgress = false;
            _disposed = true;
        }

        private void CloseAll()
        {
            foreach (var s in _open.Values) s.Stream.Dispose();
            _open.Clear();
        }

        private static void VerifyPages(string path, byte[] buffer, int offset, int length, long fileOffset, int pageSize)
        {
            int at = 0;
            for (; at + pageSize <= length && (fileOffset + at) / pageSize < 2; at += pageSize)
            {
                // File pages 0 and 1: the database header and its shadow copy.
                long fileIndex = (fileOffset + at) / pageSize;
                var page = new ReadOnlySpan<byte>(buffer, offset + at, pageSize);
                if (!PageChecksum.IsAllZero(page) && !PageChecksum.VerifyHeader(page, out var stored, out var computed))
                {
                    throw new JetException(JetError.JET_errReadVerifyFailure,
                        $"'{path}': the database header{(fileIndex == 1 ? " shadow" : "")} (file page {fileIndex}) fails its checksum (stored {stored:x8}, computed {computed:x8}).",
                        path, fileIndex - 1);
                }
            }
            int wholePages = (length - at) / pageSize * pageSize;
            if (wholePages > 0)
            {
                // The same page check Test-EseDatabase runs; the first bad page ends the read as ESE's read verification does.
                DatabaseVerifier.VerifyPages(path, buffer, offset + at, wholePages, (fileOffset + at) / pageSize, pageSize,
                    bad => throw new JetException(JetError.JET_errReadVerifyFailure, bad.Describe() + " The backup was aborted.", path, bad.PageNumber));
            }
        }

        /// <summary>
        /// As the engine's backup reads a log (ErrLGReadAndVerifyFile in backup.cxx): the header, every segment and
        /// the link to the generation read before it; the first problem fails the read, and with it the backup.
        /// </summary>
        private void VerifyLog(OpenFileState state, byte[] buffer, int offset, int count)
        {
            var verifier = state.Log!;
            var problems = new List<LogProblem>(verifier.Append(new ReadOnlySpan<byte>(buffer, offset, count)));
            var check = verifier.Check;
            if (!state.Linked && check.Header != null)
            {
                state.Linked = true;
                if (_lastLogRead != null)
                {
                    int before = check.Problems.Count;
                    LogVerifier.CheckLink(_lastLogRead, check);
                    problems.AddRange(check.Problems.Skip(before));
                }
            }
            if (problems.Count == 0 && (verifier.IsComplete || count == 0)) problems.AddRange(verifier.Finish());
            if (problems.Count > 0)
            {
                var p = problems[0];
                var error = p.Kind == LogProblemKind.InvalidLogSequence ? JetError.JET_errInvalidLogSequence
                    : p.Kind == LogProblemKind.LogSequenceChecksumMismatch ? JetError.JET_errLogSequenceChecksumMismatch
                    : p.Kind == LogProblemKind.ForeignLog ? JetError.JET_errBadLogSignature
                    : JetError.JET_errLogReadVerifyFailure;
                throw new JetException(error, p.Message + " The backup was aborted.", check.Path);
            }
            if (verifier.IsComplete && !state.Done)
            {
                state.Done = true;
                _lastLogRead = check;
            }
        }

        private LogInfo PlanLogs(BackupKind kind, List<DatabaseFacts> databases)
        {
            var sequence = SnapshotFacts.ScanLogs(LogFolder, _notes);
            // By header generation; when two files claim one generation the archived one (immutable) wins.
            var byGeneration = new SortedDictionary<long, LogFileHeader>();
            // Only the databases' own log stream can ever be replayed against them: logs carrying another
            // log signature are leftovers of an earlier stream (appdata-folder/edb has one) and are left out.
            var wanted = databases.Select(d => d.LogSignature).Where(sig => sig != null).Distinct().ToList();
            // Logs the backup cannot take (another stream, unreadable header): an error when a needed generation is
            // among them, a warning when they are left out.
            var unusable = new List<(long? Generation, string Path, string Reason)>();
            foreach (var bad in sequence.Unreadable)
            {
                LogFileName.TryParse(bad.FilePath, out var badName);
                unusable.Add((badName?.Generation, bad.FilePath, $"its header cannot be used: {bad.Message}"));
            }
            foreach (var log in sequence.Logs.OrderBy(l => l.IsCurrent))
            {
                if (wanted.Count > 0 && !log.LogSignature.IsEmpty && !wanted.Contains(log.LogSignature))
                {
                    unusable.Add((log.Generation, log.Path,
                        $"it carries generation {log.Generation} of another log stream (log signature {log.LogSignature.Random:x8}, created {UtcTime.HeaderText(log.LogSignature.CreationTime)}) than the database(s) ({string.Join(", ", wanted.Select(w => w!.Random.ToString("x8")))})"));
                    continue;
                }
                if (byGeneration.TryGetValue(log.Generation, out var first))
                {
                    _notes.Add($"'{log.Name}' and '{first.Name}' both carry generation {log.Generation}; '{first.Name}' is backed up.");
                    continue;
                }
                byGeneration[log.Generation] = log;
            }
            var baseName = sequence.BaseName;
            long newest = byGeneration.Count > 0 ? byGeneration.Keys.Last() : 0;
            LogSignature = databases.Select(d => d.LogSignature).FirstOrDefault(sig => sig != null)
                ?? (byGeneration.Count > 0 && !byGeneration[newest].LogSignature.IsEmpty ? byGeneration[newest].LogSignature : null);

            long low;
            if (kind == BackupKind.Incremental)
            {
                var basis = IncrementalBaseGeneration ?? databases.Max(d => d.LastBackupHighGeneration);
                if (basis <= 0)
                    throw new JetException(JetError.JET_errMissingFullBackup,
                        $"An incremental backup of '{LogFolder}' needs a full backup first: no earlier backup set was given and the database header records none.");
                if (byGeneration.Count == 0 || basis > newest)
                    throw new JetException(JetError.JET_errMissingLogFile,
                        $"The incremental continues from log generation {basis}, but the newest log in '{LogFolder}' is {(newest == 0 ? "absent" : "generation " + newest)}.{Culprits(unusable, g => g > newest)}", Culprit(unusable, g => g > newest) ?? LogFolder);
                low = basis;
            }
            else
            {
                var required = databases.Where(d => d.RequiredLogLow > 0).Select(d => d.RequiredLogLow).DefaultIfEmpty(0).Min();
                var requiredHigh = databases.Select(d => d.RequiredLogHigh).DefaultIfEmpty(0).Max();
                if (required > 0)
                {
                    if (byGeneration.Count == 0 || newest < requiredHigh)
                    {
                        throw new JetException(JetError.JET_errMissingLogFile,
                            $"The databases need log generations {required}-{requiredHigh}, but {(newest == 0 ? "no log is" : "the newest log is generation " + newest + ",")} in '{LogFolder}'.{Culprits(unusable, g => g > newest)}",
                            Culprit(unusable, g => g > newest) ?? LogFolder);
                    }
                    low = required;
                }
                else if (byGeneration.Count == 0)
                {
                    return new LogInfo(Array.Empty<string>(), 0, 0, baseName);
                }
                else
                {
                    low = newest;
                    while (byGeneration.ContainsKey(low - 1)) low--;
                }
            }

            var missing = new List<long>();
            for (long g = low; g <= newest; g++)
                if (!byGeneration.ContainsKey(g)) missing.Add(g);
            if (missing.Count > 0)
            {
                throw new JetException(JetError.JET_errMissingLogFile,
                    $"Log generation(s) {DescribeRanges(missing)} are missing from '{LogFolder}': the backup needs every generation from {low} through {newest}.{Culprits(unusable, g => missing.Contains(g))}",
                    Culprit(unusable, g => missing.Contains(g)) ?? LogFolder);
            }
            foreach (var kv in byGeneration)
            {
                // What the header alone tells (its size against csecLGFile, its layout); the body is verified as it is read.
                var check = LogVerifier.Inspect(kv.Value, kv.Value.ActualFileSize);
                var problem = check.Problems.FirstOrDefault();
                if (kv.Key >= low)
                {
                    if (problem != null)
                        throw new JetException(JetError.JET_errLogReadVerifyFailure, $"{problem.Message} The backup needs generations {low} through {newest}.", kv.Value.Path);
                    if (check.Note != null) Warn(check.Note);
                }
                else if (problem != null)
                    unusable.Add((kv.Key, kv.Value.Path, problem.Message));
                else
                    _notes.Add($"'{kv.Value.Name}' (generation {kv.Key}) is older than generation {low}, not contiguous with the newest log and not required by the databases; it is not part of the backup.");
            }
            foreach (var (generation, path, reason) in unusable)
                Warn($"'{path}'{(generation != null ? $" (generation {generation})" : "")} is left out of the backup: {reason}");
            var files = byGeneration.Where(kv => kv.Key >= low).Select(kv => kv.Value.Path).ToList();
            return new LogInfo(files, low, newest, baseName);
        }

        private void Warn(string message)
        {
            _warnings.Add(message);
            _notes.Add(message);
        }

        /// <summary>The unusable logs that could hold the generations asked for (unknown generations count), as a sentence.</summary>
        private static string Culprits(List<(long? Generation, string Path, string Reason)> unusable, Func<long, bool> wanted)
        {
            var hits = unusable.Where(u => u.Generation == null || wanted(u.Generation.Value)).ToList();
            return hits.Count == 0 ? "" : " " + string.Join(" ", hits.Select(u => $"'{u.Path}' cannot be used: {u.Reason}."));
        }

        private static string? Culprit(List<(long? Generation, string Path, string Reason)> unusable, Func<long, bool> wanted) =>
            unusable.FirstOrDefault(u => u.Generation == null || wanted(u.Generation.Value)).Path;

        internal static string DescribeRanges(IReadOnlyList<long> generations)
        {
            var parts = new List<string>();
            for (int i = 0; i < generations.Count;)
            {
                int j = i;
                while (j + 1 < generations.Count && generations[j + 1] == generations[j] + 1) j++;
                parts.Add(i == j ? generations[i].ToString() : $"{generations[i]}-{generations[j]}");
                i = j + 1;
            }
            return string.Join(", ", parts);
        }

        private static IReadOnlyList<string> ResolveDatabases(string path, out string logFolder)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("No path was given.", nameof(path));
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                logFolder = Path.GetDirectoryName(full)!;
                return new[] { full };
            }
            if (!Directory.Exists(full))
                throw new JetException(JetError.JET_errInvalidPath, $"'{full}' is neither a database file nor a folder.", full);
            logFolder = full;
            var entries = Directory.EnumerateFiles(full).ToList();
            foreach (var entry in entries.Where(HasEseFileName)) RefuseIfSpecial(entry);
            var found = entries.Where(SnapshotFacts.LooksLikeDatabase).OrderBy(p => p, StringComparer.Ordinal).ToList();
            // A .edb whose header pages are both zeroed is no database to the detector, but leaving it out silently
            // would back up the folder without it: refuse, naming the file and pages (DatabaseHeader.Read says which).
            foreach (var zeroed in entries.Except(found).Where(SnapshotFacts.HasZeroedHeader))
                SnapshotFacts.ReadDatabase(zeroed);
            if (found.Count == 0)
                throw new JetException(JetError.JET_errFileNotFound, $"No ESE database was found in '{full}'. Name the database file(s) instead.", full);
            return found;
        }

        private void RequireInProgress()
        {
            ThrowIfDisposed();
            if (!_inProgress) throw new JetException(JetError.JET_errNoBackup, $"No backup of '{LogFolder}' is in progress.");
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(SnapshotSource));
        }

        private sealed class OpenFileState
        {
            public OpenFileState(FileStream stream, int pageSize, LogStreamVerifier? log)
            {
                Stream = stream;
                PageSize = pageSize;
                Log = log;
            }

            /// <summary>A log's verification as its bytes are read.</summary>
            public LogStreamVerifier? Log { get; }

            /// <summary>The log's link to the generation read before it was checked.</summary>
            public bool Linked { get; set; }

            /// <summary>Every byte of the log was read and verified.</summary>
            public bool Done { get; set; }

            public FileStream Stream { get; }

            /// <summary>Page size for a database (pages are verified); 0 for a log.</summary>
            public int PageSize { get; }
        }
    }
}
