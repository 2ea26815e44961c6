using System;
using System.Linq;

namespace EseBackup.Fixtures
{
    /// <summary>One row of the fixture's user table.</summary>
    public sealed class FixtureRow
    {
        public FixtureRow(int id, string? name, DateTime created, byte[]? payload)
        {
            if (name != null && name.Length > 127) throw new ArgumentException("Name holds at most 127 characters (a Text column of 255 bytes, UTF-16).", nameof(name));
            if (payload != null && payload.Length > 255) throw new ArgumentException("Payload holds at most 255 bytes (a Binary column).", nameof(payload));
            Id = id;
            Name = name;
            Created = DateTime.SpecifyKind(new DateTime(created.Ticks - created.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
            Payload = payload;
        }

        /// <summary>Column 1, JET_coltypLong, the primary key.</summary>
        public int Id { get; }

        /// <summary>Column 128, JET_coltypText (Unicode); null = the column is null.</summary>
        public string? Name { get; }

        /// <summary>Column 2, JET_coltypDateTime (stored as an OLE Automation date), whole seconds, UTC.</summary>
        public DateTime Created { get; }

        /// <summary>Column 129, JET_coltypBinary; null = the column is null.</summary>
        public byte[]? Payload { get; }

        public string PayloadHex => Payload == null ? "" : string.Concat(Payload.Select(b => b.ToString("x2")));

        public override string ToString() => $"{Id}: {Name} {Created:yyyy-MM-dd HH:mm:ss} {PayloadHex}";

        /// <summary>The row a spec generates at position <paramref name="index"/> (0-based): same seed, same row.</summary>
        public static FixtureRow Generate(int seed, int index)
        {
            var rng = new FixtureRandom(FixtureRandom.Derive(seed, (uint)index + 0x5EED));
            const string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
            int nameLength = (int)(rng.Next() % 24);
            var chars = new char[nameLength];
            for (int i = 0; i < nameLength; i++) chars[i] = letters[(int)(rng.Next() % (uint)letters.Length)];
            string suffix = new string(chars).Trim();
            string name = suffix.Length == 0 ? $"row {index + 1}" : $"row {index + 1} {suffix}";
            var created = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(37.0 * index).AddSeconds(rng.Next() % 60);
            byte[]? payload = null;
            if (index % 10 != 9)
            {
                payload = new byte[1 + rng.Next() % 48];
                for (int i = 0; i < payload.Length; i++) payload[i] = (byte)rng.Next();
            }
            return new FixtureRow(index + 1, index % 17 == 16 ? null : name, created, payload);
        }
    }

    /// <summary>A small deterministic generator (xorshift32): fixtures must not depend on the runtime's Random.</summary>
    internal sealed class FixtureRandom
    {
        uint _state;

        public FixtureRandom(uint seed) { _state = seed == 0 ? 0x9E3779B9u : seed; }

        public uint Next()
        {
            uint x = _state;
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            return _state = x;
        }

        public static uint Derive(int seed, uint salt)
        {
            uint h = 0x811C9DC5u ^ (uint)seed;
            h = (h ^ salt) * 0x01000193u;
            h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12;
            return h == 0 ? 1u : h;
        }
    }
}
