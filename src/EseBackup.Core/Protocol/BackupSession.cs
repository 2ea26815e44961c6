using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace EseBackup.Core.Protocol
{
    /// <summary>Where a backup session stands in the JET external backup protocol.</summary>
    public enum BackupSessionState
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
            StartTime = DateTime.UtcNow;
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

        public DateTime StartTime { get; }

        public DateTime? EndTime { get; private set; }

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

        /// <summary>Where the caller means to write the set (named at start, used by a later stage).</summary>
        public string? DestinationRoot { get; set; }

        /// <summary>Whatever the caller builds on the session (the backup-set writer); aborted sessions dispose it.</summary>
        public object? Attachment { get; set; }

        public bool IsOpen
        {
            get { lock (_gate) return _state != BackupSessionState.Complete && _state != BackupSessionState.Aborted; }
        }

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
                _databases = list;
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
            // Not under the lock: reading is long, and Abort (another thread, Ctrl+C) must get through.
            RequireCurrentFile(file, "JetReadFile");
            var read = Guard(() => Source.ReadFile(file, buffer, offset, count));
            Interlocked.Add(ref _bytesRead, read);
            return read;
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

        public override string ToString() => $"{Kind} backup of {SourceKey} ({State})";

        private void MarkEnded(BackupSessionState state, string? reason)
        {
            lock (_gate)
            {
                _state = state;
                if (EndTime != null) return;
                EndTime = DateTime.UtcNow;
                AbortReason = reason;
            }
            BackupSessionRegistry.Unregister(this);
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
