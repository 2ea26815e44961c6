using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Fixtures
{
    public sealed class DatabaseFolderTests : TempFolderTest
    {
        public DatabaseFolderTests() : base("fixtures-folder") { }

        [Fact]
        public void A_clean_folder_is_consistent_database_logs_and_checkpoint()
        {
            var folder = EseFixtureWriter.WriteDatabaseFolder(Dir, new DatabaseFolderSpec
            {
                Database = { PageSize = 4096, RecordCount = 100 },
                Logs = { FirstGeneration = 10, LastGeneration = 14, LogFileSize = 128 * 1024 },
            });

            var header = DatabaseHeader.Read(folder.Database.Path);
            var sequence = LogSequence.Scan(Dir);
            var checkpoint = CheckpointHeader.Read(folder.CheckpointPath!);

            Assert.Equal(DatabaseState.CleanShutdown, header.State);
            Assert.Equal(14, header.ConsistentPosition.Generation);
            Assert.Equal(header.LogSignature, sequence.Logs[0].LogSignature);
            Assert.All(sequence.Logs, l => Assert.Equal(header.LogSignature, l.LogSignature));
            Assert.Equal(header.LogSignature, checkpoint.LogSignature);
            Assert.Equal(14, checkpoint.CheckpointGeneration);
            Assert.Equal(10, sequence.LowGeneration);
            Assert.Equal(14, sequence.HighGeneration);
            Assert.True(sequence.IsContiguous);
            Assert.Equal(4096, sequence.Logs[0].DatabasePageSize);
            Assert.Equal(Path.Combine(Dir, "edb.chk"), folder.CheckpointPath);
            // The logs' attach list names the database with its signature.
            var attached = Assert.Single(sequence.Logs[0].Databases);
            Assert.Equal(folder.Database.Path, attached.Path);
            Assert.Equal(header.DatabaseSignature, attached.DatabaseSignature);
        }

        [Fact]
        public void A_dirty_folder_holds_the_required_logs_and_its_checkpoint_points_at_the_first()
        {
            var folder = EseFixtureWriter.WriteDatabaseFolder(Dir, new DatabaseFolderSpec
            {
                Database = { State = DatabaseState.DirtyShutdown, PageSize = 32768 },
                Logs = { BaseName = "E00", FirstGeneration = 0x20, LastGeneration = 0x25, LogFileSize = 128 * 1024, IncludeTempLog = true },
            });

            var header = DatabaseHeader.Read(folder.Database.Path);
            var sequence = LogSequence.Scan(Dir);
            Assert.Equal(DatabaseState.DirtyShutdown, header.State);
            Assert.Equal(0x24, header.RequiredLogLow);
            Assert.Equal(0x25, header.RequiredLogHigh);
            Assert.Empty(sequence.MissingBetween(header.RequiredLogLow, header.RequiredLogHigh));
            Assert.Equal(0x24, CheckpointHeader.Read(Path.Combine(Dir, "E00.chk")).CheckpointGeneration);
            Assert.True(File.Exists(Path.Combine(Dir, "E00.log")));
            Assert.True(File.Exists(Path.Combine(Dir, "E0000000020.log")));
            Assert.True(File.Exists(Path.Combine(Dir, "E00tmp.log")));
            Assert.True(DatabaseVerifier.Verify(folder.Database.Path).IsValid);

            var kinds = folder.Files.Select(EseFileDetector.Detect).ToList();
            Assert.Equal(EseFileKind.Database, kinds[0]);
            Assert.Equal(EseFileKind.Checkpoint, kinds[kinds.Count - 1]);
            Assert.Equal(6, kinds.Count(k => k == EseFileKind.Log));
            Assert.Equal(3, kinds.Count(k => k == EseFileKind.ReserveLog));
        }

        [Fact]
        public void Required_logs_outside_the_log_range_are_refused()
        {
            var ex = Assert.Throws<ArgumentException>(() => EseFixtureWriter.WriteDatabaseFolder(Dir, new DatabaseFolderSpec
            {
                Database = { State = DatabaseState.DirtyShutdown, RequiredLogLow = 2, RequiredLogHigh = 9 },
                Logs = { FirstGeneration = 3, LastGeneration = 8 },
            }));
            Assert.Contains("requires logs 2-9, outside the log range 3-8", ex.Message);
            Assert.Empty(Directory.GetFiles(Dir));
        }
    }
}
