using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>
    /// Writes log generations, reserve and temp logs, and checkpoint files through Core's header writers. A log's
    /// body is what the engine writes: cbSec-byte segments, each with a segment header (its position and time)
    /// and the page ECC checksum with its sector index as the page number; the current log is written half
    /// way, then a shadow copy of its last written segment, then empty (zero) segments. Each header records
    /// the previous generation's creation time and the XOR of its segment checksums (checksumPrevLogAllSegments).
    /// </summary>
    internal static class LogWriter
    {
        public static LogSetFixture Write(string folder, LogSetSpec spec, IReadOnlyList<AttachedDatabase> attached, LogPosition checkpoint)
        {
            Validate(spec);
            Directory.CreateDirectory(folder);
            var signature = spec.EffectiveLogSignature;
            var body = new byte[spec.LogFileSize];
            var logs = new List<LogFileFixture>();
            ulong previousSegments = 0;
            long previousWritten = 0;
            for (long g = spec.FirstGeneration; g <= spec.LastGeneration; g++)
            {
                if (spec.MissingGenerations.Contains(g)) continue;
                if (previousWritten != g - 1) previousSegments = 0; // the previous generation is not there to sum

                bool current = spec.LastIsCurrent && g == spec.LastGeneration;
                string name = current
                    ? LogFileName.CurrentName(spec.BaseName, spec.Extension)
                    : LogFileName.Format(spec.BaseName, g, spec.EffectiveDigits, spec.Extension);
                var created = spec.CreateTimeOf(g);
                var previous = spec.CreateTimeOf(g - 1);
                var header = new LogFileHeader
                {
                    Generation = g,
                    SectorSize = spec.SectorSize,
                    HeaderSectors = Math.Max(1, LogFileHeader.HeaderSize / spec.SectorSize),
                    FileSectors = spec.LogFileSize / spec.SectorSize,
                    DatabasePageSize = spec.DatabasePageSize,
                    CreateTime = created,
                    PreviousGenerationTime = previous,
                    LogSignature = signature,
                    Flags = (byte)(spec.CircularLogging ? 0x02 : 0),
                    CheckpointPosition = checkpoint.Generation <= g ? checkpoint : new LogPosition(g, 1, 0),
                    Databases = attached.ToList(),
                    PreviousLogSegmentsChecksum = previousSegments,
                };
                previousSegments = FillBody(body, spec, g, header, current);
                previousWritten = g;
                header.WriteTo(body);
                var path = Path.Combine(folder, name);
                File.WriteAllBytes(path, body);
                logs.Add(new LogFileFixture(path, g, current, created, previous));
            }

            // Reserve and temp logs are preallocated with zeros.
            Array.Clear(body, 0, body.Length);
            var reserves = new List<string>();
            for (int i = 1; i <= spec.ReserveLogCount; i++)
            {
                var path = Path.Combine(folder, $"{spec.BaseName}res{i:D5}.jrs");
                File.WriteAllBytes(path, body);
                reserves.Add(path);
            }
            string? temp = null;
            if (spec.IncludeTempLog)
            {
                temp = Path.Combine(folder, $"{spec.BaseName}tmp{spec.Extension}");
                File.WriteAllBytes(temp, body);
            }
            return new LogSetFixture(Path.GetFullPath(folder), spec.BaseName, signature, logs, reserves, temp);
        }

        public static void WriteCheckpoint(string path, EseSignature logSignature, LogPosition checkpoint, LogPosition? fullBackup = null, DateTime? fullBackupTime = null)
        {
            var header = new CheckpointHeader
            {
                CheckpointPosition = checkpoint,
                LogSignature = logSignature,
                FullBackupPosition = fullBackup ?? default,
                FullBackupTime = fullBackupTime,
                DatabaseConsistencyPosition = checkpoint,
            };
            // The engine keeps the checkpoint twice in an 8 KiB file: the header and a copy of it.
            var file = new byte[2 * CheckpointHeader.HeaderSize];
            header.WriteTo(file);
            Buffer.BlockCopy(file, 0, file, CheckpointHeader.HeaderSize, CheckpointHeader.HeaderSize);
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, file);
        }

        static ulong FillBody(byte[] body, LogSetSpec spec, long generation, LogFileHeader header, bool current)
        {
            Array.Clear(body, 0, body.Length);
            if (!spec.FillBody) return 0;
            return FillSegments(body, header.SectorSize, header.HeaderSectors, generation, header.CreateTime, FixtureRandom.Derive(spec.Seed, (uint)generation ^ 0x10600000u), current);
        }

        /// <summary>
        /// What the engine does when the current log fills: the next generation's log, from the bytes of the current
        /// one. The header is the current one's with the generation + 1, a creation time 5 minutes later, the current
        /// creation time as the previous generation's and the current log's segment checksums accumulated; the body
        /// is new segments (half written, a shadow, then empty).
        /// </summary>
        public static byte[] NextGeneration(byte[] current)
        {
            int generation = BinaryPrimitives.ReadInt32LittleEndian(current.AsSpan(4));
            int cbSec = BinaryPrimitives.ReadUInt16LittleEndian(current.AsSpan(8));
            int headerSectors = BinaryPrimitives.ReadUInt16LittleEndian(current.AsSpan(10));
            var tally = new LogSegmentTally();
            LogVerifier.CheckSegments(current.AsSpan(headerSectors * cbSec), headerSectors, cbSec, generation, tally);
            if (tally.Bad > 0) throw new InvalidDataException($"The current log (generation {generation}) has {tally.Bad} bad segments: the next generation could not record its checksum.");

            var next = new byte[current.Length];
            Buffer.BlockCopy(current, 0, next, 0, headerSectors * cbSec);
            var created = LogTime.Read(current.AsSpan(16)) ?? new DateTime(2024, 5, 6, 7, 9, 0, DateTimeKind.Utc);
            var nextCreated = created.AddMinutes(5);
            BinaryPrimitives.WriteInt32LittleEndian(next.AsSpan(4), checked(generation + 1));
            LogTime.Write(next.AsSpan(16), nextCreated);
            Buffer.BlockCopy(current, 16, next, 24, LogTime.Size);
            BinaryPrimitives.WriteUInt64LittleEndian(next.AsSpan(PreviousLogSegmentsChecksumOffset), tally.WrittenChecksums);
            PageChecksum.StampLogHeader(next);
            FillSegments(next, cbSec, headerSectors, generation + 1, nextCreated, FixtureRandom.Derive(generation + 1, 0x10610000u), current: true);
            return next;
        }

        /// <summary>
        /// Writes segments from <paramref name="headerSectors"/> on; returns the XOR of the written segments'
        /// checksums (shadows excluded, as the engine accumulates them).
        /// </summary>
        static ulong FillSegments(byte[] body, int cbSec, int headerSectors, long generation, DateTime? time, uint seed, bool current)
        {
            int sectors = body.Length / cbSec;
            // The current log is still being written: half full, a shadow of the last segment, then nothing.
            int written = current ? Math.Max(headerSectors + 1, sectors / 2) : sectors;
            var rng = new FixtureRandom(seed);
            ulong accumulated = 0;
            for (int sector = headerSectors; sector < written; sector++)
            {
                var segment = body.AsSpan(sector * cbSec, cbSec);
                for (int i = SegmentHeaderSize; i + 4 <= cbSec; i += 4) Le.U32(body, sector * cbSec + i, rng.Next());
                new LogPosition(generation, sector, 0).Write(segment.Slice(8));
                LogTime.Write(segment.Slice(16), time);
                Le.U32(body, sector * cbSec + PageChecksum.PageFlagsOffset, PageChecksum.NewChecksumFormatFlag);
                ulong checksum = PageChecksum.ComputeNewFormat(segment, (uint)sector, headerBlock: true);
                Le.U64(body, sector * cbSec, checksum);
                accumulated ^= checksum;
            }
            if (current && written < sectors)
                Buffer.BlockCopy(body, (written - 1) * cbSec, body, written * cbSec, cbSec);
            return accumulated;
        }

        /// <summary>LGSEGHDR: checksum, position, time, reserved bytes, flags (40 bytes).</summary>
        const int SegmentHeaderSize = 40;

        /// <summary>checksumPrevLogAllSegments in LGFILEHDR_FIXED (log.hxx).</summary>
        const int PreviousLogSegmentsChecksumOffset = 653;

        static void Validate(LogSetSpec spec)
        {
            if (spec.BaseName == null || spec.BaseName.Length != 3 || !spec.BaseName.All(char.IsLetterOrDigit))
                throw new ArgumentException($"BaseName '{spec.BaseName}' must be three letters or digits (edb, E00, ...).");
            if (!LogFileName.IsLogExtension(spec.Extension ?? "")) throw new ArgumentException($"Extension '{spec.Extension}' must be .log or .jtx.");
            if (spec.EffectiveDigits != 5 && spec.EffectiveDigits != 8) throw new ArgumentException("GenerationDigits must be 5 or 8.");
            if (spec.FirstGeneration < 1 || spec.LastGeneration < spec.FirstGeneration || spec.LastGeneration > int.MaxValue)
                throw new ArgumentException($"Generations {spec.FirstGeneration}..{spec.LastGeneration} are not a valid range (1..2^31-1, first <= last).");
            if (spec.SectorSize != 512 && spec.SectorSize != 4096) throw new ArgumentException("SectorSize must be 512 or 4096.");
            if (spec.LogFileSize < 2 * LogFileHeader.HeaderSize || spec.LogFileSize % spec.SectorSize != 0 || spec.LogFileSize / spec.SectorSize > ushort.MaxValue)
                throw new ArgumentException($"LogFileSize {spec.LogFileSize} must be at least 8 KiB, a multiple of the sector size, and at most 65535 sectors.");
            if (spec.ReserveLogCount < 0) throw new ArgumentException("ReserveLogCount cannot be negative.");
        }
    }
}
