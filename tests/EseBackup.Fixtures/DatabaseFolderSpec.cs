using System.Collections.Generic;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures
{
    /// <summary>
    /// A database folder as a stopped service or a snapshot leaves it: a database, its transaction logs
    /// and the checkpoint, consistent with each other (one log signature; the database's required or
    /// last generations present in the logs; the checkpoint inside the log range).
    /// </summary>
    public sealed class DatabaseFolderSpec
    {
        public DatabaseSpec Database { get; set; } = new DatabaseSpec();

        public string DatabaseFileName { get; set; } = "Fixture.edb";

        public LogSetSpec Logs { get; set; } = new LogSetSpec();

        public bool WriteCheckpoint { get; set; } = true;

        /// <summary>Default: the last generation for a clean database, the first required one for a dirty one.</summary>
        public long? CheckpointGeneration { get; set; }
    }

    /// <summary>What <see cref="EseFixtureWriter.WriteDatabaseFolder"/> wrote.</summary>
    public sealed class DatabaseFolderFixture
    {
        internal DatabaseFolderFixture(string folder, DatabaseFixture database, LogSetFixture logs, string? checkpointPath, long checkpointGeneration)
        {
            Folder = folder; Database = database; Logs = logs; CheckpointPath = checkpointPath; CheckpointGeneration = checkpointGeneration;
        }

        public string Folder { get; }
        public DatabaseFixture Database { get; }
        public LogSetFixture Logs { get; }
        public string? CheckpointPath { get; }
        public long CheckpointGeneration { get; }
        public EseSignature LogSignature => Logs.LogSignature;
        public EseSignature DatabaseSignature => Database.DatabaseSignature;

        /// <summary>Every file written, database first.</summary>
        public IEnumerable<string> Files
        {
            get
            {
                yield return Database.Path;
                foreach (var l in Logs.Logs) yield return l.Path;
                foreach (var r in Logs.ReserveLogs) yield return r;
                if (Logs.TempLog != null) yield return Logs.TempLog;
                if (CheckpointPath != null) yield return CheckpointPath;
            }
        }

        public override string ToString() => $"{Folder}: {Database.State} database, logs {Logs.LowGeneration}-{Logs.HighGeneration}, checkpoint {CheckpointGeneration}";
    }
}
