using System;
using System.Collections.Generic;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures
{
    /// <summary>
    /// What database file to write: page size and count, shutdown state, header values, and one user table
    /// (Id Long, Created DateTime, Name Text, Payload Binary) with generated or given rows.
    /// Every property has a deterministic default, so the same spec always writes the same bytes.
    /// </summary>
    public sealed class DatabaseSpec
    {
        /// <summary>4096, 8192, 16384 or 32768.</summary>
        public int PageSize { get; set; } = 8192;

        /// <summary>
        /// Database pages (page numbers 1..PageCount; the file holds two more: the header and its shadow).
        /// Null = as many as the system tables and the user table need. Pages past the table are written
        /// as free pages with valid checksums.
        /// </summary>
        public long? PageCount { get; set; }

        /// <summary>Generated rows (ignored when <see cref="Rows"/> is set).</summary>
        public int RecordCount { get; set; } = 10;

        /// <summary>Explicit rows, in any order of Id (they are written sorted by Id; Ids must be unique).</summary>
        public IReadOnlyList<FixtureRow>? Rows { get; set; }

        /// <summary>Seeds the generated rows and the filler bytes.</summary>
        public int Seed { get; set; } = 1;

        /// <summary>The user table's name: ASCII letters, digits and underscores, 1–64 characters.</summary>
        public string TableName { get; set; } = "Items";

        /// <summary>CleanShutdown (no logs needed) or DirtyShutdown (needs <see cref="RequiredLogLow"/>..<see cref="RequiredLogHigh"/>).</summary>
        public DatabaseState State { get; set; } = DatabaseState.CleanShutdown;

        /// <summary>First log generation recovery needs (dirty shutdown). Default: 1 when dirty, else 0.</summary>
        public long? RequiredLogLow { get; set; }

        /// <summary>Last log generation recovery needs (dirty shutdown). Default: RequiredLogLow.</summary>
        public long? RequiredLogHigh { get; set; }

        /// <summary>The log generation at which the database was last made consistent (clean shutdown) or attached.</summary>
        public long LastLogGeneration { get; set; } = 1;

        /// <summary>The database signature. Default: derived from <see cref="Seed"/> and <see cref="CreationTime"/>.</summary>
        public EseSignature? DatabaseSignature { get; set; }

        /// <summary>The log signature the database belongs to. Default: derived from <see cref="Seed"/>.</summary>
        public EseSignature? LogSignature { get; set; }

        public BackupInfo? LastFullBackup { get; set; }

        public BackupInfo? LastIncrementalBackup { get; set; }

        public int FormatVersion { get; set; } = 0x620;

        /// <summary>0x14 (Windows 8 – Server 2019) by default; 0x6e and 0x12c are what Windows 10/11 write.</summary>
        public int FormatRevision { get; set; } = 0x14;

        /// <summary>Write the legacy XOR page checksums instead of the XOR+ECC format (page flag 0x2000).</summary>
        public bool LegacyXorChecksums { get; set; }

        public ulong DatabaseTime { get; set; } = 0x1000;

        public DateTime CreationTime { get; set; } = FixtureDefaults.CreationTime;

        public string ComputerName { get; set; } = FixtureDefaults.ComputerName;

        public Version OSVersion { get; set; } = new Version(10, 0, 19045, 0);

        /// <summary>The file size for <paramref name="pageCount"/> database pages: (pageCount + 2) × pageSize.</summary>
        public static long FileSizeFor(long pageCount, int pageSize) => (pageCount + 2) * pageSize;

        /// <summary>The database page count whose file is about <paramref name="bytes"/> long.</summary>
        public static long PageCountForFileSize(long bytes, int pageSize) => Math.Max(1, bytes / pageSize - 2);

        internal long EffectiveRequiredLow => RequiredLogLow ?? (State == DatabaseState.DirtyShutdown ? LastLogGeneration : 0);

        internal long EffectiveRequiredHigh => RequiredLogHigh ?? (State == DatabaseState.DirtyShutdown ? Math.Max(EffectiveRequiredLow, LastLogGeneration) : 0);

        internal EseSignature EffectiveDatabaseSignature =>
            DatabaseSignature ?? new EseSignature(FixtureRandom.Derive(Seed, 0xDB), CreationTime, ComputerName);

        internal EseSignature EffectiveLogSignature =>
            LogSignature ?? FixtureDefaults.LogSignature(Seed, CreationTime, ComputerName);

        internal DatabaseSpec Clone() => (DatabaseSpec)MemberwiseClone();
    }

    /// <summary>Defaults shared by database and log specs, so a database and logs of the same seed match.</summary>
    internal static class FixtureDefaults
    {
        public static readonly DateTime CreationTime = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        public const string ComputerName = "FIXTURE";

        public static EseSignature LogSignature(int seed, DateTime creationTime, string computerName) =>
            new EseSignature(FixtureRandom.Derive(seed, 0x106), creationTime.AddSeconds(-1), computerName);
    }
}
