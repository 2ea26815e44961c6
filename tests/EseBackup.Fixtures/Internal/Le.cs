using System;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>Little- and big-endian writes into byte arrays (ESE stores integers little-endian, keys big-endian).</summary>
    internal static class Le
    {
        public static void U16(byte[] b, int o, int v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }

        public static void U32(byte[] b, int o, uint v)
        {
            b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); b[o + 2] = (byte)(v >> 16); b[o + 3] = (byte)(v >> 24);
        }

        public static void U64(byte[] b, int o, ulong v) { U32(b, o, (uint)v); U32(b, o + 4, (uint)(v >> 32)); }

        public static void BeU32(byte[] b, int o, uint v)
        {
            b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
        }

        public static byte[] Bytes32(uint v) { var b = new byte[4]; U32(b, 0, v); return b; }

        public static byte[] Bytes16(int v) { var b = new byte[2]; U16(b, 0, v); return b; }

        public static byte[] Bytes64(ulong v) { var b = new byte[8]; U64(b, 0, v); return b; }

        public static int CompareKeys(byte[] a, byte[] b)
        {
            int n = Math.Min(a.Length, b.Length);
            for (int i = 0; i < n; i++) if (a[i] != b[i]) return a[i].CompareTo(b[i]);
            return a.Length.CompareTo(b.Length);
        }
    }

    /// <summary>
    /// Normalised index keys: each non-null segment is 0x7f followed by the value in an order-preserving
    /// big-endian form (signed integers with the sign bit flipped; ASCII text upper-cased and 0-terminated).
    /// </summary>
    internal static class KeyEncoding
    {
        public static byte[] Long(int value)
        {
            var k = new byte[5];
            k[0] = 0x7f;
            Le.BeU32(k, 1, unchecked((uint)value ^ 0x80000000u));
            return k;
        }

        public static byte[] Short(short value)
        {
            ushort v = unchecked((ushort)((ushort)value ^ 0x8000));
            return new byte[] { 0x7f, (byte)(v >> 8), (byte)v };
        }

        public static byte[] BitTrue() => new byte[] { 0x7f, 0xff };

        /// <summary>Text in a single-byte code page (the catalog uses 1252): case-insensitive, so upper-cased.</summary>
        public static byte[] AsciiText(string text)
        {
            var k = new byte[text.Length + 2];
            k[0] = 0x7f;
            for (int i = 0; i < text.Length; i++) k[i + 1] = (byte)char.ToUpperInvariant(text[i]);
            return k;
        }

        public static byte[] Concat(params byte[][] parts)
        {
            int n = 0;
            foreach (var p in parts) n += p.Length;
            var r = new byte[n];
            int o = 0;
            foreach (var p in parts) { Buffer.BlockCopy(p, 0, r, o, p.Length); o += p.Length; }
            return r;
        }
    }
}
