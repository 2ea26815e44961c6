using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>JET_coltyp values the fixtures use.</summary>
    internal static class ColumnType
    {
        public const int Bit = 1, Short = 3, Long = 4, DateTime = 8, Binary = 9, Text = 10, LongBinary = 11, UnsignedShort = 17;
    }

    internal sealed class ColumnDef
    {
        public ColumnDef(int id, string name, int type, int size, int flags, int codePage)
        { Id = id; Name = name; Type = type; Size = size; Flags = flags; CodePage = codePage; }

        public int Id { get; }
        public string Name { get; }
        public int Type { get; }
        /// <summary>Bytes for fixed columns; maximum length for variable ones; 0 for tagged ones.</summary>
        public int Size { get; }
        /// <summary>The engine's column flags as stored in the catalog (1 = not null).</summary>
        public int Flags { get; }
        public int CodePage { get; }
        public bool IsFixed => Id < 128;
    }

    internal sealed class IndexDef
    {
        public IndexDef(int objectId, string name, uint fdp, int flags, params int[] keyColumns)
        { ObjectId = objectId; Name = name; Fdp = fdp; Flags = flags; KeyColumns = keyColumns; }

        public int ObjectId { get; }
        public string Name { get; }
        public uint Fdp { get; set; }
        public int Flags { get; }
        public int[] KeyColumns { get; }
    }

    internal sealed class TableDef
    {
        public TableDef(int objectId, string name, uint fdp, int pages, int flags, IReadOnlyList<ColumnDef> columns, IReadOnlyList<IndexDef> indexes)
        { ObjectId = objectId; Name = name; Fdp = fdp; Pages = pages; Flags = flags; Columns = columns; Indexes = indexes; }

        public int ObjectId { get; }
        public string Name { get; }
        public uint Fdp { get; set; }
        public int Pages { get; set; }
        public int Flags { get; }
        public IReadOnlyList<ColumnDef> Columns { get; }
        public IReadOnlyList<IndexDef> Indexes { get; }

        /// <summary>Offset of each fixed column inside a record (after the 4-byte record header).</summary>
        public int RecordOffsetOf(ColumnDef column)
        {
            int offset = 4;
            foreach (var c in Columns.Where(c => c.IsFixed).OrderBy(c => c.Id))
            {
                if (c.Id == column.Id) return offset;
                offset += c.Size;
            }
            throw new ArgumentException("Not a fixed column of this table.");
        }
    }

    /// <summary>
    /// The catalog (MSysObjects): one record per table, column and index, keyed by
    /// (ObjidTable, Type, Id); plus the entries of its two secondary indexes, Name and RootObjects.
    /// Layout facts: libesedb's format notes (catalog definition) and real databases.
    /// </summary>
    internal static class Catalog
    {
        public const int ObjidDatabase = 1, ObjidCatalog = 2, ObjidShadow = 3, ObjidNameIndex = 4, ObjidRootObjectsIndex = 5;
        public const uint PgnoCatalog = 4, PgnoNameIndex = 7, PgnoRootObjectsIndex = 10, PgnoShadow = 24;
        public const int CatalogExtentPages = 20;

        const short TypeTable = 1, TypeColumn = 2, TypeIndex = 3;
        const int CatalogCodePage = 1252;
        const int SystemTableFlags = unchecked((int)0xC0000000);

        /// <summary>Sizes of the catalog's fixed columns 1..12.</summary>
        static readonly int[] FixedSizes = { 4, 2, 4, 4, 4, 4, 4, 1, 2, 4, 2, 4 };

        public static IReadOnlyList<ColumnDef> CatalogColumns { get; } = new[]
        {
            new ColumnDef(1, "ObjidTable", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(2, "Type", ColumnType.Short, 2, 1, CatalogCodePage),
            new ColumnDef(3, "Id", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(4, "ColtypOrPgnoFDP", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(5, "SpaceUsage", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(6, "Flags", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(7, "PagesOrLocale", ColumnType.Long, 4, 1, CatalogCodePage),
            new ColumnDef(8, "RootFlag", ColumnType.Bit, 1, 0, CatalogCodePage),
            new ColumnDef(9, "RecordOffset", ColumnType.Short, 2, 0, CatalogCodePage),
            new ColumnDef(10, "LCMapFlags", ColumnType.Long, 4, 0, CatalogCodePage),
            new ColumnDef(11, "KeyMost", ColumnType.UnsignedShort, 2, 0, CatalogCodePage),
            new ColumnDef(12, "LVChunkMax", ColumnType.Long, 4, 0, CatalogCodePage),
            new ColumnDef(128, "Name", ColumnType.Text, 255, 1, CatalogCodePage),
            new ColumnDef(129, "Stats", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(130, "TemplateTable", ColumnType.Text, 255, 0, CatalogCodePage),
            new ColumnDef(131, "DefaultValue", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(132, "KeyFldIDs", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(133, "VarSegMac", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(134, "ConditionalColumns", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(135, "TupleLimits", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(136, "Version", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(137, "SortID", ColumnType.Binary, 255, 0, CatalogCodePage),
            new ColumnDef(256, "CallbackData", ColumnType.LongBinary, 0, 0, CatalogCodePage),
            new ColumnDef(257, "CallbackDependencies", ColumnType.LongBinary, 0, 0, CatalogCodePage),
            new ColumnDef(258, "SeparateLV", ColumnType.LongBinary, 0, 0, CatalogCodePage),
            new ColumnDef(259, "SpaceHints", ColumnType.LongBinary, 0, 0, CatalogCodePage),
            new ColumnDef(260, "SpaceDeferredLVHints", ColumnType.LongBinary, 0, 0, CatalogCodePage),
            new ColumnDef(261, "LocaleName", ColumnType.LongBinary, 0, 0, CatalogCodePage),
        };

        public static TableDef CatalogTable() => new TableDef(ObjidCatalog, "MSysObjects", PgnoCatalog, CatalogExtentPages, SystemTableFlags, CatalogColumns, new[]
        {
            new IndexDef(ObjidCatalog, "Id", PgnoCatalog, 0x00010031, 1, 2, 3),
            new IndexDef(ObjidNameIndex, "Name", PgnoNameIndex, 0x00010011, 1, 2, 128),
            new IndexDef(ObjidRootObjectsIndex, "RootObjects", PgnoRootObjectsIndex, 0x00010009, 8, 128),
        });

        public static TableDef ShadowTable(int pages) => new TableDef(ObjidShadow, "MSysObjectsShadow", PgnoShadow, pages, SystemTableFlags, CatalogColumns, new[]
        {
            new IndexDef(ObjidShadow, "Id", PgnoShadow, 0x00010031, 1, 2, 3),
        });

        /// <summary>All catalog records for the given tables, sorted by key.</summary>
        public static List<(byte[] Key, byte[] Data)> Records(IEnumerable<TableDef> tables)
        {
            var list = new List<(byte[] Key, byte[] Data)>();
            foreach (var t in tables)
            {
                list.Add((PrimaryKey(t.ObjectId, TypeTable, t.ObjectId), TableRecord(t)));
                foreach (var c in t.Columns) list.Add((PrimaryKey(t.ObjectId, TypeColumn, c.Id), ColumnRecord(t, c)));
                foreach (var i in t.Indexes) list.Add((PrimaryKey(t.ObjectId, TypeIndex, i.ObjectId), IndexRecord(t, i)));
            }
            list.Sort((a, b) => Le.CompareKeys(a.Key, b.Key));
            return list;
        }

        /// <summary>Entries of the Name index: (ObjidTable, Type, Name) → the record's primary key.</summary>
        public static List<(byte[] Key, byte[] Data)> NameIndexEntries(IEnumerable<TableDef> tables)
        {
            var list = new List<(byte[] Key, byte[] Data)>();
            foreach (var t in tables)
            {
                list.Add((NameKey(t.ObjectId, TypeTable, t.Name), PrimaryKey(t.ObjectId, TypeTable, t.ObjectId)));
                foreach (var c in t.Columns) list.Add((NameKey(t.ObjectId, TypeColumn, c.Name), PrimaryKey(t.ObjectId, TypeColumn, c.Id)));
                foreach (var i in t.Indexes) list.Add((NameKey(t.ObjectId, TypeIndex, i.Name), PrimaryKey(t.ObjectId, TypeIndex, i.ObjectId)));
            }
            list.Sort((a, b) => Le.CompareKeys(a.Key, b.Key));
            return list;
        }

        /// <summary>Entries of the RootObjects index: (RootFlag, Name) of each table → its primary key.</summary>
        public static List<(byte[] Key, byte[] Data)> RootObjectsEntries(IEnumerable<TableDef> tables)
        {
            var list = tables.Select(t => (KeyEncoding.Concat(KeyEncoding.BitTrue(), KeyEncoding.AsciiText(t.Name)), PrimaryKey(t.ObjectId, TypeTable, t.ObjectId))).ToList();
            list.Sort((a, b) => Le.CompareKeys(a.Item1, b.Item1));
            return list;
        }

        static byte[] PrimaryKey(int objidTable, short type, int id) =>
            KeyEncoding.Concat(KeyEncoding.Long(objidTable), KeyEncoding.Short(type), KeyEncoding.Long(id));

        static byte[] NameKey(int objidTable, short type, string name) =>
            KeyEncoding.Concat(KeyEncoding.Long(objidTable), KeyEncoding.Short(type), KeyEncoding.AsciiText(name));

        static byte[] TableRecord(TableDef t)
        {
            var fixedValues = new byte[]?[]
            {
                Le.Bytes32((uint)t.ObjectId), Le.Bytes16(TypeTable), Le.Bytes32((uint)t.ObjectId), Le.Bytes32(t.Fdp),
                Le.Bytes32(80), Le.Bytes32((uint)t.Flags), Le.Bytes32((uint)t.Pages), new byte[] { 0xff },
            };
            return RecordEncoder.Encode(FixedSizes, fixedValues, new byte[]?[] { Ascii(t.Name) });
        }

        static byte[] ColumnRecord(TableDef t, ColumnDef c)
        {
            var fixedValues = new byte[]?[]
            {
                Le.Bytes32((uint)t.ObjectId), Le.Bytes16(TypeColumn), Le.Bytes32((uint)c.Id), Le.Bytes32((uint)c.Type),
                Le.Bytes32((uint)c.Size), Le.Bytes32((uint)c.Flags), Le.Bytes32((uint)c.CodePage), null,
                c.IsFixed ? Le.Bytes16(t.RecordOffsetOf(c)) : null,
            };
            return RecordEncoder.Encode(FixedSizes, fixedValues, new byte[]?[] { Ascii(c.Name) });
        }

        static byte[] IndexRecord(TableDef t, IndexDef i)
        {
            var fixedValues = new byte[]?[]
            {
                Le.Bytes32((uint)t.ObjectId), Le.Bytes16(TypeIndex), Le.Bytes32((uint)i.ObjectId), Le.Bytes32(i.Fdp),
                Le.Bytes32(80), Le.Bytes32((uint)i.Flags), Le.Bytes32(1033), null, null, Le.Bytes32(0x00030401),
            };
            // KeyFldIDs: 4 bytes per key column, the column id in the upper half (ascending order).
            var keyFields = new byte[4 * i.KeyColumns.Length];
            for (int k = 0; k < i.KeyColumns.Length; k++) Le.U16(keyFields, 4 * k + 2, i.KeyColumns[k]);
            return RecordEncoder.Encode(FixedSizes, fixedValues, new byte[]?[] { Ascii(i.Name), null, null, null, keyFields });
        }

        static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
    }
}
