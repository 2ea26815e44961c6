using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// Checked calls into esent.dll: each one asks <see cref="EsentPlatform"/> first, marshals strings, lists
    /// and sizes the way esent.h defines them, and turns a negative JET_ERR into a <see cref="JetException"/>
    /// carrying the code and the file it concerned. Warnings (positive codes) are success.
    /// </summary>
    internal static unsafe class Esent
    {
        /// <summary>A list larger than this is not a list of file names; stop growing.</summary>
        internal const int MaxListBufferBytes = 64 * 1024 * 1024;

        private delegate int ListCall(void* buffer, uint cbMax, uint* cbActual);

        internal static void Check(int err, string function, string? path = null)
        {
            if (err >= 0) return;
            var message = path == null ? $"{function} failed." : $"{function} failed for '{path}'.";
            throw new JetException(err, message, path);
        }

        // Instances and sessions.

        internal static IntPtr CreateInstance(string name, string? displayName)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetCreateInstance2W(out var instance, name, displayName, JetGrbit.None), "JetCreateInstance2W");
            return instance;
        }

        /// <summary>An instance-scoped parameter, before JetInit.</summary>
        internal static void SetParameter(IntPtr instance, uint paramId, IntPtr number, string? text)
        {
            EsentPlatform.EnsureAvailable();
            var local = instance;
            Check(EsentNative.JetSetSystemParameterW(&local, IntPtr.Zero, paramId, number, text), $"JetSetSystemParameterW(param {paramId})", text);
        }

        /// <summary>A process-wide parameter (the database page size): no instance pointer.</summary>
        internal static int TrySetGlobalParameter(uint paramId, IntPtr number, string? text)
        {
            EsentPlatform.EnsureAvailable();
            return EsentNative.JetSetSystemParameterW(null, IntPtr.Zero, paramId, number, text);
        }

        /// <summary>JetInit3 with no restore info: soft recovery replays the logs in the log folder.</summary>
        internal static void Init(ref IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetInit3W(ref instance, IntPtr.Zero, JetGrbit.None), "JetInit3W");
        }

        internal static IntPtr BeginSession(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetBeginSessionW(instance, out var session, null, null), "JetBeginSessionW");
            return session;
        }

        internal static int AttachDatabase(IntPtr session, string path, uint grbit = JetGrbit.None)
        {
            EsentPlatform.EnsureAvailable();
            int err = EsentNative.JetAttachDatabase2W(session, path, 0, grbit);
            Check(err, "JetAttachDatabase2W", path);
            return err;
        }

        internal static void DetachDatabase(IntPtr session, string path)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetDetachDatabase2W(session, path, JetGrbit.None), "JetDetachDatabase2W", path);
        }

        internal static void EndSession(IntPtr session)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetEndSession(session, JetGrbit.None), "JetEndSession");
        }

        internal static int GetDatabaseFileInfoInt32(string path, uint infoLevel)
        {
            EsentPlatform.EnsureAvailable();
            int value = 0;
            Check(EsentNative.JetGetDatabaseFileInfoW(path, &value, sizeof(int), infoLevel), $"JetGetDatabaseFileInfoW(level {infoLevel})", path);
            return value;
        }

        /// <summary>JET_paramDatabasePageSize: the page size every backup read is checked against.</summary>
        internal static int GetDatabasePageSize(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            IntPtr value = IntPtr.Zero;
            Check(EsentNative.JetGetSystemParameterW(instance, IntPtr.Zero, JetParam.DatabasePageSize, &value, null, 0), "JetGetSystemParameterW(JET_paramDatabasePageSize)");
            long size = value.ToInt64();
            if (size < 4096 || size > 32768 || (size & (size - 1)) != 0)
                throw new JetException(JetError.JET_errInvalidParameter, $"The engine reports a database page size of {size} bytes.");
            return (int)size;
        }

        // External backup.

        internal static void BeginExternalBackup(IntPtr instance, uint grbit)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetBeginExternalBackupInstance(instance, grbit), "JetBeginExternalBackupInstance");
        }

        internal static IReadOnlyList<string> GetAttachInfo(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            return GetList("JetGetAttachInfoInstanceW",
                (buffer, cbMax, cbActual) => EsentNative.JetGetAttachInfoInstanceW(instance, buffer, cbMax, cbActual));
        }

        /// <summary>JetOpenFileInstanceW; the size comes back as two 32-bit halves.</summary>
        internal static IntPtr OpenFile(IntPtr instance, string path, out long size)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetOpenFileInstanceW(instance, path, out var file, out uint low, out uint high), "JetOpenFileInstanceW", path);
            size = CombineSize(low, high);
            return file;
        }

        /// <summary>
        /// JetReadFileInstance into <paramref name="staging"/> (page-aligned, as the engine requires), then
        /// copied to <paramref name="buffer"/>. <paramref name="count"/> must be a multiple of the database page
        /// size and, on a handle's first read, at least three pages; the engine refuses other sizes.
        /// </summary>
        internal static int ReadFile(IntPtr instance, IntPtr file, AlignedNativeBuffer staging, byte[] buffer, int offset, int count, string path)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException(nameof(count), $"offset {offset} and count {count} do not fit a buffer of {buffer.Length} bytes.");
            EsentPlatform.EnsureAvailable();
            staging.EnsureCapacity(count);
            uint actual = 0;
            Check(EsentNative.JetReadFileInstance(instance, file, (void*)staging.Pointer, (uint)count, &actual), "JetReadFileInstance", path);
            if (actual > (uint)count)
                throw new InvalidOperationException($"JetReadFileInstance reported {actual} bytes for a {count}-byte read of '{path}'.");
            Marshal.Copy(staging.Pointer, buffer, offset, (int)actual);
            return (int)actual;
        }

        internal static void CloseFile(IntPtr instance, IntPtr file, string path)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetCloseFileInstance(instance, file), "JetCloseFileInstance", path);
        }

        internal static IReadOnlyList<string> GetLogInfo(IntPtr instance, out NativeLogInfo info)
        {
            EsentPlatform.EnsureAvailable();
            var result = NativeLogInfo.Create();
            var files = GetList("JetGetLogInfoInstance2W", (buffer, cbMax, cbActual) =>
            {
                var attempt = NativeLogInfo.Create();
                int err = EsentNative.JetGetLogInfoInstance2W(instance, buffer, cbMax, cbActual, &attempt);
                result = attempt;
                return err;
            });
            info = result;
            return files;
        }

        internal static IReadOnlyList<string> GetTruncateLogInfo(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            return GetList("JetGetTruncateLogInfoInstanceW",
                (buffer, cbMax, cbActual) => EsentNative.JetGetTruncateLogInfoInstanceW(instance, buffer, cbMax, cbActual));
        }

        internal static void TruncateLog(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetTruncateLogInstance(instance), "JetTruncateLogInstance");
        }

        internal static void EndExternalBackup(IntPtr instance, uint grbit)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetEndExternalBackupInstance2(instance, grbit), "JetEndExternalBackupInstance2");
        }

        internal static void StopBackup(IntPtr instance)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetStopBackupInstance(instance), "JetStopBackupInstance");
        }

        // Restore.

        /// <summary>JetRestoreInstanceW: restores a backup folder into an instance that is created but not initialised.</summary>
        internal static void RestoreInstance(IntPtr instance, string backupFolder, string? destinationFolder)
        {
            EsentPlatform.EnsureAvailable();
            Check(EsentNative.JetRestoreInstanceW(instance, backupFolder, destinationFolder, IntPtr.Zero), "JetRestoreInstanceW", backupFolder);
        }

        /// <summary>
        /// JetExternalRestore2W: hard recovery of copied databases from logs in <paramref name="backupLogFolder"/>
        /// (generations low..high), then the logs in <paramref name="logFolder"/>.
        /// </summary>
        internal static void ExternalRestore(
            string checkpointFolder,
            string logFolder,
            IReadOnlyList<KeyValuePair<string, string>> databaseMap,
            string backupLogFolder,
            long lowGeneration,
            long highGeneration,
            string baseName,
            string? targetInstanceLogFolder,
            string? targetInstanceCheckpointFolder)
        {
            EsentPlatform.EnsureAvailable();
            var info = NativeLogInfo.Create();
            info.ulGenLow = checked((uint)lowGeneration);
            info.ulGenHigh = checked((uint)highGeneration);
            info.BaseName = baseName;

            var map = new NativeRestoreMap[databaseMap.Count];
            try
            {
                for (int i = 0; i < map.Length; i++)
                {
                    map[i].szDatabaseName = Marshal.StringToHGlobalUni(databaseMap[i].Key);
                    map[i].szNewDatabaseName = Marshal.StringToHGlobalUni(databaseMap[i].Value);
                }
                fixed (NativeRestoreMap* pMap = map)
                {
                    Check(EsentNative.JetExternalRestore2W(
                        checkpointFolder, logFolder, map.Length == 0 ? null : pMap, map.Length, backupLogFolder, &info,
                        null /* szTargetInstanceName: deprecated */, targetInstanceLogFolder, targetInstanceCheckpointFolder, IntPtr.Zero),
                        "JetExternalRestore2W", backupLogFolder);
                }
            }
            finally
            {
                foreach (var entry in map)
                {
                    if (entry.szDatabaseName != IntPtr.Zero) Marshal.FreeHGlobal(entry.szDatabaseName);
                    if (entry.szNewDatabaseName != IntPtr.Zero) Marshal.FreeHGlobal(entry.szNewDatabaseName);
                }
            }
        }

        // Marshalling helpers.

        internal static long CombineSize(uint low, uint high) => (long)(((ulong)high << 32) | low);

        /// <summary>
        /// Asks a list-returning function for the size first (no buffer), then for the list in a buffer of that
        /// size, as the engine's own A wrappers do: with a buffer, JetGetLogInfoInstance and
        /// JetGetTruncateLogInfoInstance report min(buffer, needed) and never JET_errBufferTooSmall
        /// (ErrBKIGetLogInfo in backup.cxx), so a guessed buffer would cut a long list silently. A list that
        /// fills the buffer without its final empty string grew in between and is asked for again.
        /// </summary>
        private static IReadOnlyList<string> GetList(string function, ListCall call)
        {
            uint needed = 0;
            Check(call(null, 0, &needed), function);
            for (int attempt = 0; attempt < 4; attempt++)
            {
                if (needed > MaxListBufferBytes)
                    throw new JetException(JetError.JET_errBufferTooSmall, $"{function} reports {needed} bytes, more than a list of file names can need ({MaxListBufferBytes}).");
                var buffer = new byte[Math.Max(needed, 2u)];
                uint actual = 0;
                int err;
                fixed (byte* p = buffer)
                {
                    err = call(p, (uint)buffer.Length, &actual);
                }
                if (err != (int)JetError.JET_errBufferTooSmall)
                {
                    Check(err, function);
                    if (actual <= (uint)buffer.Length && EndsList(buffer, (int)actual)) return ParseMultiString(buffer, (int)actual);
                }
                needed = Math.Max(actual, (uint)buffer.Length * 2);
            }
            throw new JetException(JetError.JET_errBufferTooSmall, $"{function} kept returning a longer list than its reported size.");
        }

        /// <summary>True when the first <paramref name="byteCount"/> bytes hold a whole list: it ends with an empty string.</summary>
        internal static bool EndsList(byte[] buffer, int byteCount)
        {
            int chars = Math.Min(byteCount, buffer.Length) / 2;
            if (chars == 1) return buffer[0] == 0 && buffer[1] == 0;
            return chars >= 2 && buffer[2 * chars - 1] == 0 && buffer[2 * chars - 2] == 0 && buffer[2 * chars - 3] == 0 && buffer[2 * chars - 4] == 0;
        }

        /// <summary>
        /// A double-null-terminated UTF-16 list (the registry's multi-string) into its strings. Reads at most
        /// <paramref name="byteCount"/> bytes and stops at the empty string that ends the list.
        /// </summary>
        internal static IReadOnlyList<string> ParseMultiString(byte[] buffer, int byteCount)
        {
            var result = new List<string>();
            int chars = Math.Min(Math.Max(byteCount, 0), buffer.Length) / 2;
            int start = 0;
            for (int i = 0; i < chars; i++)
            {
                char c = (char)(buffer[2 * i] | (buffer[2 * i + 1] << 8));
                if (c != '\0') continue;
                if (i == start) break; // the empty string: end of the list
                result.Add(Encoding.Unicode.GetString(buffer, 2 * start, 2 * (i - start)));
                start = i + 1;
            }
            return result;
        }
    }
}
