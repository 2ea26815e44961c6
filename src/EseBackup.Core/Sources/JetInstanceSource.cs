using System;
using System.Collections.Generic;
using System.Reflection;
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
    /// JetReadFileInstance with JET_errReadVerifyFailure). Read in chunks that are a multiple of the page
    /// size and at least three pages (1 MiB is right for every page size); the engine refuses other sizes.
    /// </summary>
    public sealed class JetInstanceSource : IBackupSource
    {
        private readonly object _gate = new object();
        private readonly EseInstance _instance;
        private readonly AlignedNativeBuffer _staging = new AlignedNativeBuffer();
        private BackupKind _kind;
        private bool _backupActive;
        private bool _disposed;

        /// <summary>The smallest ESE page size: every valid read size is a multiple of it.</summary>
        private const int MinimumPageSize = 4096;

        public JetInstanceSource(EseInstance instance)
        {
            EsentPlatform.EnsureAvailable();
            _instance = instance ?? throw new ArgumentNullException(nameof(instance));
            if (instance.IsClosed) throw new ObjectDisposedException(nameof(EseInstance), $"ESE instance '{instance.Name}' is closed.");
        }

        /// <summary>A source over a raw JET_INSTANCE the caller holds and keeps owning.</summary>
        public static JetInstanceSource FromHandle(IntPtr instance, string? description = null) =>
            new JetInstanceSource(EseInstance.FromHandle(instance, description));

        /// <summary>
        /// A source from whatever a caller (a cmdlet's -Instance parameter) passes: an <see cref="EseInstance"/>,
        /// an IntPtr (or a 64-bit integer) holding a JET_INSTANCE, or a ManagedEsent JET_INSTANCE, whose handle
        /// is read from its "Value" field or property (public or not) of type IntPtr.
        /// </summary>
        public static JetInstanceSource FromHandleObject(object instance)
        {
            EsentPlatform.EnsureAvailable();
            switch (instance)
            {
                case null:
                    throw new ArgumentNullException(nameof(instance));
                case EseInstance ese:
                    return new JetInstanceSource(ese);
                case IntPtr pointer:
                    return FromHandle(pointer);
                case UIntPtr unsignedPointer:
                    return FromHandle(new IntPtr(unchecked((long)unsignedPointer.ToUInt64())));
                case long number:
                    return FromHandle(new IntPtr(number));
                case int smallNumber:
                    return FromHandle(new IntPtr(smallNumber));
                case ulong unsignedNumber:
                    return FromHandle(new IntPtr(unchecked((long)unsignedNumber)));
            }

            var type = instance.GetType();
            const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            object? value = null;
            var property = type.GetProperty("Value", flags);
            if (property != null && property.GetIndexParameters().Length == 0 && property.GetGetMethod(true) != null)
                value = property.GetValue(instance);
            else
                value = type.GetField("Value", flags)?.GetValue(instance);

            if (value is IntPtr handle)
                return FromHandle(handle, $"{type.Name} 0x{handle.ToInt64():X}");
            throw new ArgumentException(
                $"Cannot use a {type.FullName} as an ESE instance. Pass an EseInstance (from Open-EseInstance), " +
                "a ManagedEsent JET_INSTANCE, or the instance handle as an IntPtr.", nameof(instance));
        }

        /// <summary>The instance this source backs up.</summary>
        public EseInstance Instance => _instance;

        public string Description => $"ESE instance {_instance.Name}";

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
                if (count <= 0 || count % MinimumPageSize != 0)
                    throw new ArgumentOutOfRangeException(nameof(count),
                        $"Reads of '{file.Path}' must be a positive multiple of the database page size (the engine refuses {count} bytes); read 1 MiB at a time.");
                return Esent.ReadFile(_instance.Handle, token.Handle, _staging, buffer, offset, count, file.Path);
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

        public IReadOnlyList<string> GetTruncateLogInfo() => Guarded(() => Esent.GetTruncateLogInfo(_instance.Handle));

        public void TruncateLog() =>
            Guarded(() =>
            {
                Esent.TruncateLog(_instance.Handle);
                return 0;
            });

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
        }
    }
}
