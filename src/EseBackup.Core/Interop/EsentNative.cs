using System;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// The esent.dll entry points the backup module calls, declared with the signatures esent.h gives them
    /// (microsoft/Extensible-Storage-Engine dev/ese/published/inc/jethdr.w). Explicit W entry points with
    /// UTF-16 strings; JET_INSTANCE, JET_SESID and JET_HANDLE are pointer-sized (JET_API_PTR); Windows
    /// "unsigned long" and "long" are 32 bits, so they are uint and int here. Each is loaded from System32 only
    /// (no DLL planting). Nothing outside <see cref="Esent"/> calls these: it checks the platform first and turns error codes into exceptions.
    /// </summary>
    internal static unsafe class EsentNative
    {
        /// <summary>The only place the library name appears; tests redirect it to a mock with a DllImport resolver.</summary>
        internal const string EsentDll = "esent.dll";

        // Instances, sessions, databases.

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetCreateInstance2W(out IntPtr pinstance, string? szInstanceName, string? szDisplayName, uint grbit);

        /// <summary>pinstance is null for global parameters (the page size), else the address of the instance handle.</summary>
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetSetSystemParameterW(IntPtr* pinstance, IntPtr sesid, uint paramid, IntPtr lParam, string? szParam);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetInit3W(ref IntPtr pinstance, IntPtr prstInfo, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetBeginSessionW(IntPtr instance, out IntPtr psesid, string? szUserName, string? szPassword);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetAttachDatabase2W(IntPtr sesid, string szFilename, uint cpgDatabaseSizeMax, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetDetachDatabase2W(IntPtr sesid, string? szFilename, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetEndSession(IntPtr sesid, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetTerm2(IntPtr instance, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetGetDatabaseFileInfoW(string szDatabaseName, void* pvResult, uint cbMax, uint InfoLevel);

        /// <summary>plParam receives a number parameter (the database page size is process-wide: JET_paramDatabasePageSize).</summary>
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetGetSystemParameterW(IntPtr instance, IntPtr sesid, uint paramid, IntPtr* plParam, char* szParam, uint cbMax);

        // External backup.

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetBeginExternalBackupInstance(IntPtr instance, uint grbit);

        /// <summary>cbMax and *pcbActual are in bytes; the buffer receives a double-null-terminated UTF-16 list.</summary>
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetGetAttachInfoInstanceW(IntPtr instance, void* szzDatabases, uint cbMax, uint* pcbActual);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetOpenFileInstanceW(IntPtr instance, string szFileName, out IntPtr phfFile, out uint pulFileSizeLow, out uint pulFileSizeHigh);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetReadFileInstance(IntPtr instance, IntPtr hfFile, void* pv, uint cb, uint* pcbActual);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetCloseFileInstance(IntPtr instance, IntPtr hfFile);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetGetLogInfoInstance2W(IntPtr instance, void* wszzLogs, uint cbMax, uint* pcbActual, NativeLogInfo* pLogInfo);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetGetTruncateLogInfoInstanceW(IntPtr instance, void* wszzLogs, uint cbMax, uint* pcbActual);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetTruncateLogInstance(IntPtr instance);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetEndExternalBackupInstance2(IntPtr instance, uint grbit);

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, ExactSpelling = true)]
        internal static extern int JetStopBackupInstance(IntPtr instance);

        // Restore.

        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetRestoreInstanceW(IntPtr instance, string sz, string? szDest, IntPtr pfn);

        /// <summary>crstfilemap is a Windows long (32 bits); pLogInfo names the generations to replay from szBackupLogPath.</summary>
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [DllImport(EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
        internal static extern int JetExternalRestore2W(
            string szCheckpointFilePath,
            string szLogPath,
            NativeRestoreMap* rgrstmap,
            int crstfilemap,
            string szBackupLogPath,
            NativeLogInfo* pLogInfo,
            string? szTargetInstanceName,
            string? szTargetInstanceLogPath,
            string? szTargetInstanceCheckpointPath,
            IntPtr pfn);
    }
}
