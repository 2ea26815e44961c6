using System;
using System.Collections.Generic;
using System.IO;
using EseBackup.Core.Format;
using EseBackup.Fixtures.Internal;

namespace EseBackup.Fixtures
{
    /// <summary>
    /// Writes valid ESE files for tests, the demo and benchmarks: databases (any page size, clean or
    /// dirty, one user table with rows), transaction logs, checkpoints, and whole database folders.
    /// Headers and checksums go through EseBackup.Core's writers, so what Core reads back is what was meant.
    /// </summary>
    public static class EseFixtureWriter
    {
        /// <summary>Writes a database file (overwriting <paramref name="path"/>) and says what it holds.</summary>
        public static DatabaseFixture WriteDatabase(string path, DatabaseSpec spec)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (spec == null) throw new ArgumentNullException(nameof(spec));
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            return DatabaseWriter.Write(path, spec);
        }

        /// <summary>Writes log generations (and reserve/temp logs) into <paramref name="folder"/>.</summary>
        public static LogSetFixture WriteLogs(string folder, LogSetSpec spec)
        {
            if (folder == null) throw new ArgumentNullException(nameof(folder));
            if (spec == null) throw new ArgumentNullException(nameof(spec));
            return LogWriter.Write(folder, spec, Array.Empty<AttachedDatabase>(), new LogPosition(spec.LastGeneration, 1, 0));
        }

        /// <summary>Writes a checkpoint file (edb.chk / E00.chk) pointing at <paramref name="generation"/>.</summary>
        public static string WriteCheckpoint(string path, EseSignature logSignature, long generation)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (logSignature == null) throw new ArgumentNullException(nameof(logSignature));
            if (generation < 1) throw new ArgumentOutOfRangeException(nameof(generation), "A checkpoint generation starts at 1.");
            LogWriter.WriteCheckpoint(path, logSignature, new LogPosition(generation, 1, 0));
            return Path.GetFullPath(path);
        }

        /// <summary>
        /// What the engine does when the current log fills: <c>edb.log</c> (generation g) becomes its archived
        /// name (<c>edb0000G.log</c>) and a new current log carries g + 1: the same header with the next
        /// generation, its creation time, the previous generation's time and segment checksums (the chain link),
        /// and new segments. Works on real folders as on written ones. Returns g + 1.
        /// </summary>
        public static long RollCurrentLog(string folder, string baseName = "edb", string extension = ".log", int digits = 5)
        {
            var current = Path.Combine(folder, LogFileName.CurrentName(baseName, extension));
            var bytes = File.ReadAllBytes(current);
            long generation = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
            var next = LogWriter.NextGeneration(bytes);
            File.Move(current, Path.Combine(folder, LogFileName.Format(baseName, generation, digits, extension)));
            File.WriteAllBytes(current, next);
            return generation + 1;
        }

        /// <summary>
        /// Writes a database, its logs and its checkpoint into <paramref name="folder"/>, consistent with
        /// each other: the database's log signature is the logs' signature; a clean database was last
        /// detached at the last generation; a dirty one requires generations inside the log range.
        /// </summary>
        public static DatabaseFolderFixture WriteDatabaseFolder(string folder, DatabaseFolderSpec spec)
        {
            if (folder == null) throw new ArgumentNullException(nameof(folder));
            if (spec == null) throw new ArgumentNullException(nameof(spec));
            // Work on copies: the caller's specs stay as given.
            var db = spec.Database.Clone();
            var logs = spec.Logs.Clone();
            logs.LogSignature ??= db.LogSignature ?? db.EffectiveLogSignature;
            db.LogSignature = logs.LogSignature;
            db.LastLogGeneration = logs.LastGeneration;
            logs.DatabasePageSize = db.PageSize;
            if (db.State == DatabaseState.DirtyShutdown)
            {
                db.RequiredLogLow ??= Math.Max(logs.FirstGeneration, logs.LastGeneration - 1);
                db.RequiredLogHigh ??= logs.LastGeneration;
                if (db.RequiredLogLow < logs.FirstGeneration || db.RequiredLogHigh > logs.LastGeneration)
                    throw new ArgumentException($"The database requires logs {db.RequiredLogLow}-{db.RequiredLogHigh}, outside the log range {logs.FirstGeneration}-{logs.LastGeneration}.");
            }
            long checkpoint = spec.CheckpointGeneration ?? (db.State == DatabaseState.DirtyShutdown ? db.RequiredLogLow!.Value : logs.LastGeneration);
            if (checkpoint < logs.FirstGeneration || checkpoint > logs.LastGeneration)
                throw new ArgumentException($"Checkpoint generation {checkpoint} is outside the log range {logs.FirstGeneration}-{logs.LastGeneration}.");

            Directory.CreateDirectory(folder);
            var database = WriteDatabase(Path.Combine(folder, spec.DatabaseFileName), db);
            var checkpointPosition = new LogPosition(checkpoint, 1, 0);
            var attached = new List<AttachedDatabase>
            {
                new AttachedDatabase
                {
                    DatabaseId = 1,
                    Path = database.Path,
                    DatabaseSignature = database.DatabaseSignature,
                    AttachPosition = database.Header.AttachPosition,
                    ConsistentPosition = database.Header.ConsistentPosition,
                    DatabaseTime = database.Header.DatabaseTime,
                },
            };
            var logSet = LogWriter.Write(folder, logs, attached, checkpointPosition);
            string? checkpointPath = null;
            if (spec.WriteCheckpoint)
            {
                checkpointPath = Path.Combine(Path.GetFullPath(folder), LogFileName.CheckpointName(logs.BaseName));
                LogWriter.WriteCheckpoint(checkpointPath, logSet.LogSignature, checkpointPosition);
            }
            return new DatabaseFolderFixture(Path.GetFullPath(folder), database, logSet, checkpointPath, checkpoint);
        }
    }
}
