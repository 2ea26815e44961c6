using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Fixtures
{
    /// <summary>libesedb (esedbinfo, esedbexport) as an independent reader of the written structure.</summary>
    public sealed class DatabaseOracleTests : TempFolderTest
    {
        public DatabaseOracleTests() : base("fixtures-oracle") { }

        [EsedbOracleTheory]
        [MemberData(nameof(DatabaseWriterTests.PageSizesAndStates), MemberType = typeof(DatabaseWriterTests))]
        public void Esedbinfo_reports_the_page_size_format_and_the_user_table(int pageSize, DatabaseState state)
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "i.edb"),
                new DatabaseSpec { PageSize = pageSize, State = state, RequiredLogLow = state == DatabaseState.DirtyShutdown ? 3 : (long?)null, TableName = "Customers", PageCount = 100 });

            var info = EsedbOracle.Info(db.Path);
            Assert.Contains($"Page size:\t\t{pageSize} bytes", info);
            Assert.Contains("Current format:\t\t0x620,20", info);
            Assert.Contains("Number of tables:\t3", info);
            Assert.Contains("MSysObjects (2)", info);
            Assert.Contains("MSysObjectsShadow (3)", info);
            Assert.Contains($"Customers ({db.TableObjectId})", info);
            Assert.Contains("1\t1\tId\tInteger 32-bit signed", info);
            Assert.Contains("2\t2\tCreated\tDate and time", info);
            Assert.Contains("3\t128\tName\tText", info);
            Assert.Contains("4\t129\tPayload\tBinary data", info);
            Assert.Contains("PrimaryKey", info);
        }

        [EsedbOracleTheory]
        [MemberData(nameof(DatabaseWriterTests.PageSizesAndStates), MemberType = typeof(DatabaseWriterTests))]
        public void Esedbexport_exports_exactly_the_rows_written(int pageSize, DatabaseState state)
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "e.edb"),
                new DatabaseSpec { PageSize = pageSize, State = state, RequiredLogLow = state == DatabaseState.DirtyShutdown ? 3 : (long?)null, RecordCount = 3000, Seed = pageSize });
            Assert.True(db.TableLeafPages > 1, "the rows should span several leaf pages");

            AssertExportEquals(db, EsedbOracle.ExportTable(db.Path, db.TableName));
        }

        [EsedbOracleTheory]
        [InlineData(0x11, 32768)]
        [InlineData(0x6e, 8192)]
        [InlineData(0x12c, 16384)]
        public void Esedbinfo_reports_the_format_revision_written(int revision, int pageSize)
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "r.edb"), new DatabaseSpec { FormatRevision = revision, PageSize = pageSize });
            var info = EsedbOracle.Info(db.Path);
            Assert.Contains($"Created in format:\t0x620,{revision}", info);
            Assert.Contains($"Current format:\t\t0x620,{revision}", info);
            Assert.Contains($"Page size:\t\t{pageSize} bytes", info);
        }

        [EsedbOracleFact]
        public void An_empty_table_exports_no_rows()
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "empty.edb"), new DatabaseSpec { RecordCount = 0, PageSize = 4096 });
            Assert.Equal(1, db.TableDepth);
            Assert.Empty(EsedbOracle.ExportTable(db.Path, db.TableName));
            Assert.Contains("Items (6)", EsedbOracle.Info(db.Path));
        }

        [EsedbOracleFact]
        public void Esedbexport_reads_a_three_level_table()
        {
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "deep.edb"), new DatabaseSpec { PageSize = 4096, RecordCount = 30000 });
            Assert.Equal(3, db.TableDepth);
            AssertExportEquals(db, EsedbOracle.ExportTable(db.Path, db.TableName));
        }

        [EsedbOracleFact]
        public void Explicit_rows_with_nulls_negative_ids_and_unicode_names_export_as_written()
        {
            var rows = new[]
            {
                new FixtureRow(-5, "négatif ✓", new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc), new byte[] { 0, 1, 2 }),
                new FixtureRow(0, null, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), null),
                new FixtureRow(int.MaxValue, new string('x', 127), new DateTime(2030, 6, 15, 12, 0, 0, DateTimeKind.Utc), Enumerable.Range(0, 255).Select(i => (byte)i).ToArray()),
                new FixtureRow(7, "", new DateTime(2024, 2, 29, 1, 2, 3, DateTimeKind.Utc), new byte[] { 0xff }),
            };
            var db = EseFixtureWriter.WriteDatabase(Path.Combine(Dir, "x.edb"), new DatabaseSpec { PageSize = 8192, Rows = rows });
            Assert.Equal(new[] { -5, 0, 7, int.MaxValue }, db.Rows.Select(r => r.Id));
            AssertExportEquals(db, EsedbOracle.ExportTable(db.Path, db.TableName));
        }

        [EsedbOracleFact]
        public void The_database_in_a_folder_is_readable_by_esedbinfo()
        {
            var folder = EseFixtureWriter.WriteDatabaseFolder(Path.Combine(Dir, "folder"), new DatabaseFolderSpec { Database = { State = DatabaseState.DirtyShutdown } });
            Assert.Contains("Items (6)", EsedbOracle.Info(folder.Database.Path));
        }

        static void AssertExportEquals(DatabaseFixture db, List<Dictionary<string, string>> exported)
        {
            Assert.Equal(db.Rows.Count, exported.Count);
            for (int i = 0; i < exported.Count; i++)
            {
                var expected = db.Rows[i];
                var actual = exported[i];
                Assert.Equal(expected.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), actual["Id"]);
                Assert.Equal(expected.Created, EsedbOracle.ParseDateTime(actual["Created"]));
                Assert.Equal(expected.Name ?? "", actual["Name"]);
                Assert.Equal(expected.PayloadHex, actual["Payload"]);
            }
        }
    }
}
