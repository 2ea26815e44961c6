using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Pipeline;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>
    /// A source folder with a zeroed header, a database cut mid-page, or a FIFO where a database or log belongs:
    /// a clear error naming file and page, and nothing opened that would block.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class DamagedSourceTests : TempFolderTest
    {
        public DamagedSourceTests() : base("damaged-source") { }

        const int PageSize = 8192;

        string WriteSource(string name = "source")
        {
            var folder = System.IO.Path.Combine(Dir, name);
            PipelineTestFolders.WriteFixtureFolder(folder, PageSize, pageCount: 32, lastGeneration: 3, logFileSize: 128 * 1024);
            return folder;
        }

        static void Zero(string path, long offset, int count)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
            fs.Position = offset;
            fs.Write(new byte[count], 0, count);
        }

        static void BackUp(string source, string destination)
        {
            var session = BackupPipeline.StartSnapshot(new[] { source }, BackupKind.Full, destination);
            BackupPipeline.Read(session, destination);
            BackupPipeline.Stop(session, false);
        }

        [Fact]
        public void A_zeroed_header_page_is_named_as_zeroed_and_the_shadow_is_used_as_the_engine_does()
        {
            var source = WriteSource();
            var db = System.IO.Path.Combine(source, "Fixture.edb");
            Zero(db, 0, PageSize);

            // ErrUtilReadShadowedHeader: a bad primary with an intact shadow still attaches; the file is a database.
            Assert.Equal(EseFileKind.Database, EseFileDetector.Detect(db));
            var header = DatabaseHeader.Read(db);
            Assert.True(header.ReadFromShadow);
            var verified = DatabaseVerifier.Verify(db);
            var bad = Assert.Single(verified.BadPages);
            Assert.Equal(-1, bad.PageNumber);
            Assert.True(bad.IsZeroed);
            Assert.Contains("database header (file page 0) is all zeros", bad.Describe());
            Assert.Contains(db, bad.Describe());

            // Both header pages zeroed: no "No ESE database was found", but the file and both pages.
            // (Not a database to the detector, so Tab completion offers it not; a folder backup names it.)
            Zero(db, PageSize, PageSize);
            Assert.Equal(EseFileKind.Unknown, EseFileDetector.Detect(db));
            var ex = Assert.Throws<EseFormatException>(() => DatabaseHeader.Read(db));
            Assert.Equal(-1, ex.PageNumber);
            Assert.Contains(db, ex.Message);
            Assert.Contains("file page 0", ex.Message);
            Assert.Contains("file page 1", ex.Message);
            Assert.Contains("all zeros", ex.Message);
            var jet = Assert.Throws<JetException>(() => BackUp(source, System.IO.Path.Combine(Dir, "backups")));
            Assert.Contains(db, jet.Message);
            Assert.Contains("all zeros", jet.Message);
            Assert.DoesNotContain("No ESE database", jet.Message);
        }

        [Fact]
        public void A_database_truncated_mid_page_names_the_file_and_the_torn_page()
        {
            var source = WriteSource();
            var db = System.IO.Path.Combine(source, "Fixture.edb");
            long length = new FileInfo(db).Length;
            using (var fs = new FileStream(db, FileMode.Open, FileAccess.Write)) fs.SetLength(length - 3000);
            long tornPage = (length - 3000) / PageSize - 1;

            // Before: "Cannot access a closed file."
            var ex = Assert.Throws<JetException>(() => BackUp(source, System.IO.Path.Combine(Dir, "backups")));
            Assert.Contains(db, ex.Message);
            Assert.Contains($"page {tornPage}", ex.Message);
            Assert.Contains("truncated", ex.Message);
            Assert.Equal(tornPage, ex.PageNumber);
            Assert.Empty(BackupSetCatalog.Scan(System.IO.Path.Combine(Dir, "backups")).Sets);
        }

        [FifoFact]
        public void A_FIFO_named_like_a_database_or_log_in_a_source_is_refused_by_name_and_never_opened()
        {
            foreach (var name in new[] { "Evil.edb", "edb00004.log", "edb.chk" })
            {
                var source = WriteSource("source-" + name);
                var fifo = System.IO.Path.Combine(source, name);
                if (File.Exists(fifo)) File.Delete(fifo);
                Fifo.Make(fifo);
                var before = Directory.GetFiles(source).Length;

                var ex = Fifo.WithinDeadline(() => Assert.Throws<JetException>(() => BackUp(source, System.IO.Path.Combine(Dir, "backups"))), fifo);
                Assert.Contains(fifo, ex.Message);
                Assert.Contains("FIFO", ex.Message);
                Assert.Equal(JetError.JET_errInvalidPath, (JetError)ex.ErrorCode);
                Assert.Equal(before, Directory.GetFiles(source).Length);
            }
            // Named directly as the database.
            var direct = System.IO.Path.Combine(Dir, "direct.edb");
            Fifo.Make(direct);
            var named = Fifo.WithinDeadline(() => Assert.Throws<JetException>(() => new SnapshotSource(new[] { direct })), direct);
            Assert.Contains(direct, named.Message);
            // The format readers refuse it too, without opening.
            var format = Fifo.WithinDeadline(() => Assert.Throws<EseFormatException>(() => DatabaseHeader.Read(direct)), direct);
            Assert.Equal(EseFormatProblem.NotRegularFile, format.Problem);
            Assert.Equal(EseFileKind.Unknown, Fifo.WithinDeadline(() => EseFileDetector.Detect(direct), direct));
            Assert.Equal(FileEntryKind.Fifo, RegularFile.KindOf(direct));
            Assert.Equal(FileEntryKind.CharacterDevice, RegularFile.KindOf("/dev/null"));
        }
    }
}
