using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace EseBackup.Core.Protocol
{
    /// <summary>Where a backup session stands in the JET external backup protocol.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum BackupSessionState : long
    {
        /// <summary>JetBeginExternalBackupInstance succeeded; nothing read yet.</summary>
        Started,

        /// <summary>Attach info taken; database files are being opened and read.</summary>
        ReadingDatabases,

        /// <summary>Log info taken; log files are being opened and read.</summary>
        ReadingLogs,

        /// <summary>Every log named by the log info has been read and closed: the set can be committed.</summary>
        Read,

        /// <summary>Ended normally (JET_bitBackupEndNormal).</summary>
        Complete,

        /// <summary>Ended with JET_bitBackupEndAbort.</summary>
        Aborted,
    }

    /// <summary>
    /// One external backup over an <see cref="IBackupSource"/>: the state machine the engine enforces
    /// (begin, attach info, database files, log info, log files, truncate, end), checked here before the
    /// source is called so every source fails out-of-order calls the same way and with the JET error an
    /// engine would return. Open sessions are registered process-wide (<see cref="BackupSessionRegistry"/>):
    /// a second backup of the same source fails with JET_errBackupInProgress, and forgotten sessions can be
    /// listed and aborted.
    /// </summary>
    /// <remarks>
    /// Calls made in the wrong order fail without changing the session (as the engine does). A failure
    /// inside the source while files are being read aborts the session: a backup with a failed read can
    /// never be completed, and the sacred rule is that no failure leaves a session open.
    /// </remarks>
    public sealed class BackupSession : IDisposable
    {
        private readonly object _gate = new object();
        private readonly HashSet<string> _pendingLogs = new HashSet<string>(PathComparer);
        private readonly HashSet<string> _allowedFiles = new HashSet<string>(PathComparer);
        private IReadOnlyList<string> _databases = Array.Empty<string>();
        private BackupFileHandle? _openFile;
        private long _bytesRead;
        private int _filesRead;

        private BackupSession(IBackupSource source, BackupKind kind, string sourceKey)
        {
            Source = source;
            Kind = kind;
            SourceKey = sourceKey;
            Id = Guid.NewGuid();
            StartTime = DateTimeOffset.UtcNow;
        }

        internal static StringComparer PathComparer { get; } =
            Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

        public Guid Id { get; }

        public IBackupSource Source { get; }

        /// <summary>What identifies the source in the registry: the full path a snapshot source reads, an instance name.</summary>
        public string SourceKey { get; }

        public BackupKind Kind { get; }

        public BackupSessionState State { get { lock (_gate) return _state; } }
        private BackupSessionState _state = BackupSessionState.Started;

        /// <summary>UTC (<see cref="UtcTime"/>); the set folder's name carries its second.</summary>
        public DateTimeOffset StartTime { get; }

        public DateTimeOffset? EndTime { get; private set; }

        /// <summary>Why the session was aborted (null while open or after a normal end).</summary>
        public string? AbortReason { get; private set; }

        /// <summary>The databases named by the attach info (empty before it and for incrementals).</summary>
        public IReadOnlyList<string> Databases { get { lock (_gate) return _databases; } }

        /// <summary>The logs named by the log info (null before it).</summary>
        public LogInfo? Logs { get; private set; }

        public long BytesRead => Interlocked.Read(ref _bytesRead);

        public int FilesRead => Volatile.Read(ref _filesRead);

        /// <summary>True once a backup set covering everything read has been written and verified (its manifest committed).</summary>
        public bool IsCommitted { get; private set; }

        /// <summary>Where the committed (or pending) backup set lives, when a set is being written.</summary>
        public string? SetPath { get; set; }

        /// <summary>Where the caller means to write the set (named at start, used by a later stage; a URL without its query).</summary>
        public string? DestinationRoot { get; set; }

        /// <summary>The store <see cref="DestinationRoot"/> names, opened with the credentials given at start (null: open it from the path).</summary>
        public BackupSets.Stores.IBackupStore? DestinationStore { get; set; }

        /// <summary>Whatever the caller builds on the session (the backup-set writer); aborted sessions dispose it.</summary>
        public object? Attachment { get; set; }

        public bool IsOpen
        {
            get { lock (_gate) return _state != BackupSessionState.Complete && _state != BackupSessionState.Aborted; }
        }

        /// <summary>Start-EseExternalBackup's default: long enough for a person working between stages.</summary>
        public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(30);

        /// <summary>Idle time is measured on a monotonic clock: a wall clock set back or forward neither keeps nor kills a session.</summary>
        private static readonly Stopwatch Monotonic = Stopwatch.StartNew();
        private Func<TimeSpan> _clock = () => Monotonic.Elapsed;
        private TimeSpan _lastActivity = Monotonic.Elapsed;
        private int _activeStages;
        private TimeSpan? _idleTimeout;
        private Timer? _idleTimer;

        /// <summary>How long the session may go untouched before it is aborted; null for never.</summary>
        public TimeSpan? IdleTimeout { get { lock (_gate) return _idleTimeout; } }

        /// <summary>How long no stage has touched the session: zero while a stage is working on it or after it ended.</summary>
        public TimeSpan IdleTime
        {
            get
            {
                lock (_gate)
                {
                    if (_activeStages > 0 || _state == BackupSessionState.Complete || _state == BackupSessionState.Aborted) return TimeSpan.Zero;
                    var idle = _clock() - _lastActivity;
                    return idle > TimeSpan.Zero ? idle : TimeSpan.Zero;
                }
            }
        }

        /// <summary>True when the session was aborted because nothing touched it for its <see cref="IdleTimeout"/>.</summary>
        public bool AbortedForIdleness { get; private set; }

        /// <summary>Raised once when the session ends, normally or by abort.</summary>
        public event EventHandler? Ended;

        /// <summary>
        /// JetBeginExternalBackupInstance: registers the session and starts the backup on the source.
        /// Fails with JET_errBackupInProgress when a backup of the same source is already open in this process.
        /// </summary>
        public static BackupSession Begin(IBackupSource source, BackupKind kind)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            var key = NormaliseKey(source.Description);
            var session = new BackupSession(source, kind, key);
            BackupSessionRegistry.Register(session);
            try
            {
                source.BeginBackup(kind);
            }
            catch
            {
                BackupSessionRegistry.Unregister(session);
                session.MarkEnded(BackupSessionState.Aborted, "JetBeginExternalBackup failed.");
                throw;
            }
            return session;
        }

        /// <summary>JetGetAttachInfoInstance: only in a full backup, only right after begin.</summary>
        public IReadOnlyList<string> GetAttachInfo()
        {
            lock (_gate)
            {
                RequireOpen("JetGetAttachInfo");
                if (Kind == BackupKind.Incremental)
                    throw Sequence("JetGetAttachInfo is only valid in a full backup; an incremental backup copies logs only.");
                if (_state != BackupSessionState.Started)
                    throw Sequence($"JetGetAttachInfo was already called (the session is {_state}).");
                var list = Guard(() => Source.GetAttachInfo());
                _databases = new TextList(list);
                foreach (var db in list) _allowedFiles.Add(db);
                _state = BackupSessionState.ReadingDatabases;
                return list;
            }
        }

        /// <summary>JetOpenFileInstance: a file named by the attach info or the log info, one at a time.</summary>
        public BackupFileHandle OpenFile(string path)
        {
            lock (_gate)
            {
                RequireOpen("JetOpenFile");
                if (_state != BackupSessionState.ReadingDatabases && _state != BackupSessionState.ReadingLogs)
                    throw Sequence($"JetOpenFile needs attach info or log info first (the session is {_state}).");
                if (_openFile != null)
                    throw Sequence($"'{_openFile.Path}' is still open; close it before opening '{path}'.");
                if (!_allowedFiles.Contains(path))
                {
                    // As ErrBKOpenFile: in the database phase a file that is not an attached database is
                    // JET_errDatabaseNotFound and the backup goes on; in the log phase a failed open ends it.
                    if (_state == BackupSessionState.ReadingDatabases)
                        throw new JetException(JetError.JET_errDatabaseNotFound, $"'{path}' is not one of the databases this backup named.", path);
                    var missing = new JetException(JetError.JET_errMissingFileToBackup, $"'{path}' is not one of the logs this backup named; the backup was aborted.", path);
                    Abort(missing.Message);
                    throw missing;
                }
                var handle = Guard(() => Source.OpenFile(path));
                _openFile = handle;
                return handle;
            }
        }

        /// <summary>JetReadFileInstance: pages are checksum-verified by the source; a failed read aborts the session.</summary>
        public int ReadFile(BackupFileHandle file, byte[] buffer, int offset, int count)
        {
            // The read itself is not under the lock: reading is long, and Abort (another thread, Ctrl+C) must
            // get through. It counts as activity from inside the lock, so the idle check never aborts mid-read.
            lock (_gate)
            {
                RequireCurrentFile(file, "JetReadFile");
                _activeStages++;
            }
            try
            {
                var read = Guard(() => Source.ReadFile(file, buffer, offset, count));
                Interlocked.Add(ref _bytesRead, read);
                return read;
            }
            finally
            {
                EndActivity();
            }
        }

        /// <summary>JetCloseFileInstance.</summary>
        public void CloseFile(BackupFileHandle file)
        {
            lock (_gate)
            {
                RequireCurrentFile(file, "JetCloseFile");
                Guard(() => { Source.CloseFile(file); return 0; });
                _openFile = null;
                Interlocked.Increment(ref _filesRead);
                if (_state == BackupSessionState.ReadingLogs)
                {
                    _pendingLogs.Remove(file.Path);
                    if (_pendingLogs.Count == 0) _state = BackupSessionState.Read;
                }
            }
        }

        /// <summary>JetGetLogInfoInstance: after the databases (full) or right after begin (incremental).</summary>
        public LogInfo GetLogInfo()
        {
            lock (_gate)
            {
                RequireOpen("JetGetLogInfo");
                var ready = Kind == BackupKind.Full
                    ? _state == BackupSessionState.ReadingDatabases
                    : _state == BackupSessionState.Started;
                if (!ready)
                {
                    throw Sequence(Kind == BackupKind.Full && _state == BackupSessionState.Started
                        ? "JetGetLogInfo in a full backup comes after JetGetAttachInfo and the database files."
                        : $"JetGetLogInfo was already called (the session is {_state}).");
                }
                if (_openFile != null)
                    throw Sequence($"'{_openFile.Path}' is still open; close it before asking for the log info.");
                var info = Guard(() => Source.GetLogInfo());
                Logs = info;
                _allowedFiles.Clear();
                foreach (var log in info.Files)
                {
                    _allowedFiles.Add(log);
                    _pendingLogs.Add(log);
                }
                _state = _pendingLogs.Count == 0 ? BackupSessionState.Read : BackupSessionState.ReadingLogs;
                return info;
            }
        }

        /// <summary>
        /// Records that a backup set holding everything this session read has been written, hashed and its
        /// manifest committed. Only then may logs be truncated.
        /// </summary>
        public void MarkCommitted(string setPath)
        {
            lock (_gate)
            {
                RequireOpen("commit");
                if (_state != BackupSessionState.Read)
                    throw Sequence($"A backup set can only be committed after every file was read (the session is {_state}).");
                IsCommitted = true;
                SetPath = setPath;
            }
        }

        /// <summary>JetGetTruncateLogInfoInstance: after every file was read.</summary>
        public IReadOnlyList<string> GetTruncateLogInfo()
        {
            lock (_gate)
            {
                RequireOpen("JetGetTruncateLogInfo");
                if (_state != BackupSessionState.Read)
                    throw Sequence($"JetGetTruncateLogInfo comes after every log was read (the session is {_state}).");
                return Guard(() => Source.GetTruncateLogInfo(), abortOnFailure: false);
            }
        }

        /// <summary>
        /// JetTruncateLogInstance: only after every file was read and the set committed, and only where the
        /// source can truncate (never a snapshot). A refusal leaves the session open so it can still end normally.
        /// </summary>
        public void TruncateLog()
        {
            lock (_gate)
            {
                RequireOpen("JetTruncateLog");
                if (_state != BackupSessionState.Read)
                    throw Sequence($"JetTruncateLog comes after every log was read (the session is {_state}).");
                if (!IsCommitted)
                    throw Sequence("Logs are only truncated after the backup set covering them was committed and verified.");
                if (!Source.CanTruncateLogs)
                    throw new InvalidOperationException($"The source '{Source.Description}' cannot truncate logs (a snapshot is not the live log folder); nothing was truncated.");
                Guard(() => { Source.TruncateLog(); return 0; }, abortOnFailure: false);
            }
        }

        /// <summary>JetEndExternalBackupInstance2 with JET_bitBackupEndNormal: only once every file was read.</summary>
        public void End()
        {
            lock (_gate)
            {
                RequireOpen("JetEndExternalBackup");
                if (_state != BackupSessionState.Read)
                    throw Sequence($"The backup can only end normally after every file was read (the session is {_state}); abort it instead.");
            }
            try
            {
                Source.EndBackup(BackupEndMode.Normal);
            }
            catch (Exception ex)
            {
                Abort("Ending the backup failed: " + ex.Message);
                throw;
            }
            MarkEnded(BackupSessionState.Complete, null);
        }

        /// <summary>
        /// JetEndExternalBackupInstance2 with JET_bitBackupEndAbort. Safe to call at any time, from any thread,
        /// any number of times: the session always ends, even when the source fails to close.
        /// </summary>
        public void Abort(string reason)
        {
            lock (_gate)
            {
                if (_state == BackupSessionState.Complete || _state == BackupSessionState.Aborted) return;
                _state = BackupSessionState.Aborted;
            }
            EndAborted(reason);
        }

        /// <summary>Ends the source with JET_bitBackupEndAbort once the state says Aborted; whatever the source does, the session ends.</summary>
        private void EndAborted(string reason)
        {
            try
            {
                var open = _openFile;
                _openFile = null;
                if (open != null)
                {
                    try { Source.CloseFile(open); } catch (Exception) { /* the source is ended below anyway */ }
                }
                Source.EndBackup(BackupEndMode.Abort);
            }
            catch (Exception)
            {
                // An abort must always end the session; the source's own failure changes nothing for the caller.
            }
            finally
            {
                MarkEnded(BackupSessionState.Aborted, reason);
            }
        }

        public void Dispose() => Abort("The session was disposed before it completed.");

        /// <summary>
        /// Aborts the session once no stage has touched it for <paramref name="timeout"/> (Start-EseExternalBackup
        /// -IdleTimeout): a session nobody stops must not keep its source in backup mode until the process ends.
        /// </summary>
        public void SetIdleTimeout(TimeSpan timeout) => ArmIdleTimeout(timeout, null, startTimer: true);

        /// <summary>With an injected monotonic clock; without the timer, tests drive <see cref="CheckIdle"/> themselves.</summary>
        internal void ArmIdleTimeout(TimeSpan timeout, Func<TimeSpan>? clock, bool startTimer)
        {
            if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "An idle timeout is a positive time span.");
            lock (_gate)
            {
                RequireOpen("IdleTimeout");
                if (clock != null) _clock = clock;
                _idleTimeout = timeout;
                _lastActivity = _clock();
                if (!startTimer) return;
                if (_idleTimer == null) _idleTimer = new Timer(_ => OnIdleTimer(), null, TimerDue(timeout), Timeout.InfiniteTimeSpan);
                else _idleTimer.Change(TimerDue(timeout), Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>A pipeline stage starts working on the session: it is not idle until the matching <see cref="EndActivity"/>.</summary>
        public void BeginActivity()
        {
            lock (_gate)
            {
                _activeStages++;
                _lastActivity = _clock();
            }
        }

        public void EndActivity()
        {
            lock (_gate)
            {
                if (_activeStages > 0) _activeStages--;
                _lastActivity = _clock();
            }
        }

        /// <summary>
        /// Aborts the session when it has been idle for its timeout; otherwise returns how long until it would be
        /// (null when it has ended or has no timeout). The decision and the state change happen under the gate a
        /// read enters by, so an abort never starts while a stage is reading.
        /// </summary>
        internal TimeSpan? CheckIdle()
        {
            string reason;
            lock (_gate)
            {
                if (!(_idleTimeout is TimeSpan timeout) || _state == BackupSessionState.Complete || _state == BackupSessionState.Aborted) return null;
                if (_activeStages > 0) return timeout;
                var idle = _clock() - _lastActivity;
                if (idle < timeout) return timeout - idle;
                reason = $"backup session {Id} was idle for {Math.Round(idle.TotalSeconds)} s, longer than its idle timeout ({timeout}), and was aborted so the source does not stay in backup mode; start a new backup";
                _state = BackupSessionState.Aborted;
                AbortedForIdleness = true;
                AbortReason = reason;
            }
            BackupSessionRegistry.NoteIdleAbort(this);
            EndAborted(reason);
            return null;
        }

        private void OnIdleTimer()
        {
            try
            {
                var left = CheckIdle();
                if (left is TimeSpan wait)
                    lock (_gate) _idleTimer?.Change(TimerDue(wait), Timeout.InfiniteTimeSpan);
            }
            catch (Exception)
            {
                // Never throw on a timer thread; EndAborted ends the session whatever the source does.
            }
        }

        /// <summary>A timer waits at most a day at a time (its limit is 49 days); a little slack so it does not wake just early.</summary>
        private static TimeSpan TimerDue(TimeSpan wait) =>
            (wait > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : wait) + TimeSpan.FromMilliseconds(20);

        public override string ToString() => $"{Kind} backup of {SourceKey} ({State})";

        private void MarkEnded(BackupSessionState state, string? reason)
        {
            lock (_gate)
            {
                _state = state;
                if (EndTime != null) return;
                EndTime = DateTimeOffset.UtcNow;
                AbortReason = reason;
            }
            BackupSessionRegistry.Unregister(this);
            Timer? timer;
            lock (_gate)
            {
                timer = _idleTimer;
                _idleTimer = null;
            }
            timer?.Dispose();
            try { (Attachment as IDisposable)?.Dispose(); } catch (Exception) { /* cleanup is best effort */ }
            Ended?.Invoke(this, EventArgs.Empty);
        }

        private T Guard<T>(Func<T> call, bool abortOnFailure = true)
        {
            try
            {
                return call();
            }
            catch (Exception ex)
            {
                if (abortOnFailure) Abort(ex.Message);
                throw;
            }
        }

        private void RequireCurrentFile(BackupFileHandle file, string call)
        {
            RequireOpen(call);
            if (file == null) throw new ArgumentNullException(nameof(file));
            if (!ReferenceEquals(file, _openFile))
                throw Sequence($"{call}: '{file.Path}' is not the file currently open for backup.");
        }

        private void RequireOpen(string call)
        {
            _lastActivity = _clock();
            var state = _state;
            if (state == BackupSessionState.Complete || state == BackupSessionState.Aborted)
            {
                var why = state == BackupSessionState.Aborted && AbortReason != null ? $" (aborted: {AbortReason})" : "";
                throw new JetException(JetError.JET_errNoBackup, $"{call}: no backup is in progress; the session of {SourceKey} has ended{why}.");
            }
        }

        private static JetException Sequence(string message) => new JetException(JetError.JET_errInvalidBackupSequence, message);

        private static string NormaliseKey(string description)
        {
            if (string.IsNullOrEmpty(description)) throw new ArgumentException("The backup source has no description to identify it.");
            try
            {
                if (description.IndexOfAny(Path.GetInvalidPathChars()) < 0 && (Path.IsPathRooted(description)))
                    return Path.GetFullPath(description).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            }
            catch (Exception)
            {
                // Not a path: use the description as it is.
            }
            return description;
        }
    }
}
