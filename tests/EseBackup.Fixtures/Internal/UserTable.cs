using System;
using System.Collections.Generic;
using System.Text;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>The fixture's user table: its catalog definition and its records.</summary>
    internal static class UserTable
    {
        public const int IdColumn = 1, CreatedColumn = 2, NameColumn = 128, PayloadColumn = 129;
        static readonly int[] FixedSizes = { 4, 8 };

        public static TableDef Define(int objectId, string name, uint fdp, int pages) => new TableDef(objectId, name, fdp, pages, 0, new[]
        {
            new ColumnDef(IdColumn, "Id", ColumnType.Long, 4, 1, 0),
            new ColumnDef(CreatedColumn, "Created", ColumnType.DateTime, 8, 0, 0),
            new ColumnDef(NameColumn, "Name", ColumnType.Text, 255, 0, 1200),
            new ColumnDef(PayloadColumn, "Payload", ColumnType.Binary, 255, 0, 0),
        }, new[] { new IndexDef(objectId, "PrimaryKey", fdp, 0x0001002f, IdColumn) });

        public static IEnumerable<(byte[] Key, byte[] Data)> Entries(IEnumerable<FixtureRow> rows)
        {
            foreach (var row in rows) yield return (KeyEncoding.Long(row.Id), Record(row));
        }

        public static byte[] Record(FixtureRow row)
        {
            var fixedValues = new byte[]?[]
            {
                Le.Bytes32(unchecked((uint)row.Id)),
                Le.Bytes64(unchecked((ulong)BitConverter.DoubleToInt64Bits(row.Created.ToOADate()))),
            };
            var variable = new byte[]?[] { row.Name == null ? null : Encoding.Unicode.GetBytes(row.Name), row.Payload };
            return RecordEncoder.Encode(FixedSizes, fixedValues, variable);
        }
    }
}
