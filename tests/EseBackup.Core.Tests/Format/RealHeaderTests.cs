using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>Headers of the real files read back with the values PROVENANCE.md records for them.</summary>
    public class RealHeaderTests
    {
        static string Real(string relative) => Path.Combine(TestEnvironment.RealEseRoot, relative);

        [RealEseTheory]
        [InlineData("appdata-folder/edb/IndexedDB.edb", 32768, 0x6e, DatabaseState.CleanShutdown, 0, 0, "10.0.19044")]
        [InlineData("dissect-esedb/Current.mdb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "10.0.17763")]
        [InlineData("dissect-esedb/SRUDB.dat", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "10.0.17763")]
        [InlineData("dissect-esedb/basic.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/binary.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/default.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/index.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/large.edb", 32768, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/multi.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("dissect-esedb/text.edb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "6.2.9200")]
        [InlineData("go-ese/SRUDB.dat", 4096, 0x6e, DatabaseState.CleanShutdown, 0, 0, "10.0.19041")]
        [InlineData("go-ese/qmgr.db", 16384, 0x12c, DatabaseState.DirtyShutdown, 23, 23, "10.0.26100")]
        [InlineData("go-ese/ual-hyperv/Current.mdb", 4096, 0x14, DatabaseState.DirtyShutdown, 124, 124, "10.0.17763")]
        [InlineData("go-ese/ual-hyperv/SystemIdentity.mdb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "10.0.17763")]
        [InlineData("go-ese/ual-hyperv/{03A01CC5-91BB-4936-B685-63697785D39E}.mdb", 4096, 0x14, DatabaseState.CleanShutdown, 0, 0, "10.0.17763")]
        [InlineData("ravendb-esent/Data", 4096, 0x11, DatabaseState.DirtyShutdown, 1, 1, "6.1.7601")]
        public void Real_database_headers_match_provenance(string file, int pageSize, int revision, DatabaseState state, long low, long high, string os)
        {
            var h = DatabaseHeader.Read(Real(file));
            Assert.Equal(pageSize, h.PageSize);
            Assert.Equal(0x620, h.FormatVersion);
            Assert.Equal(revision, h.FormatRevision);
            Assert.Equal(state, h.State);
            Assert.Equal(low, h.RequiredLogLow);
            Assert.Equal(high, h.RequiredLogHigh);
            Assert.Equal(os, $"{h.OSVersion.Major}.{h.OSVersion.Minor}.{h.OSVersion.Build}");
            Assert.True(h.HeaderChecksumValid);
            Assert.False(h.ReadFromShadow);
            Assert.Equal(new FileInfo(Real(file)).Length / pageSize - 2, h.PageCount);
            Assert.NotEqual(0u, h.DatabaseSignature.Random);
        }

        [RealEseFact]
        public void A_database_log_signature_matches_its_folders_checkpoint_and_current_log()
        {
            var db = DatabaseHeader.Read(Real("appdata-folder/edb/IndexedDB.edb"));
            var chk = CheckpointHeader.Read(Real("appdata-folder/edb/edb.chk"));
            var log = LogFileHeader.Read(Real("appdata-folder/edb/edb.log"));
            Assert.Equal(db.LogSignature, chk.LogSignature);
            Assert.Equal(db.LogSignature, log.LogSignature);
            Assert.Equal(new DateTime(2022, 3, 23, 14, 12, 52, DateTimeKind.Utc), new DateTime(log.CreateTime!.Value.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
            Assert.Equal(1, chk.CheckpointGeneration);
        }

        [RealEseTheory]
        [InlineData("appdata-folder/edb/edb.log", 1, LogFileKind.Current, 524288, 32768)]
        [InlineData("appdata-folder/edb/edb0000D.log", 13, LogFileKind.Archived, 524288, 32768)]
        [InlineData("appdata-folder/uss/USS00040.jtx", 64, LogFileKind.Archived, 3145728, 4096)]
        [InlineData("appdata-folder/uss/USS00041.jtx", 65, LogFileKind.Archived, 3145728, 4096)]
        [InlineData("appdata-folder/uss/USStmp.jtx", 63, LogFileKind.Temp, 3145728, 4096)]
        public void Real_log_headers_read(string file, long generation, LogFileKind kind, long size, int pageSize)
        {
            var log = LogFileHeader.Read(Real(file));
            Assert.Equal(generation, log.Generation);
            Assert.Equal(kind, log.Kind);
            Assert.Equal(size, log.FileSize);
            Assert.Equal(size, log.ActualFileSize);
            Assert.Equal(pageSize, log.DatabasePageSize);
            Assert.Equal(4096, log.SectorSize);
            Assert.True(log.HeaderChecksumValid);
            Assert.NotNull(log.CreateTime);
        }

        [RealEseFact]
        public void A_real_archived_log_names_the_database_it_covers()
        {
            var log = LogFileHeader.Read(Real("appdata-folder/uss/USS00040.jtx"));
            var db = Assert.Single(log.Databases);
            Assert.StartsWith(@"C:\Users\me5ut\AppData\Local", db.Path);
            Assert.Equal(1, db.DatabaseId);
        }

        [RealEseTheory]
        [InlineData("appdata-folder/edb/edbres00001.jrs")]
        [InlineData("appdata-folder/edb/edbtmp.log")]
        [InlineData("appdata-folder/uss/USSres00001.jrs")]
        public void Zero_filled_reserve_and_temp_logs_read_as_such(string file)
        {
            var log = LogFileHeader.Read(Real(file));
            Assert.True(log.IsZeroFilled);
            Assert.Equal(EseFileKind.ReserveLog, EseFileDetector.Detect(Real(file)));
        }

        [RealEseFact]
        public void The_real_log_folder_shows_its_gap()
        {
            var seq = LogSequence.Scan(Real("appdata-folder/edb"));
            Assert.Equal("edb", seq.BaseName);
            Assert.Equal(new long[] { 1, 13 }, seq.Logs.Select(l => l.Generation).ToArray());
            var gap = Assert.Single(seq.Gaps);
            Assert.Equal(2, gap.First);
            Assert.Equal(12, gap.Last);
            Assert.Equal(3, seq.TempAndReserveLogs.Count);

            var uss = LogSequence.Scan(Real("appdata-folder/uss"));
            Assert.Equal("USS", uss.BaseName);
            Assert.Equal(new long[] { 64, 65 }, uss.Logs.Select(l => l.Generation).ToArray());
            Assert.True(uss.IsContiguous);
        }

        [RealEseTheory]
        [InlineData("appdata-folder/edb/edb.chk", 1)]
        [InlineData("ravendb-esent/RVN.chk", 1)]
        [InlineData("ravendb-esent/edb.chk", 1)]
        public void Real_checkpoints_read(string file, long generation)
        {
            var chk = CheckpointHeader.Read(Real(file));
            Assert.Equal(generation, chk.CheckpointGeneration);
            Assert.NotEqual(0u, chk.LogSignature.Random);
            Assert.Equal(EseFileKind.Checkpoint, EseFileDetector.Detect(Real(file)));
        }

        [RealEseFact]
        public void Real_files_are_recognised_by_content()
        {
            Assert.Equal(EseFileKind.Database, EseFileDetector.Detect(Real("ravendb-esent/Data")));
            Assert.Equal(EseFileKind.Log, EseFileDetector.Detect(Real("appdata-folder/uss/USS00040.jtx")));
            Assert.Equal(EseFileKind.Unknown, EseFileDetector.Detect(Real("PROVENANCE.md")));
        }

        [RealEseFact]
        public void The_verifier_reports_exactly_the_documented_bad_pages_of_SRUDB()
        {
            var result = DatabaseVerifier.Verify(Real("dissect-esedb/SRUDB.dat"), chunkSize: 64 * 1024);
            Assert.Equal(Enumerable.Range(143, 16).Select(i => (long)i), result.BadPages.Select(b => b.PageNumber));
            Assert.Equal(16, result.BadPageCount);
            Assert.Equal(655360 / 4096, result.PagesChecked); // every file page, the two header pages included
            Assert.False(result.IsValid);
        }
    }
}
