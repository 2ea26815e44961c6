using System;
using System.Buffers.Binary;
using System.Text;

namespace EseBackup.Core.Format
{
    /// <summary>LGPOS: a position in the transaction log stream (generation, sector, byte offset in the sector).</summary>
    public readonly struct LogPosition : IEquatable<LogPosition>, IComparable<LogPosition>
    {
        public const int Size = 8;

        public LogPosition(long generation, int sector, int offset)
        {
            Generation = generation;
            Sector = sector;
            Offset = offset;
        }

        public long Generation { get; }
        public int Sector { get; }
        public int Offset { get; }
        public bool IsEmpty => Generation == 0 && Sector == 0 && Offset == 0;

        public static LogPosition Read(ReadOnlySpan<byte> s) =>
            new LogPosition(BinaryPrimitives.ReadInt32LittleEndian(s.Slice(4)), BinaryPrimitives.ReadUInt16LittleEndian(s.Slice(2)), BinaryPrimitives.ReadUInt16LittleEndian(s));

        public void Write(Span<byte> s)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)Offset);
            BinaryPrimitives.WriteUInt16LittleEndian(s.Slice(2), (ushort)Sector);
            BinaryPrimitives.WriteInt32LittleEndian(s.Slice(4), checked((int)Generation));
        }

        /// <summary>The form eseutil prints: (0xGEN,SEC,OFFSET) in hexadecimal.</summary>
        public override string ToString() => $"(0x{Generation:X},{Sector:X},{Offset:X})";

        public bool Equals(LogPosition other) => Generation == other.Generation && Sector == other.Sector && Offset == other.Offset;
        public override bool Equals(object? obj) => obj is LogPosition p && Equals(p);
        public override int GetHashCode() => (int)Generation * 397 ^ Sector * 31 ^ Offset;
        public int CompareTo(LogPosition other) =>
            Generation != other.Generation ? Generation.CompareTo(other.Generation) : Sector != other.Sector ? Sector.CompareTo(other.Sector) : Offset.CompareTo(other.Offset);
    }

    /// <summary>LOGTIME: the engine's 8-byte timestamp (seconds … year since 1900, UTC flag, milliseconds).</summary>
    public static class LogTime
    {
        public const int Size = 8;

        /// <summary>The time, or null when the field is empty or not a real date.</summary>
        public static DateTime? Read(ReadOnlySpan<byte> s)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(s) == 0) return null;
            int second = s[0], minute = s[1], hour = s[2], day = s[3], month = s[4], year = 1900 + s[5];
            bool utc = (s[6] & 1) != 0;
            int millisecond = (s[6] >> 1) | ((s[7] & 0x7) << 7);
            if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
                return null;
            return new DateTime(year, month, day, hour, minute, second, Math.Min(millisecond, 999), utc ? DateTimeKind.Utc : DateTimeKind.Unspecified);
        }

        public static void Write(Span<byte> s, DateTime? value)
        {
            s.Slice(0, Size).Clear();
            if (value is null) return;
            var t = value.Value.Kind == DateTimeKind.Local ? value.Value.ToUniversalTime() : value.Value;
            s[0] = (byte)t.Second;
            s[1] = (byte)t.Minute;
            s[2] = (byte)t.Hour;
            s[3] = (byte)t.Day;
            s[4] = (byte)t.Month;
            s[5] = (byte)(t.Year - 1900);
            bool utc = t.Kind != DateTimeKind.Unspecified;
            s[6] = (byte)((utc ? 1 : 0) | ((t.Millisecond & 0x7f) << 1));
            s[7] = (byte)((t.Millisecond >> 7) & 0x7);
        }
    }

    /// <summary>SIGNATURE: what ties databases, logs and checkpoints of one instance together.</summary>
    public sealed class EseSignature : IEquatable<EseSignature>
    {
        public const int Size = 28;

        public EseSignature(uint random, DateTime? creationTime, string computerName = "")
        {
            Random = random;
            CreationTime = creationTime;
            ComputerName = computerName;
        }

        public uint Random { get; }
        public DateTime? CreationTime { get; }
        public string ComputerName { get; }
        public bool IsEmpty => Random == 0 && CreationTime is null;

        public static EseSignature Read(ReadOnlySpan<byte> s)
        {
            var name = s.Slice(12, 16);
            int end = name.IndexOf((byte)0);
            if (end < 0) end = name.Length;
            return new EseSignature(BinaryPrimitives.ReadUInt32LittleEndian(s), LogTime.Read(s.Slice(4)), Encoding.ASCII.GetString(name.Slice(0, end).ToArray()));
        }

        public void Write(Span<byte> s)
        {
            s.Slice(0, Size).Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(s, Random);
            LogTime.Write(s.Slice(4), CreationTime);
            var name = Encoding.ASCII.GetBytes(ComputerName ?? "");
            name.AsSpan(0, Math.Min(name.Length, 15)).CopyTo(s.Slice(12));
        }

        /// <summary>Equal when the random number and creation time are equal (the computer name is informational).</summary>
        public bool Equals(EseSignature? other) => other is not null && Random == other.Random && Nullable.Equals(CreationTime, other.CreationTime);
        public override bool Equals(object? obj) => obj is EseSignature s && Equals(s);
        public override int GetHashCode() => (int)Random;

        /// <summary>The form eseutil prints: Create time:MM/dd/yyyy HH:mm:ss.fff Rand:N Computer:NAME.</summary>
        public override string ToString() =>
            $"Create time:{CreationTime:MM/dd/yyyy HH:mm:ss.fff} Rand:{Random} Computer:{ComputerName}";
    }

    /// <summary>BKINFO: the log range and time of a backup, as the database header records it.</summary>
    public sealed class BackupInfo
    {
        public const int Size = 24;

        public BackupInfo(LogPosition mark, DateTime? time, long lowGeneration, long highGeneration)
        {
            Mark = mark;
            Time = time;
            LowGeneration = lowGeneration;
            HighGeneration = highGeneration;
        }

        public LogPosition Mark { get; }
        public DateTime? Time { get; }
        public long LowGeneration { get; }
        public long HighGeneration { get; }
        public bool IsEmpty => Mark.IsEmpty && Time is null && LowGeneration == 0 && HighGeneration == 0;

        public static BackupInfo Read(ReadOnlySpan<byte> s) =>
            new BackupInfo(LogPosition.Read(s), LogTime.Read(s.Slice(8)), BinaryPrimitives.ReadInt32LittleEndian(s.Slice(16)), BinaryPrimitives.ReadInt32LittleEndian(s.Slice(20)));

        public void Write(Span<byte> s)
        {
            Mark.Write(s);
            LogTime.Write(s.Slice(8), Time);
            BinaryPrimitives.WriteInt32LittleEndian(s.Slice(16), checked((int)LowGeneration));
            BinaryPrimitives.WriteInt32LittleEndian(s.Slice(20), checked((int)HighGeneration));
        }

        public static BackupInfo Empty { get; } = new BackupInfo(default, null, 0, 0);

        public override string ToString() => IsEmpty ? "none" : $"Log Gen: {LowGeneration}-{HighGeneration} (0x{LowGeneration:x}-0x{HighGeneration:x}) Mark: {Mark} Mark: {Time:MM/dd/yyyy HH:mm:ss.fff}";
    }

    /// <summary>JET_filetype values at offset 667 of database, log and checkpoint headers.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum EseHeaderFileType : long
    {
        Unknown = 0,
        Database = 1,
        TempDatabase = 2,
        Log = 3,
        Checkpoint = 4,
    }
}
