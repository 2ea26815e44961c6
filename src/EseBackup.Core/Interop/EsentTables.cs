using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// The little table access the Windows engine tests need to prove a backup restores real rows: create a
    /// database and a table with one 32-bit column, insert values, read them back. Not part of the backup
    /// path; internal so the module exposes no general ESE API.
    /// </summary>
    internal static unsafe class EsentTables
    {
        private const uint ColtypLong = 4;            // JET_coltypLong
        private const uint PrepInsert = 0;            // JET_prepInsert
        private const int MoveFirst = int.MinValue;   // JET_MoveFirst (0x80000000)
        private const int MoveNext = 1;               // JET_MoveNext
        private const uint ColInfo = 0;               // JET_ColInfo

        /// <summary>JET_COLUMNDEF: 28 bytes.</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct NativeColumnDef
        {
            internal uint cbStruct;
            internal uint columnid;
            internal uint coltyp;
            internal ushort wCountry;
            internal ushort langid;
            internal ushort cp;
            internal ushort wCollate;
            internal uint cbMax;
            internal uint grbit;
        }

        internal static uint CreateDatabase(IntPtr session, string path)
        {
            EsentPlatform.EnsureAvailable();
            Esent.Check(Native.JetCreateDatabase2W(session, path, 0, out uint dbid, JetGrbit.None), "JetCreateDatabase2W", path);
            return dbid;
        }

        internal static uint OpenDatabase(IntPtr session, string path)
        {
            EsentPlatform.EnsureAvailable();
            Esent.Check(Native.JetOpenDatabaseW(session, path, null, out uint dbid, JetGrbit.None), "JetOpenDatabaseW", path);
            return dbid;
        }

        internal static void CloseDatabase(IntPtr session, uint dbid)
        {
            EsentPlatform.EnsureAvailable();
            Esent.Check(Native.JetCloseDatabase(session, dbid, JetGrbit.None), "JetCloseDatabase");
        }

        internal static void CreateInt32Table(IntPtr session, uint dbid, string table, string column)
        {
            EsentPlatform.EnsureAvailable();
            Esent.Check(Native.JetBeginTransaction(session), "JetBeginTransaction");
            Esent.Check(Native.JetCreateTableW(session, dbid, table, 0, 100, out var tableid), "JetCreateTableW", table);
            var def = new NativeColumnDef { cbStruct = (uint)sizeof(NativeColumnDef), coltyp = ColtypLong };
            uint columnid;
            Esent.Check(Native.JetAddColumnW(session, tableid, column, &def, null, 0, &columnid), "JetAddColumnW", column);
            Esent.Check(Native.JetCloseTable(session, tableid), "JetCloseTable", table);
            Esent.Check(Native.JetCommitTransaction(session, JetGrbit.None), "JetCommitTransaction");
        }

        /// <summary>Inserts the values in one durable transaction.</summary>
        internal static void InsertInt32(IntPtr session, uint dbid, string table, string column, IEnumerable<int> values)
        {
            EsentPlatform.EnsureAvailable();
            uint columnid = ColumnId(session, dbid, table, column);
            Esent.Check(Native.JetOpenTableW(session, dbid, table, null, 0, JetGrbit.None, out var tableid), "JetOpenTableW", table);
            try
            {
                Esent.Check(Native.JetBeginTransaction(session), "JetBeginTransaction");
                foreach (var value in values)
                {
                    int v = value;
                    Esent.Check(Native.JetPrepareUpdate(session, tableid, PrepInsert), "JetPrepareUpdate", table);
                    Esent.Check(Native.JetSetColumn(session, tableid, columnid, &v, sizeof(int), JetGrbit.None, IntPtr.Zero), "JetSetColumn", table);
                    Esent.Check(Native.JetUpdate(session, tableid, null, 0, null), "JetUpdate", table);
                }
                Esent.Check(Native.JetCommitTransaction(session, JetGrbit.None), "JetCommitTransaction");
            }
            finally
            {
                Native.JetCloseTable(session, tableid);
            }
        }

        /// <summary>Every value of the column in clustered-index order.</summary>
        internal static List<int> ReadInt32(IntPtr session, uint dbid, string table, string column)
        {
            EsentPlatform.EnsureAvailable();
            uint columnid = ColumnId(session, dbid, table, column);
            var values = new List<int>();
            Esent.Check(Native.JetOpenTableW(session, dbid, table, null, 0, JetGrbit.None, out var tableid), "JetOpenTableW", table);
            try
            {
                int err = Native.JetMove(session, tableid, MoveFirst, JetGrbit.None);
                while (err >= 0)
                {
                    int v = 0;
                    uint actual = 0;
                    Esent.Check(Native.JetRetrieveColumn(session, tableid, columnid, &v, sizeof(int), &actual, JetGrbit.None, IntPtr.Zero), "JetRetrieveColumn", table);
                    values.Add(v);
                    err = Native.JetMove(session, tableid, MoveNext, JetGrbit.None);
                }
                if (err != (int)Protocol.JetError.JET_errNoCurrentRecord) Esent.Check(err, "JetMove", table);
            }
            finally
            {
                Native.JetCloseTable(session, tableid);
            }
            return values;
        }

        private static uint ColumnId(IntPtr session, uint dbid, string table, string column)
        {
            var def = new NativeColumnDef { cbStruct = (uint)sizeof(NativeColumnDef) };
            Esent.Check(Native.JetGetColumnInfoW(session, dbid, table, column, &def, (uint)sizeof(NativeColumnDef), ColInfo), "JetGetColumnInfoW", table + "." + column);
            return def.columnid;
        }

        private static class Native
        {
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetCreateDatabase2W(IntPtr sesid, string szFilename, uint cpgDatabaseSizeMax, out uint pdbid, uint grbit);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetOpenDatabaseW(IntPtr sesid, string szFilename, string? szConnect, out uint pdbid, uint grbit);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetCloseDatabase(IntPtr sesid, uint dbid, uint grbit);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetCreateTableW(IntPtr sesid, uint dbid, string szTableName, uint lPages, uint lDensity, out IntPtr ptableid);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetAddColumnW(IntPtr sesid, IntPtr tableid, string szColumnName, NativeColumnDef* pcolumndef, void* pvDefault, uint cbDefault, uint* pcolumnid);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetGetColumnInfoW(IntPtr sesid, uint dbid, string szTableName, string pwColumnNameOrId, NativeColumnDef* pvResult, uint cbMax, uint InfoLevel);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, CharSet = CharSet.Unicode, ExactSpelling = true)]
            internal static extern int JetOpenTableW(IntPtr sesid, uint dbid, string szTableName, void* pvParameters, uint cbParameters, uint grbit, out IntPtr ptableid);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetCloseTable(IntPtr sesid, IntPtr tableid);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetBeginTransaction(IntPtr sesid);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetCommitTransaction(IntPtr sesid, uint grbit);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetPrepareUpdate(IntPtr sesid, IntPtr tableid, uint prep);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetSetColumn(IntPtr sesid, IntPtr tableid, uint columnid, void* pvData, uint cbData, uint grbit, IntPtr psetinfo);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetUpdate(IntPtr sesid, IntPtr tableid, void* pvBookmark, uint cbBookmark, uint* pcbActual);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetMove(IntPtr sesid, IntPtr tableid, int cRow, uint grbit);

            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [DllImport(EsentNative.EsentDll, ExactSpelling = true)]
            internal static extern int JetRetrieveColumn(IntPtr sesid, IntPtr tableid, uint columnid, void* pvData, uint cbData, uint* pcbActual, uint grbit, IntPtr pretinfo);
        }
    }
}
