using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace EseBackup.Core.Format
{
    /// <summary>A database a log file's attach list names (the databases the log covers).</summary>
    public sealed class AttachedDatabase
    {
        public int DatabaseId { get; set; }
        public string Path { get; set; } = "";
        public EseSignature DatabaseSignature { get; set; } = new EseSignature(0, null);
        public LogPosition AttachPosition { get; set; }
        public LogPosition ConsistentPosition { get; set; }
        public ulong DatabaseTime { get; set; }
        public override string ToString() => Path;
    }

    /// <summary>
    /// A transaction log file's header (the first 4 KiB, LGFILEHDR): what <c>eseutil /ml</c> prints.
    /// Zero-filled reserve and temp logs have no header; they read back with <see cref="IsZeroFilled"/>.
    /// </summary>
    public sealed class LogFileHeader
    {
        public const int HeaderSize = 4096;
        const int AttachOffset = 671;
        const int PreviousLogSegmentsChecksumOffset = 653;
        const int AttachFixedSize = 64;
        const byte UnicodeNamesFlag = 0x20;

        public string Path { get; set; } = "";
        public string Name => System.IO.Path.GetFileName(Path);
        public LogFileKind Kind { get; set; } = LogFileKind.Archived;
        public string BaseName { get; set; } = "edb";
        public bool IsZeroFilled { get; set; }
        public uint Checksum { get; set; }
        public bool HeaderChecksumValid { get; set; } = true;
        public long Generation { get; set; }
        public int SectorSize { get; set; } = 4096;
        public int HeaderSectors { get; set; } = 1;
        public int FileSectors { get; set; } = 256;
        public int DatabasePageSize { get; set; } = 8192;
        public DateTime? CreateTime { get; set; }
        public DateTime? PreviousGenerationTime { get; set; }

        /// <summary>The 8 raw bytes of the creation time (tmCreate) and of the previous generation's (tmPrevGen): the engine compares them byte for byte.</summary>
        internal ulong CreateTimeBits { get; set; }
        internal ulong PreviousGenerationTimeBits { get; set; }

        /// <summary>
        /// checksumPrevLogAllSegments (offset 653): the XOR of the segment checksums of the previous generation,
        /// 0 when not recorded. What <see cref="LogVerifier.CheckLink"/> compares with the previous log's body.
        /// </summary>
        public ulong PreviousLogSegmentsChecksum { get; set; }
        public int MajorVersion { get; set; } = 8;
        public int MinorVersion { get; set; } = 4000;
        public int UpdateMajorVersion { get; set; } = 60;
        public int UpdateMinorVersion { get; set; } = 140;
        public EseSignature LogSignature { get; set; } = new EseSignature(0, null);
        public byte Flags { get; set; }
        public LogPosition CheckpointPosition { get; set; }
        public int EngineFormatVersion { get; set; }
        public List<AttachedDatabase> Databases { get; set; } = new List<AttachedDatabase>();
        public long ActualFileSize { get; set; }

        /// <summary>In a folder scan: how many generations are missing right before this one (0 when contiguous).</summary>
        public long MissingGenerationsBefore { get; set; }

        /// <summary>The size the header declares (sectors × sector size).</summary>
        public long FileSize => (long)FileSectors * SectorSize;

        public string FormatVersion => $"{MajorVersion}.{MinorVersion}.{UpdateMajorVersion}.{UpdateMinorVersion}";

        /// <summary>The log the engine writes to now (base name without a generation).</summary>
        public bool IsCurrent => Kind == LogFileKind.Current;

        public bool CircularLogging => (Flags & 0x02) != 0;

        public static LogFileHeader Read(string path)
        {
            using var stream = RegularFile.OpenEseFile(path, "log file");
            return Read(stream, path);
        }

        public static LogFileHeader Read(Stream stream, string path)
        {
            long length = stream.Length;
            LogFileName.TryParse(path, out var name);
            if (length == 0)
                throw new EseFormatException(path, EseFormatProblem.Empty, $"'{path}' is empty (0 bytes), not an ESE transaction log.");
            var h = new byte[HeaderSize];
            if (DatabaseHeader.ReadFully(stream, h, 0, h.Length) < HeaderSize)
                throw new EseFormatException(path, EseFormatProblem.TooShort, $"'{path}' is {length} bytes, shorter than a log header (4096 bytes): not an ESE transaction log.");

            var header = new LogFileHeader { Path = path, ActualFileSize = length, Kind = name?.Kind ?? LogFileKind.Archived, BaseName = name?.BaseName ?? "" };
            if (PageChecksum.IsAllZero(h))
            {
                // Reserve and temp logs are preallocated with zeros until the engine needs them.
                if (name != null && (name.Kind == LogFileKind.Reserve || name.Kind == LogFileKind.Temp))
                {
                    header.IsZeroFilled = true;
                    header.FileSectors = (int)Math.Min(int.MaxValue, length / header.SectorSize);
                    return header;
                }
                throw new EseFormatException(path, EseFormatProblem.NotEse, $"'{path}' has an all-zero header: it is not a written ESE transaction log (only reserve and temp logs may be zero-filled).");
            }

            var type = (EseHeaderFileType)BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(DatabaseHeader.FileTypeOffset));
            if (type == EseHeaderFileType.Database && h.AsSpan(4, 4).SequenceEqual(DatabaseHeader.Magic))
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE database, not a transaction log. Use Get-EseDatabaseInfo to read it.");
            if (type == EseHeaderFileType.Checkpoint)
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE checkpoint file, not a transaction log. Use Get-EseCheckpoint to read it.");
            bool checksumValid = PageChecksum.VerifyLogHeader(h, out uint stored, out uint computed);
            if (type != EseHeaderFileType.Log)
                throw new EseFormatException(path, EseFormatProblem.NotEse, $"'{path}' is not an ESE transaction log: its header does not carry the log file type.");
            if (!checksumValid)
                throw new EseFormatException(path, EseFormatProblem.BadHeaderChecksum,
                    $"'{path}': the log header checksum is wrong (stored 0x{stored:X8}, computed 0x{computed:X8}). The log header is damaged.", -1);

            header.Checksum = stored;
            header.Generation = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(4));
            header.SectorSize = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(8));
            header.HeaderSectors = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(10));
            header.FileSectors = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(12));
            int pageSize = BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(14));
            header.DatabasePageSize = pageSize == 0 ? 4096 : pageSize;
            header.CreateTime = LogTime.Read(h.AsSpan(16));
            header.PreviousGenerationTime = LogTime.Read(h.AsSpan(24));
            header.CreateTimeBits = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(16));
            header.PreviousGenerationTimeBits = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(24));
            header.PreviousLogSegmentsChecksum = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(PreviousLogSegmentsChecksumOffset));
            header.MajorVersion = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(32));
            header.MinorVersion = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(36));
            header.UpdateMajorVersion = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(40));
            header.LogSignature = EseSignature.Read(h.AsSpan(44));
            header.Flags = h[639];
            header.CheckpointPosition = LogPosition.Read(h.AsSpan(640));
            header.UpdateMinorVersion = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(648));
            header.EngineFormatVersion = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(661));
            header.Databases = ReadAttachList(h.AsSpan(AttachOffset, HeaderSize - AttachOffset));
            if (header.SectorSize == 0)
                throw new EseFormatException(path, EseFormatProblem.Inconsistent, $"'{path}': the log header declares a sector size of 0.");
            return header;
        }

        static List<AttachedDatabase> ReadAttachList(ReadOnlySpan<byte> s)
        {
            var list = new List<AttachedDatabase>();
            int o = 0;
            while (o + AttachFixedSize <= s.Length && s[o] != 0)
            {
                int namesSize = BinaryPrimitives.ReadUInt16LittleEndian(s.Slice(o + 2));
                bool unicode = (s[o + 1] & UnicodeNamesFlag) != 0;
                if (o + AttachFixedSize + namesSize > s.Length) break;
                var names = s.Slice(o + AttachFixedSize, namesSize).ToArray();
                string text = unicode ? Encoding.Unicode.GetString(names) : Encoding.ASCII.GetString(names);
                int nul = text.IndexOf('\0');
                list.Add(new AttachedDatabase
                {
                    DatabaseId = s[o],
                    DatabaseTime = BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(o + 4)),
                    AttachPosition = LogPosition.Read(s.Slice(o + 20)),
                    ConsistentPosition = LogPosition.Read(s.Slice(o + 28)),
                    DatabaseSignature = EseSignature.Read(s.Slice(o + 36)),
                    Path = nul >= 0 ? text.Substring(0, nul) : text,
                });
                o += AttachFixedSize + namesSize;
            }
            return list;
        }

        /// <summary>Writes this header into the first 4 KiB of a log file and stamps its checksum (fixture writer).</summary>
        public void WriteTo(Span<byte> h)
        {
            if (h.Length < HeaderSize) throw new ArgumentException("A log header needs 4096 bytes.", nameof(h));
            h.Slice(0, HeaderSize).Clear();
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(4), checked((int)Generation));
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(8), (ushort)SectorSize);
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(10), (ushort)HeaderSectors);
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(12), checked((ushort)FileSectors));
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(14), (ushort)(DatabasePageSize == 4096 ? 0 : DatabasePageSize));
            LogTime.Write(h.Slice(16), CreateTime);
            LogTime.Write(h.Slice(24), PreviousGenerationTime);
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(32), MajorVersion);
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(36), MinorVersion);
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(40), UpdateMajorVersion);
            LogSignature.Write(h.Slice(44));
            h[639] = Flags;
            CheckpointPosition.Write(h.Slice(640));
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(648), UpdateMinorVersion);
            BinaryPrimitives.WriteUInt64LittleEndian(h.Slice(PreviousLogSegmentsChecksumOffset), PreviousLogSegmentsChecksum);
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(661), EngineFormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(DatabaseHeader.FileTypeOffset), (int)EseHeaderFileType.Log);
            int o = AttachOffset;
            foreach (var db in Databases)
            {
                var names = Encoding.Unicode.GetBytes(db.Path + "\0");
                if (o + AttachFixedSize + names.Length + 1 > HeaderSize) break;
                h[o] = (byte)db.DatabaseId;
                h[o + 1] = UnicodeNamesFlag;
                BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(o + 2), (ushort)names.Length);
                BinaryPrimitives.WriteUInt64LittleEndian(h.Slice(o + 4), db.DatabaseTime);
                db.AttachPosition.Write(h.Slice(o + 20));
                db.ConsistentPosition.Write(h.Slice(o + 28));
                db.DatabaseSignature.Write(h.Slice(o + 36));
                names.CopyTo(h.Slice(o + AttachFixedSize));
                o += AttachFixedSize + names.Length;
            }
            PageChecksum.StampLogHeader(h);
        }
    }
}
