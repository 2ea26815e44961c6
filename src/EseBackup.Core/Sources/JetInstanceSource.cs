using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Sources
{
    /// <summary>
    /// The JET external backup protocol over a live ESE instance in this process, one esent.dll call per
    /// <see cref="IBackupSource"/> method. Once a backup has begun, any failure inside the source ends it with
    /// JetEndExternalBackupInstance2(JET_bitBackupEndAbort) before the exception leaves, so no error leaves a
    /// backup session open; disposing the source with a backup still open aborts it too. The instance itself
    /// is never closed here: it belongs to whoever opened or passed it.
    /// The engine verifies page checksums as it reads a database for backup (a bad page fails
    /// JetReadFileInstance with JET_errReadVerifyFailure). Read in chunks that are a multiple of the
    /// database page size and, on a file's first read, at least three pages (1 MiB is right for every page
    /// size); the engine refuses other sizes, and they are refused here before it is asked.
    /// Two engine refusals leave the backup running and are not aborts here either: a failed
    /// JetTruncateLogInstance (the set is complete; ending normally still records it) and JetGetTruncateLogInfo.
    /// </summary>
    public sealed class JetInstanceSource : IBackupSource
    {
        private readonly object _gate = new object();
        private readonly EseInstance _instance;
        private readonly AlignedNativeBuffer _staging = new AlignedNativeBuffer();
        private BackupKind _kind;
        private bool _backupActive;
        private bool _disposed;
        private int _pageSize;

        /// <summary>
        /// A file's first read must hold the two header pages and one more (ErrBKReadFile in backup.cxx:
        /// JET_errInvalidParameter otherwise).
        /// </summary>
        private const int MinimumFirstReadPages = 3;

        public JetInstanceSource(EseInstance instance)
        {
            EsentPlatform.EnsureAvailable();
            _instance = instance ?? throw new ArgumentNullException(nameof(instance));
            if (instance.IsClosed) throw new ObjectDisposedException(nameof(EseInstance), $"ESE instance '{instance.Name}' is closed.");
            RawHandle = instance.Handle;
        }

        /// <summary>A source over a raw JET_INSTANCE the caller holds and keeps owning.</summary>
        public static JetInstanceSource FromHandle(IntPtr instance, string? description = null) =>
            new JetInstanceSource(EseInstance.FromHandle(instance, description));

        /// <summary>
        /// A source from whatever a caller (a cmdlet's -Instance parameter) passes: an <see cref="EseInstance"/>,
        /// an IntPtr (or an integer) holding a JET_INSTANCE, a ManagedEsent JET_INSTANCE (its handle is the
        /// IntPtr in its "Value" field or property, public or not) or a ManagedEsent Instance (a SafeHandle whose
        /// "JetInstance" property is a JET_INSTANCE). ManagedEsent is not referenced: the types are recognised
        /// by shape. Anything else is refused with an error that says what is accepted.
        /// </summary>
        public static JetInstanceSource FromHandleObject(object instance)
        {
            EsentPlatform.EnsureAvailable();
            if (instance == null) throw new ArgumentNullException(nameof(instance));
            if (instance is EseInstance ese) return new JetInstanceSource(ese);
            var handle = HandleOf(instance, out var description);
            // The handle of an instance Open-EseInstance opened is that instance: same name, same session key.
            foreach (var open in EseInstance.OpenInstances)
            {
                try
                {
                    if (open.Handle == handle) return new JetInstanceSource(open);
                }
                catch (ObjectDisposedException)
                {
                    // Closed meanwhile: not this one.
                }
            }
            return FromHandle(handle, description);
        }

        private static IntPtr HandleOf(object instance, out string? description)
        {
            description = null;
            switch (instance)
            {
                case IntPtr pointer:
                    return pointer;
                case UIntPtr unsignedPointer:
                    return new IntPtr(unchecked((long)unsignedPointer.ToUInt64()));
                case long number:
                    return new IntPtr(number);
                case int smallNumber:
                    return new IntPtr(smallNumber);
                case ulong unsignedNumber:
                    return new IntPtr(unchecked((long)unsignedNumber));
            }

            var type = instance.GetType();
            const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            // ManagedEsent's Instance: a SafeHandle carrying a JET_INSTANCE.
            var jetInstance = ReadMember(instance, type, "JetInstance", flags);
            if (jetInstance != null && !(jetInstance is IntPtr))
            {
                if (instance is SafeHandle safe && (safe.IsClosed || safe.IsInvalid))
                    throw new ArgumentException($"The {type.Name} passed as the ESE instance is closed.", nameof(instance));
                var inner = HandleOf(jetInstance, out _);
                description = $"{type.Name} 0x{inner.ToInt64():X}";
                return inner;
            }
            // ManagedEsent's JET_INSTANCE: a struct whose handle is the IntPtr "Value".
            if (ReadMember(instance, type, "Value", flags) is IntPtr value)
            {
                description = $"{type.Name} 0x{value.ToInt64():X}";
                return value;
            }
            throw new ArgumentException(
                $"Cannot use an object of type {type.FullName} as an ESE instance. Pass an EseInstance (from Open-EseInstance), " +
                "a ManagedEsent Instance or JET_INSTANCE, or the instance handle as an IntPtr.", nameof(instance));
        }

        private static object? ReadMember(object instance, Type type, string name, BindingFlags flags)
        {
            var property = type.GetProperty(name, flags);
            if (property != null && property.GetIndexParameters().Length == 0 && property.GetGetMethod(true) != null)
                return property.GetValue(instance);
            return type.GetField(name, flags)?.GetValue(instance);
        }

        /// <summary>The instance this source backs up.</summary>
        public EseInstance Instance => _instance;

        /// <summary>The JET_INSTANCE, captured at construction (valid to compare after the instance closed).</summary>
        internal IntPtr RawHandle { get; }

        public string Description => $"ESE instance {_instance.Name}";

        /// <summary>What a table cell or an Export-Csv row of a session shows for its source.</summary>
        public override string ToString() => Description;

        public bool CanTruncateLogs => true;

        /// <summary>True between a successful <see cref="BeginBackup"/> and the end of that backup.</summary>
        public bool IsBackupActive
        {
            get { lock (_gate) return _backupActive; }
        }

        public void BeginBackup(BackupKind kind)
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                if (_backupActive)
                    throw new JetException(JetError.JET_errBackupInProgress, $"A backup is already running on {Description}.");
                // The engine checks read sizes against the process-wide database page size (g_cbPage).
                _pageSize = Esent.GetDatabasePageSize(_instance.Handle);
                Esent.BeginExternalBackup(_instance.Handle, kind == BackupKind.Incremental ? JetGrbit.BackupIncremental : JetGrbit.None);
                _kind = kind;
                _backupActive = true;
            }
        }

        /// <summary>
        /// The databases to copy. An incremental backup copies only logs, and the engine answers
        /// JetGetAttachInfoInstance with JET_errInvalidBackupSequence there, so it is not called.
        /// </summary>
        public IReadOnlyList<string> GetAttachInfo() =>
            Guarded(() => _kind == BackupKind.Incremental ? Array.Empty<string>() : Esent.GetAttachInfo(_instance.Handle));

        public BackupFileHandle OpenFile(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            return Guarded(() =>
            {
                var file = Esent.OpenFile(_instance.Handle, path, out long size);
                return new BackupFileHandle(path, size, new JetFileToken(file));
            });
        }

        public int ReadFile(BackupFileHandle file, byte[] buffer, int offset, int count) =>
            Guarded(() =>
            {
                var token = TokenOf(file);
                // The engine does not check the handle (ErrBKReadFile): a closed one reads as an empty file.
                if (token.Closed)
                    throw new InvalidOperationException($"'{file.Path}' was already closed for backup; it cannot be read again.");
                if (count <= 0 || count % _pageSize != 0)
                    throw new ArgumentOutOfRangeException(nameof(count),
                        $"Reads of '{file.Path}' must be a positive multiple of the database page size, {_pageSize} bytes (the engine refuses {count} bytes); read 1 MiB at a time.");
                if (token.Position == 0 && count < MinimumFirstReadPages * _pageSize)
                    throw new ArgumentOutOfRangeException(nameof(count),
                        $"The first read of '{file.Path}' must be at least {MinimumFirstReadPages} pages ({MinimumFirstReadPages * _pageSize} bytes); the engine refuses {count} bytes.");
                int read = Esent.ReadFile(_instance.Handle, token.Handle, _staging, buffer, offset, count, file.Path);
                token.Position += read;
                return read;
            });

        public void CloseFile(BackupFileHandle file) =>
            Guarded(() =>
            {
                var token = TokenOf(file);
                if (token.Closed) return 0;
                token.Closed = true;
                Esent.CloseFile(_instance.Handle, token.Handle, file.Path);
                return 0;
            });

        public LogInfo GetLogInfo() =>
            Guarded(() =>
            {
                var files = Esent.GetLogInfo(_instance.Handle, out var info);
                return new LogInfo(files, info.ulGenLow, info.ulGenHigh, info.BaseName);
            });

        /// <summary>A refusal leaves the backup running, as the engine does (ErrBKGetTruncateLogInfo returns before any cleanup).</summary>
        public IReadOnlyList<string> GetTruncateLogInfo() => Unguarded(() => Esent.GetTruncateLogInfo(_instance.Handle));

        /// <summary>
        /// A refusal (JET_errLogFileNotCopied, a file still open, a delete that failed) leaves the backup
        /// running, as ErrBKTruncateLog does: the set is complete and ending normally still records it.
        /// </summary>
        public void TruncateLog() =>
            Unguarded(() =>
            {
                Esent.TruncateLog(_instance.Handle);
                return 0;
            });

        /// <summary>
        /// Fails with JET_errBackupAbortByServer when JetStopBackupInstance (or a term with
        /// JET_bitTermStopBackup) stopped the backup: the engine then turns a normal end into an abort yet
        /// answers success (ErrBKExternalBackupCleanUp), so a normal end alone cannot tell. Asked through
        /// JetGetTruncateLogInfoInstance, which checks the stop flag first and changes nothing once the log
        /// info was taken.
        /// </summary>
        internal void ThrowIfStopped()
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                RequireActive();
                uint needed = 0;
                int err;
                unsafe { err = EsentNative.JetGetTruncateLogInfoInstanceW(_instance.Handle, null, 0, &needed); }
                if (err == (int)JetError.JET_errBackupAbortByServer)
                {
                    var stopped = new JetException(err, $"The engine stopped the backup of {Description} (JetStopBackupInstance or a termination): it ends as aborted and is not recorded as a backup.");
                    AbortAfter(stopped);
                    throw stopped;
                }
            }
        }

        /// <summary>
        /// Normal ends the backup (a failure there aborts it). Abort is idempotent: it does nothing when no
        /// backup is running, and accepts JET_errNoBackup because the engine ends a backup itself after some
        /// failures (a failed JetGetAttachInfo cleans up inside the engine).
        /// </summary>
        public void EndBackup(BackupEndMode mode)
        {
            lock (_gate)
            {
                if (mode == BackupEndMode.Abort)
                {
                    if (!_backupActive) return;
                    _backupActive = false;
                    if (_instance.IsClosed) return; // terminating the instance ended the backup
                    int err = EsentNative.JetEndExternalBackupInstance2(_instance.Handle, JetGrbit.BackupEndAbort);
                    if (err != (int)JetError.JET_errNoBackup) Esent.Check(err, "JetEndExternalBackupInstance2(JET_bitBackupEndAbort)");
                    return;
                }

                ThrowIfDisposed();
                RequireActive();
                ThrowIfStopped();
                try
                {
                    Esent.EndExternalBackup(_instance.Handle, JetGrbit.BackupEndNormal);
                    _backupActive = false;
                }
                catch (Exception ex)
                {
                    AbortAfter(ex);
                    throw;
                }
            }
        }

        /// <summary>Aborts a backup still running; never closes the instance.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                try
                {
                    if (_backupActive && !_instance.IsClosed)
                    {
                        _backupActive = false;
                        EsentNative.JetEndExternalBackupInstance2(_instance.Handle, JetGrbit.BackupEndAbort);
                    }
                }
                finally
                {
                    _staging.Dispose();
                }
            }
        }

        /// <summary>Runs a protocol step of a running backup; any failure aborts the backup before it propagates.</summary>
        private T Guarded<T>(Func<T> step)
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                RequireActive();
                try
                {
                    return step();
                }
                catch (Exception ex)
                {
                    AbortAfter(ex);
                    throw;
                }
            }
        }

        /// <summary>Runs a protocol step the engine refuses without ending the backup; the backup stays running.</summary>
        private T Unguarded<T>(Func<T> step)
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                RequireActive();
                return step();
            }
        }

        private void AbortAfter(Exception failure)
        {
            if (!_backupActive) return;
            _backupActive = false;
            try
            {
                int err = EsentNative.JetEndExternalBackupInstance2(_instance.Handle, JetGrbit.BackupEndAbort);
                if (err < 0 && err != (int)JetError.JET_errNoBackup)
                    failure.Data["EseBackup.AbortError"] = JetException.NameOf(err);
            }
            catch (Exception abortFailure)
            {
                // The original failure is what the caller must see; keep the abort's for diagnosis.
                failure.Data["EseBackup.AbortError"] = abortFailure.Message;
            }
        }

        private void RequireActive()
        {
            if (!_backupActive)
                throw new JetException(JetError.JET_errNoBackup, $"No backup is running on {Description}: call BeginBackup first.");
        }

        private static JetFileToken TokenOf(BackupFileHandle file)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            return file.Token as JetFileToken
                ?? throw new ArgumentException($"'{file.Path}' was not opened by a JetInstanceSource.", nameof(file));
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(JetInstanceSource));
        }

        /// <summary>The JET_HANDLE of an open backup file (0 is a valid handle: the engine's first slot).</summary>
        private sealed class JetFileToken
        {
            internal JetFileToken(IntPtr handle) => Handle = handle;

            internal IntPtr Handle { get; }

            internal bool Closed { get; set; }

            /// <summary>Bytes read so far: the first read has a minimum size.</summary>
            internal long Position { get; set; }
        }
    }
}
