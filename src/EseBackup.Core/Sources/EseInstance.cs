using System;
using System.Collections.Generic;
using System.IO;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Sources
{
    /// <summary>How <see cref="EseInstance.Open"/> configures a new instance.</summary>
    public sealed class EseInstanceOptions
    {
        /// <summary>Unique within the process; default "EseBackup-" plus a GUID.</summary>
        public string? InstanceName { get; set; }

        /// <summary>Circular logging deletes logs as soon as they are checkpointed: incremental backups need it off (the default).</summary>
        public bool CircularLogging { get; set; }

        /// <summary>The database page size in bytes; default: read from the first database file that exists.</summary>
        public int? PageSize { get; set; }
    }

    /// <summary>
    /// An ESE instance in this process: one <see cref="Open"/> creates (JetCreateInstance2, folders and base
    /// name set, JetInit3 runs soft recovery, databases attached) and <see cref="Close"/> detaches and
    /// terminates, or one a caller already holds, wrapped with <see cref="FromHandle"/> and never terminated here.
    /// Windows only: elsewhere every entry point throws <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    public sealed class EseInstance : IDisposable
    {
        private static readonly object s_openGate = new object();
        private static readonly HashSet<EseInstance> s_open = new HashSet<EseInstance>();

        private readonly object _gate = new object();
        private readonly JetInstanceHandle _handle;
        private readonly List<string> _databases = new List<string>();
        private IntPtr _session;
        private bool _closed;

        private EseInstance(JetInstanceHandle handle, string name, bool ownsInstance, string? logFolder, string? systemFolder, string? baseName)
        {
            _handle = handle;
            Name = name;
            OwnsInstance = ownsInstance;
            LogFolder = logFolder;
            SystemFolder = systemFolder;
            BaseName = baseName;
        }

        /// <summary>The instance name (or the description given to <see cref="FromHandle"/>).</summary>
        public string Name { get; }

        /// <summary>True when this object created the instance and terminates it on <see cref="Close"/>.</summary>
        public bool OwnsInstance { get; }

        /// <summary>The transaction log folder (null for a wrapped instance).</summary>
        public string? LogFolder { get; }

        /// <summary>The system folder holding the checkpoint file (null for a wrapped instance).</summary>
        public string? SystemFolder { get; }

        /// <summary>The three-character log base name, e.g. "edb" (null for a wrapped instance).</summary>
        public string? BaseName { get; }

        /// <summary>The databases this object attached, in attach order.</summary>
        public IReadOnlyList<string> Databases
        {
            get { lock (_gate) return _databases.ToArray(); }
        }

        public bool IsClosed
        {
            get { lock (_gate) return _closed; }
        }

        /// <summary>The raw JET_INSTANCE, for code that calls esent.dll itself.</summary>
        public IntPtr Handle
        {
            get
            {
                lock (_gate)
                {
                    ThrowIfClosed();
                    return _handle.DangerousGetHandle();
                }
            }
        }

        /// <summary>The session this object began (zero for a wrapped instance); used to attach and detach.</summary>
        internal IntPtr Session
        {
            get
            {
                lock (_gate)
                {
                    ThrowIfClosed();
                    return _session;
                }
            }
        }

        /// <summary>
        /// Creates and initialises an instance over <paramref name="logFolder"/> and <paramref name="systemFolder"/>
        /// (created when missing), runs soft recovery (JetInit3) and attaches <paramref name="databasePaths"/>.
        /// On any failure everything done so far is undone and the instance terminated.
        /// </summary>
        public static EseInstance Open(string logFolder, string systemFolder, string baseName, IEnumerable<string> databasePaths, EseInstanceOptions? options = null)
        {
            EsentPlatform.EnsureAvailable();
            if (string.IsNullOrWhiteSpace(logFolder)) throw new ArgumentException("A log folder is required.", nameof(logFolder));
            if (string.IsNullOrWhiteSpace(systemFolder)) throw new ArgumentException("A system folder is required.", nameof(systemFolder));
            if (baseName == null || baseName.Length != JetLimits.BaseNameLength)
                throw new ArgumentException($"The log base name must have exactly {JetLimits.BaseNameLength} characters (like 'edb'): '{baseName}'.", nameof(baseName));
            if (databasePaths == null) throw new ArgumentNullException(nameof(databasePaths));
            options ??= new EseInstanceOptions();

            var logs = WithSeparator(Path.GetFullPath(logFolder));
            var system = WithSeparator(Path.GetFullPath(systemFolder));
            var databases = new List<string>();
            foreach (var db in databasePaths) databases.Add(Path.GetFullPath(db));
            Directory.CreateDirectory(logs);
            Directory.CreateDirectory(system);

            SetPageSize(options.PageSize, databases);

            var name = string.IsNullOrEmpty(options.InstanceName) ? "EseBackup-" + Guid.NewGuid().ToString("N") : options.InstanceName!;
            var raw = Esent.CreateInstance(name, name);
            var handle = new JetInstanceHandle(raw, ownsHandle: true);
            var instance = new EseInstance(handle, name, true, logs, system, baseName);
            try
            {
                Esent.SetParameter(raw, JetParam.SystemPath, IntPtr.Zero, system);
                Esent.SetParameter(raw, JetParam.TempPath, IntPtr.Zero, system);
                Esent.SetParameter(raw, JetParam.LogFilePath, IntPtr.Zero, logs);
                Esent.SetParameter(raw, JetParam.BaseName, IntPtr.Zero, baseName);
                Esent.SetParameter(raw, JetParam.CircularLog, new IntPtr(options.CircularLogging ? 1 : 0), null);
                Esent.SetParameter(raw, JetParam.CreatePathIfNotExist, new IntPtr(1), null);

                var initialised = raw;
                try
                {
                    Esent.Init(ref initialised);
                }
                catch (JetException) when (initialised == IntPtr.Zero)
                {
                    // A failed JetInit3 frees the instance itself and zeroes the handle (JetInitEx in
                    // jetapi.cxx): terminating it again could end another instance given the same address.
                    handle.SetHandleAsInvalid();
                    instance._closed = true;
                    throw;
                }
                if (initialised != raw)
                    throw new InvalidOperationException("JetInit3W replaced the instance handle of a multi-instance engine.");

                instance._session = Esent.BeginSession(raw);
                foreach (var db in databases) instance.AttachDatabase(db);
                lock (s_openGate) s_open.Add(instance);
                return instance;
            }
            catch
            {
                instance.CloseQuietly();
                throw;
            }
        }

        /// <summary>The instances <see cref="Open"/> created in this process and nobody has closed yet.</summary>
        public static IReadOnlyList<EseInstance> OpenInstances
        {
            get { lock (s_openGate) return new List<EseInstance>(s_open); }
        }

        /// <summary>
        /// Closes every instance still open (for module removal: an instance must not outlive its user).
        /// Best effort: each is closed even when another fails; failures are returned, not thrown.
        /// </summary>
        public static IReadOnlyList<Exception> CloseAll()
        {
            var failures = new List<Exception>();
            foreach (var instance in OpenInstances) failures.AddRange(instance.CloseCore());
            return failures;
        }

        /// <summary>
        /// Wraps an instance the caller already holds (ManagedEsent, its own interop). This object never
        /// detaches, ends sessions or terminates it: the caller keeps ownership.
        /// </summary>
        public static EseInstance FromHandle(IntPtr instance, string? description = null)
        {
            EsentPlatform.EnsureAvailable();
            var handle = new JetInstanceHandle(instance, ownsHandle: false);
            if (handle.IsInvalid) throw new ArgumentException($"0x{instance.ToInt64():X} is not an ESE instance handle (JET_INSTANCE 0 and -1 are nil).", nameof(instance));
            return new EseInstance(handle, description ?? $"JET_INSTANCE 0x{instance.ToInt64():X}", false, null, null, null);
        }

        /// <summary>Attaches a database to an instance this object opened.</summary>
        public void AttachDatabase(string path)
        {
            var full = Path.GetFullPath(path);
            lock (_gate)
            {
                ThrowIfClosed();
                RequireOwned("attach databases");
                if (!File.Exists(full))
                    throw new FileNotFoundException($"Cannot attach '{full}': the database file does not exist.", full);
                Esent.AttachDatabase(_session, full);
                _databases.Add(full);
            }
        }

        /// <summary>Creates (and attaches) an empty database; used by the Windows engine tests.</summary>
        internal uint CreateDatabase(string path)
        {
            var full = Path.GetFullPath(path);
            lock (_gate)
            {
                ThrowIfClosed();
                RequireOwned("create databases");
                var dbid = EsentTables.CreateDatabase(_session, full);
                _databases.Add(full);
                return dbid;
            }
        }

        /// <summary>
        /// Terminates with JET_bitTermDirty, leaving the databases in dirty shutdown the way a crash does
        /// (JET_bitTermAbrupt still flushes and leaves them clean: ErrIsamTerm in tm.cxx); the engine tests use
        /// it to prove that <see cref="Open"/> recovers them. The engine answers JET_errDirtyShutdown for it.
        /// </summary>
        internal void StopAbruptly()
        {
            lock (_gate)
            {
                ThrowIfClosed();
                RequireOwned("stop the instance");
                _closed = true;
                lock (s_openGate) s_open.Remove(this);
                _session = IntPtr.Zero;
                int err = _handle.Terminate(JetGrbit.TermDirty);
                if (err != (int)JetError.JET_errDirtyShutdown) Esent.Check(err, "JetTerm2(JET_bitTermDirty)");
            }
        }

        /// <summary>JetStopBackupInstance: ends any backup running on the instance and refuses new ones.</summary>
        public void StopBackup()
        {
            lock (_gate)
            {
                ThrowIfClosed();
                Esent.StopBackup(_handle.DangerousGetHandle());
            }
        }

        /// <summary>
        /// Detaches every database this object attached, ends its session and terminates the instance
        /// (JetTerm2, clean). Cleanup continues past a failing step; the first failure is thrown afterwards.
        /// A wrapped instance is only forgotten.
        /// </summary>
        public void Close()
        {
            var errors = CloseCore();
            if (errors.Count == 1) throw errors[0];
            if (errors.Count > 1) throw new AggregateException($"Closing ESE instance '{Name}' failed.", errors);
        }

        /// <summary>Same as <see cref="Close"/> without throwing (Dispose must not throw).</summary>
        public void Dispose() => CloseQuietly();

        public override string ToString() => Name;

        private void CloseQuietly()
        {
            CloseCore();
        }

        private List<Exception> CloseCore()
        {
            var errors = new List<Exception>();
            lock (_gate)
            {
                if (_closed) return errors;
                _closed = true;
                lock (s_openGate) s_open.Remove(this);
                if (!OwnsInstance)
                {
                    _handle.Dispose();
                    return errors;
                }
                // The engine refuses to detach or terminate during a backup (JET_errBackupInProgress: ErrIsamDetachDatabase
                // in db.cxx, ErrINSTTerm in sysinit.cxx): the backups on this instance are aborted first.
                AbortBackups(errors);
                if (_session != IntPtr.Zero)
                {
                    for (int i = _databases.Count - 1; i >= 0; i--)
                    {
                        try { Esent.DetachDatabase(_session, _databases[i]); }
                        catch (Exception ex) { errors.Add(ex); }
                    }
                    try { Esent.EndSession(_session); }
                    catch (Exception ex) { errors.Add(ex); }
                    _session = IntPtr.Zero;
                }
                var raw = _handle.DangerousGetHandle();
                int err = _handle.Terminate(JetGrbit.TermComplete);
                if (err < 0)
                {
                    errors.Add(new JetException(err, $"JetTerm2 could not shut down ESE instance '{Name}' cleanly; it was stopped abruptly and recovery will run on next open."));
                    EsentNative.JetTerm2(raw, JetGrbit.TermAbrupt | JetGrbit.TermStopBackup);
                }
            }
            return errors;
        }

        /// <summary>
        /// Aborts this process's backup sessions of this instance (so they end as aborted, not silently), then
        /// any backup the engine still holds open on it (one begun through another handle wrapper).
        /// </summary>
        private void AbortBackups(List<Exception> errors)
        {
            var raw = _handle.DangerousGetHandle();
            foreach (var session in BackupSessionRegistry.OpenSessions)
            {
                if (session.Source is JetInstanceSource source && source.RawHandle == raw)
                    session.Abort($"ESE instance '{Name}' is being closed.");
            }
            int err = EsentNative.JetEndExternalBackupInstance2(raw, JetGrbit.BackupEndAbort);
            if (err < 0 && err != (int)JetError.JET_errNoBackup)
                errors.Add(new JetException(err, $"JetEndExternalBackupInstance2(JET_bitBackupEndAbort) failed while closing ESE instance '{Name}'."));
        }

        private static void SetPageSize(int? pageSize, List<string> databases)
        {
            int size = pageSize ?? 0;
            if (size == 0)
            {
                foreach (var db in databases)
                {
                    if (!File.Exists(db)) continue;
                    size = Esent.GetDatabaseFileInfoInt32(db, JetDbInfo.PageSize);
                    break;
                }
            }
            if (size == 0) return;
            // The page size is process-wide: once any instance runs it cannot change
            // (JET_errAlreadyInitialized); a mismatch then surfaces as JET_errPageSizeMismatch at attach.
            int err = Esent.TrySetGlobalParameter(JetParam.DatabasePageSize, new IntPtr(size), null);
            if (err != (int)JetError.JET_errAlreadyInitialized) Esent.Check(err, "JetSetSystemParameterW(JET_paramDatabasePageSize)");
        }

        private void ThrowIfClosed()
        {
            if (_closed) throw new ObjectDisposedException(nameof(EseInstance), $"ESE instance '{Name}' is closed.");
        }

        private void RequireOwned(string action)
        {
            if (!OwnsInstance)
                throw new InvalidOperationException($"Cannot {action} on '{Name}': the instance belongs to the caller that created it.");
        }

        private static string WithSeparator(string folder) =>
            folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + Path.DirectorySeparatorChar;
    }
}
