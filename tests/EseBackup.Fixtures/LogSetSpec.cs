using System;
using System.Collections.Generic;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures
{
    /// <summary>
    /// A sequence of transaction log generations as a log folder holds them: archived generations
    /// (edb0000A.log or E000000000A.log), the current log (the base name alone, carrying the last
    /// generation), zero-filled reserve logs (edbres00001.jrs) and optionally the temp log.
    /// </summary>
    public sealed class LogSetSpec
    {
        /// <summary>Three characters: "edb" (legacy names), "E00".."E99", or any other three-character base.</summary>
        public string BaseName { get; set; } = "edb";

        /// <summary>5 (edb0000A.log) or 8 (E000000000A.log) hex digits; null = 5 for "edb", else 8.</summary>
        public int? GenerationDigits { get; set; }

        /// <summary>".log" or ".jtx".</summary>
        public string Extension { get; set; } = ".log";

        public long FirstGeneration { get; set; } = 1;

        public long LastGeneration { get; set; } = 5;

        /// <summary>Write the last generation as the current log (base name alone); false = archived name.</summary>
        public bool LastIsCurrent { get; set; } = true;

        /// <summary>Generations to leave out (to build folders with gaps).</summary>
        public ISet<long> MissingGenerations { get; set; } = new HashSet<long>();

        /// <summary>Bytes per log file: a multiple of <see cref="SectorSize"/>, at most 65535 sectors.</summary>
        public int LogFileSize { get; set; } = 1 << 20;

        /// <summary>512 or 4096.</summary>
        public int SectorSize { get; set; } = 4096;

        public int ReserveLogCount { get; set; } = 2;

        public bool IncludeTempLog { get; set; }

        /// <summary>Default: the signature a <see cref="DatabaseSpec"/> with the same seed uses.</summary>
        public EseSignature? LogSignature { get; set; }

        public int Seed { get; set; } = 1;

        /// <summary>When the first generation was created; each later one <see cref="GenerationInterval"/> after.</summary>
        public DateTime FirstCreationTime { get; set; } = new DateTime(2024, 5, 6, 7, 9, 0, DateTimeKind.Utc);

        public TimeSpan GenerationInterval { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The page size of the databases the logs belong to (recorded in the header).</summary>
        public int DatabasePageSize { get; set; } = 8192;

        public bool CircularLogging { get; set; }

        /// <summary>Fill the body after the 4 KiB header with seeded bytes (like log records); false = zeros.</summary>
        public bool FillBody { get; set; } = true;

        internal int EffectiveDigits => GenerationDigits ?? (BaseName.Equals("edb", StringComparison.OrdinalIgnoreCase) ? 5 : 8);

        internal EseSignature EffectiveLogSignature => LogSignature ??
            FixtureDefaults.LogSignature(Seed, FixtureDefaults.CreationTime, FixtureDefaults.ComputerName);

        internal LogSetSpec Clone()
        {
            var copy = (LogSetSpec)MemberwiseClone();
            copy.MissingGenerations = new HashSet<long>(MissingGenerations);
            return copy;
        }

        internal DateTime CreateTimeOf(long generation) =>
            FirstCreationTime + TimeSpan.FromTicks(GenerationInterval.Ticks * (generation - FirstGeneration));
    }

    /// <summary>One log file written.</summary>
    public sealed class LogFileFixture
    {
        internal LogFileFixture(string path, long generation, bool isCurrent, DateTime createTime, DateTime previousGenerationTime)
        {
            Path = path; Generation = generation; IsCurrent = isCurrent; CreateTime = createTime; PreviousGenerationTime = previousGenerationTime;
        }

        public string Path { get; }
        public string Name => System.IO.Path.GetFileName(Path);
        public long Generation { get; }
        public bool IsCurrent { get; }
        public DateTime CreateTime { get; }
        public DateTime PreviousGenerationTime { get; }
        public override string ToString() => $"{Name} (generation {Generation})";
    }

    /// <summary>What <see cref="EseFixtureWriter.WriteLogs"/> wrote.</summary>
    public sealed class LogSetFixture
    {
        internal LogSetFixture(string folder, string baseName, EseSignature logSignature, IReadOnlyList<LogFileFixture> logs,
            IReadOnlyList<string> reserveLogs, string? tempLog)
        {
            Folder = folder; BaseName = baseName; LogSignature = logSignature; Logs = logs; ReserveLogs = reserveLogs; TempLog = tempLog;
        }

        public string Folder { get; }
        public string BaseName { get; }
        public EseSignature LogSignature { get; }

        /// <summary>The generations written, lowest first (the current log last when there is one).</summary>
        public IReadOnlyList<LogFileFixture> Logs { get; }

        public IReadOnlyList<string> ReserveLogs { get; }
        public string? TempLog { get; }

        public long LowGeneration => Logs.Count == 0 ? 0 : Logs[0].Generation;
        public long HighGeneration => Logs.Count == 0 ? 0 : Logs[Logs.Count - 1].Generation;
    }
}
