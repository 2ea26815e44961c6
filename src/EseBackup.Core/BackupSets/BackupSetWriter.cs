using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// Writes one backup set from an open <see cref="BackupSession"/>: drives the protocol from attach info
    /// to the last log, copies every file in large page-aligned chunks (verified by the source, hashed with
    /// XxHash128 and written on the other core while the next chunk is read, through a temporary name that
    /// is renamed when the file is complete), then commits manifest.json last. Memory stays flat: two pooled
    /// chunk buffers whatever the file sizes. Any failure aborts the session and leaves the set incomplete
    /// (no manifest); nothing outside the new set folder is written.
    /// </summary>
    public sealed class BackupSetWriter : IDisposable
    {
        public const string PartialSuffix = ".partial";
        public const string IncompleteMarker = "INCOMPLETE.txt";

        private readonly BackupSession _session;
        private readonly List<BackupFileEntry> _entries = new List<BackupFileEntry>();
        private readonly List<string> _notes = new List<string>();
        private readonly BackupSet? _parent;
        private readonly List<IStoreLease> _leases;
        private readonly IBackupStore _store;
        /// <summary>Per entry: the log signature its own header carries (read from the bytes as they were copied).</summary>
        private readonly Dictionary<BackupFileEntry, EseSignature> _logSignatures = new Dictionary<BackupFileEntry, EseSignature>();
        private bool _committed;
        private int _disposed;
        private long _bytesDone;
        private long _bytesKnown;
        private int _filesKnown;
        private long _bytesTotal = -1;
        private int _filesTotal = -1;

        private BackupSetWriter(BackupSession session, IBackupStore store, string setName, BackupSet? parent, List<IStoreLease> leases)
        {
            _session = session;
            _store = store;
            DestinationRoot = store.Location;
            SetName = setName;
            SetPath = store.LocationOf(setName);
            _parent = parent;
            _leases = leases;
        }

        public string DestinationRoot { get; }

        /// <summary>The folder (or URL) of the set being written.</summary>
        public string SetPath { get; }

        /// <summary>The name of the set being written in its store.</summary>
        public string SetName { get; }

        /// <summary>The set an incremental builds on.</summary>
        public BackupSet? Parent => _parent;

        public BackupSet? CommittedSet { get; private set; }

        /// <summary>A set folder name of either form (<see cref="SetFolderName"/>).</summary>
        /// <summary>What a session's Attachment shows in a table cell or an Export-Csv row: the set being written.</summary>
        public override string ToString() => SetPath;

        public static bool LooksLikeSetName(string name) => SetFolderName.IsMatch(name);

        /// <summary>
        /// Creates the set folder under <paramref name="destinationRoot"/> for a session that has not read
        /// anything yet. For an incremental, finds the set it builds on there (JET_errMissingFullBackup when
        /// there is none). Aborts the session on failure. Until the set is committed (or the session ends)
        /// the writer holds the lease of its own folder and of every set of the chain it builds on, so
        /// retention removes none of them.
        /// </summary>
        public static BackupSetWriter Create(BackupSession session, string destinationRoot, ManifestSignature? logSignature = null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            IBackupStore store;
            try { store = BackupStores.Open(destinationRoot); }
            catch (Exception ex)
            {
                session.Abort(ex.Message);
                throw;
            }
            return Create(session, store, logSignature);
        }

        /// <inheritdoc cref="Create(BackupSession, string, ManifestSignature)"/>
        public static BackupSetWriter Create(BackupSession session, IBackupStore store, ManifestSignature? logSignature = null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            if (store == null) throw new ArgumentNullException(nameof(store));
            try
            {
                if (session.State != BackupSessionState.Started)
                    throw new JetException(session.IsOpen ? JetError.JET_errInvalidBackupSequence : JetError.JET_errNoBackup,
                        $"A backup set can only be written from a session that has not read anything yet (the session is {session.State}).");
                if (session.Attachment is BackupSetWriter)
                    throw new JetException(JetError.JET_errInvalidBackupSequence, "This session is already writing a backup set.");
                var root = store.Location;
                try { store.EnsureExists(); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new BackupDestinationException($"Cannot create the backup destination '{root}': {ex.Message}", root, ex);
                }
                var leases = new List<IStoreLease>();
                try
                {
                    BackupSet? parent = null;
                    if (session.Kind == BackupKind.Incremental)
                    {
                        logSignature ??= session.Source is Sources.SnapshotSource snapshot ? SetFileFacts.ToManifest(snapshot.LogSignature) : null;
                        var catalog = BackupSetCatalog.Scan(store);
                        parent = catalog.FindChainParent(logSignature, session.SourceKey, session.StartTime);
                        foreach (var set in BackupChain.Resolve(parent, catalog).Sets)
                        {
                            var lease = set.Store.TryAcquireLease(set.Name, LeaseWait)
                                ?? throw new JetException(JetError.JET_errBackupInProgress,
                                    $"Backup set '{set.Path}', which this incremental builds on, is in use by another process (another incremental of the same chain, or Remove-EseBackupSet removing it). Nothing was written; try again when it is done.");
                            leases.Add(lease);
                        }
                        // Leased now, so no retention of this module removes them any more: check they were not removed before.
                        CheckStillThere(parent, "The incremental cannot start");
                    }
                    var setName = ClaimSet(store, session.StartTime.UtcDateTime, session.Kind, leases);
                    var writer = new BackupSetWriter(session, store, setName, parent, leases);
                    session.Attachment = writer;
                    session.SetPath = writer.SetPath;
                    return writer;
                }
                catch
                {
                    foreach (var lease in leases) lease.Dispose();
                    throw;
                }
            }
            catch (Exception ex)
            {
                session.Abort(ex.Message);
                throw;
            }
        }

        private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(1);

        /// <summary>
        /// Claims a new set: the first name (UTC start time with its Z marker, then -2, -3...) the store lets this
        /// process claim exclusively (<see cref="IBackupStore.TryClaimSet"/>: two backups started in the same second get
        /// different names; a name anything has, even a stale lease, is skipped).
        /// </summary>
        private static string ClaimSet(IBackupStore store, DateTime startTime, BackupKind kind, List<IStoreLease> leases)
        {
            for (int n = 1; n < 10000; n++)
            {
                var name = SetFolderName.Format(startTime, kind, n);
                IStoreLease? lease;
                try { lease = store.TryClaimSet(name); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    var setPath = store.LocationOf(name);
                    throw new BackupDestinationException($"Cannot create the backup set folder '{setPath}': {ex.Message}", setPath, ex);
                }
                if (lease == null) continue;
                leases.Add(lease);
                return name;
            }
            throw new BackupDestinationException($"Cannot find a free name for a new backup set in '{store.Location}' (tried 9999 names for {SetFolderName.Format(startTime, kind, 1)}).", store.Location,
                new IOException("No free set folder name."));
        }

        /// <summary>Fails when the set an incremental builds on (or one it builds on in turn) was removed or replaced.</summary>
        private static void CheckStillThere(BackupSet parent, string what)
        {
            var catalog = BackupSetCatalog.Scan(parent.Store);
            try
            {
                var current = catalog.Sets.FirstOrDefault(s => s.SetId == parent.SetId && string.Equals(s.Path, parent.Path, StringComparison.Ordinal));
                if (current == null)
                    throw new BackupSetException(new BackupSetProblem(BackupProblemKind.MissingParent, parent.Path, null, "it is no longer a complete set there"));
                BackupChain.Resolve(current, catalog);
            }
            catch (BackupSetException ex)
            {
                throw new JetException(JetError.JET_errMissingFullBackup,
                    $"{what}: backup set '{parent.Path}' it builds on was removed or changed while the backup ran ({ex.Problem.Message}). The backup was aborted; no manifest was written.");
            }
        }

        /// <summary>
        /// Reads every file the protocol names into the set: the databases (full), then the logs. On return
        /// the session is in state Read. Any failure or cancellation aborts the session and leaves the set without manifest.
        /// </summary>
        public void ReadAll(BackupCopyOptions? options = null, CancellationToken cancellationToken = default)
        {
            options ??= new BackupCopyOptions();
            var clock = Stopwatch.StartNew();
            try
            {
                if (_session.Source is Sources.SnapshotSource snapshot)
                {
                    _bytesTotal = snapshot.PlannedBytes;
                    _filesTotal = snapshot.PlannedFileCount;
                }
                if (_session.Kind == BackupKind.Full)
                {
                    var databases = _session.GetAttachInfo();
                    _filesKnown += databases.Count;
                    foreach (var db in databases)
                        CopyOne(db, BackupFileRole.Database, options, clock, cancellationToken);
                }
                var logs = _session.GetLogInfo();
                _filesKnown += logs.Files.Count;
                CheckIncrementalCoverage(logs);
                foreach (var log in logs.Files)
                    CopyOne(log, BackupFileRole.Log, options, clock, cancellationToken);
                if (_session.State != BackupSessionState.Read)
                    throw new JetException(JetError.JET_errInvalidBackupSequence, $"Every named file was copied but the session is {_session.State}.");
            }
            catch (Exception ex)
            {
                _session.Abort(ex is OperationCanceledException ? "The backup was cancelled." : ex.Message);
                throw;
            }
        }

        /// <summary>
        /// Commits the set: writes manifest.json (temporary name, then rename) and marks the session committed.
        /// The session stays open (state Read) so the caller can truncate logs and end it.
        /// </summary>
        public BackupSet Commit()
        {
            try
            {
                if (_committed) return CommittedSet!;
                if (_session.State != BackupSessionState.Read)
                    throw new JetException(_session.IsOpen ? JetError.JET_errInvalidBackupSequence : JetError.JET_errNoBackup,
                        $"The set '{SetPath}' can only be committed after every file was read (the session is {_session.State}).");
                var logs = _session.Logs!;
                if (_parent != null) CheckStillThere(_parent, $"The incremental '{SetPath}' cannot be committed");
                if (_session.Source is Sources.SnapshotSource snapshot) _notes.AddRange(snapshot.Notes);
                var manifest = new BackupManifest
                {
                    SetId = Guid.NewGuid(),
                    ChainId = _parent?.ChainId ?? Guid.NewGuid(),
                    ParentSetId = _parent?.SetId,
                    Kind = _session.Kind,
                    Source = _session.SourceKey,
                    StartTime = _session.StartTime.UtcDateTime,
                    EndTime = DateTime.UtcNow,
                    LogBaseName = logs.BaseName,
                    LogGenerationLow = logs.Files.Count == 0 ? 0 : logs.LowGeneration,
                    LogGenerationHigh = logs.Files.Count == 0 ? 0 : logs.HighGeneration,
                    Files = _entries.ToList(),
                    Notes = _notes.ToList(),
                };
                var firstDb = _entries.FirstOrDefault(e => e.Role == BackupFileRole.Database);
                manifest.PageSize = firstDb?.PageSize;
                manifest.LogSignature = SetFileFacts.LogSignatureOf(_entries, _logSignatures) ?? _parent?.Manifest.LogSignature;
                manifest.Validate(_store.LocationOf(SetName, BackupManifest.FileName));
                try
                {
                    _store.CommitManifest(SetName, manifest.ToUtf8());
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new BackupDestinationException($"Cannot write the manifest of backup set '{SetPath}': {ex.Message}", SetPath, ex);
                }
                _committed = true;
                _session.MarkCommitted(SetPath);
                CommittedSet = BackupSet.Open(_store, SetName);
                ReleaseLeases();
                return CommittedSet;
            }
            catch (Exception ex)
            {
                _session.Abort(ex.Message);
                throw;
            }
        }

        /// <summary>On an aborted or abandoned set: removes partial files and leaves a note; the folder stays, without manifest.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (_committed)
            {
                ReleaseLeases();
                return;
            }
            try
            {
                _store.DiscardPartialFiles(SetName);
                var reason = _session.AbortReason ?? "The backup did not complete.";
                _store.WriteIncompleteMarker(SetName,
                    $"This backup set is incomplete and must not be restored: it has no {BackupManifest.FileName}.{Environment.NewLine}Reason: {reason}{Environment.NewLine}");
            }
            catch (Exception)
            {
                // The destination may be what failed (full, read-only): the missing manifest already marks the set incomplete.
            }
            finally
            {
                ReleaseLeases();
            }
        }

        private void ReleaseLeases()
        {
            lock (_leases)
            {
                foreach (var lease in _leases) lease.Dispose();
                _leases.Clear();
            }
        }

        private void CheckIncrementalCoverage(LogInfo logs)
        {
            if (_parent == null) return;
            // The parent's newest log may have been the current, still-growing log (edb.log in a snapshot): an
            // incremental takes that generation again, so it must reach back to it. An engine backup only copies
            // finished generations (archived names), so the next may start right after it, as the engine allows
            // (ErrBKICheckLogsForIncrementalBackup in backup.cxx: a gap only past the previous high + 1).
            long reach = _parent.LogGenerationHigh + (ParentEndsOnFinishedLog() ? 1 : 0);
            if (logs.Files.Count == 0 || logs.LowGeneration > reach)
            {
                var from = _parent.LogGenerationHigh;
                var to = logs.Files.Count == 0 ? (long?)null : logs.LowGeneration - 1;
                throw new JetException(JetError.JET_errMissingLogFile,
                    $"The incremental cannot continue set '{_parent.Name}' (logs up to generation {_parent.LogGenerationHigh}): the source's logs start at generation {logs.LowGeneration}, so generation(s) {from}{(to != null && to > from ? "-" + to : "")} are missing.");
            }
        }

        private bool ParentEndsOnFinishedLog()
        {
            foreach (var file in _parent!.Files)
            {
                if (file.Role == BackupFileRole.Log && Format.LogFileName.TryParse(Path.GetFileName(file.Name), out var name) &&
                    name!.Generation == _parent.LogGenerationHigh && name.Digits > 0)
                    return true;
            }
            return false;
        }

        private void CopyOne(string sourcePath, BackupFileRole role, BackupCopyOptions options, Stopwatch clock, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var relative = ChooseName(sourcePath);
            var final = _store.LocationOf(SetName, relative);

            var handle = _session.OpenFile(sourcePath);
            Interlocked.Add(ref _bytesKnown, handle.Size);
            var hasher = new XxHash128();
            var chunk = options.ChunkSize;
            var pool = ArrayPool<byte>.Shared;
            byte[] reading = pool.Rent(chunk);
            byte[] spare = pool.Rent(chunk);
            // The file's first bytes, kept for the manifest facts its header gives (page size, signatures): the set is not read back.
            byte[]? head = null;
            int headBytes = 0;
            Task? writeBehind = null;
            long fileBytes = 0;
            IStoreFileWriter? file = null;
            try
            {
                try
                {
                    file = options.CreateFile != null && _store is FolderBackupStore folder
                        ? folder.CreateFile(SetName, relative, options.CreateFile)
                        : _store.CreateFile(SetName, relative);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw DestinationFailed(final, ex);
                }
                var output = file.Stream;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    int n = ReadChunk(handle, reading, chunk);
                    if (writeBehind != null) WaitWrite(writeBehind, final);
                    writeBehind = null;
                    if (n == 0) break;
                    if (head == null)
                    {
                        headBytes = Math.Min(n, FileHead.Size);
                        head = new byte[headBytes];
                        Buffer.BlockCopy(reading, 0, head, 0, headBytes);
                    }
                    var buffer = reading;
                    writeBehind = Task.Run(() =>
                    {
                        hasher.Append(new ReadOnlySpan<byte>(buffer, 0, n));
                        output.Write(buffer, 0, n);
                    });
                    reading = spare;
                    spare = buffer;
                    fileBytes += n;
                    var done = Interlocked.Add(ref _bytesDone, n);
                    options.Progress?.Report(new BackupProgress(sourcePath, fileBytes, handle.Size, done, _entries.Count, _filesKnown, Interlocked.Read(ref _bytesKnown), _bytesTotal, _filesTotal));
                    Throttle(options.ThrottleMBps, done, clock, ct);
                }
                _session.CloseFile(handle);
                // Durable and visible under its final name only now; the name is created, never replaced.
                try { file.Commit(); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
                {
                    throw DestinationFailed(final, ex);
                }
            }
            finally
            {
                // Never hand a buffer back to the pool while the write-behind task may still use it.
                if (writeBehind != null)
                {
                    try { writeBehind.Wait(); } catch (Exception) { /* the first failure is already propagating */ }
                }
                pool.Return(reading);
                pool.Return(spare);
                // Without a commit nothing of the file stays (the set has no manifest either way).
                file?.Dispose();
            }

            var entry = new BackupFileEntry
            {
                Path = relative,
                Role = role,
                Size = fileBytes,
                Hash = SetFileStreamer.ToHex(hasher.GetCurrentHash()),
                SourcePath = sourcePath,
            };
            var signature = SetFileFacts.Describe(new FileHead(head ?? Array.Empty<byte>(), headBytes, fileBytes), final, entry);
            if (signature != null) _logSignatures[entry] = signature;
            _entries.Add(entry);
            options.Progress?.Report(new BackupProgress(sourcePath, fileBytes, handle.Size, Interlocked.Read(ref _bytesDone), _entries.Count, _filesKnown, Interlocked.Read(ref _bytesKnown), _bytesTotal, _filesTotal));
        }

        private int ReadChunk(BackupFileHandle handle, byte[] buffer, int count)
        {
            int filled = 0;
            while (filled < count)
            {
                int n = _session.ReadFile(handle, buffer, filled, count - filled);
                if (n <= 0) break;
                filled += n;
            }
            return filled;
        }

        private static void WaitWrite(Task write, string path)
        {
            try
            {
                write.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                throw DestinationFailed(path, ex);
            }
        }

        private static BackupDestinationException DestinationFailed(string path, Exception ex) =>
            new BackupDestinationException(
                $"Cannot write '{path}' (is the destination full or read-only?): {ex.Message} The backup was aborted; the set is left incomplete, without manifest.",
                path, ex);

        private static void Throttle(double mbps, long bytesDone, Stopwatch clock, CancellationToken ct)
        {
            if (mbps <= 0) return;
            var due = TimeSpan.FromSeconds(bytesDone / (mbps * 1_000_000));
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                if (ct.WaitHandle.WaitOne(wait)) ct.ThrowIfCancellationRequested();
            }
        }

        private string ChooseName(string sourcePath)
        {
            var name = Path.GetFileName(sourcePath);
            if (string.IsNullOrEmpty(name)) name = "file";
            var reserved = ModuleFileNames.ReservedNameProblem(name);
            if (reserved != null)
                throw new BackupSetException(new BackupSetProblem(BackupProblemKind.UnsafePath, SetPath, sourcePath,
                    $"Source file '{sourcePath}' {reserved}; rename it to back it up. Nothing was committed."));
            var candidate = name;
            // Two databases of one name from different folders: the second goes into a numbered subfolder.
            for (int n = 2; _entries.Any(e => string.Equals(e.Path, candidate, StringComparison.OrdinalIgnoreCase)); n++)
                candidate = $"{n}/{name}";
            return candidate;
        }

        /// <summary>The XxHash128 of a file as the manifest writes it (32 lower-case hex digits), read by the set streamer.</summary>
        public static string HashFile(string path) =>
            SetFileStreamer.Stream(path, pageSize: 0, copyTo: null, onBadPage: null, onBytes: null, CancellationToken.None).Hash;
    }
}
