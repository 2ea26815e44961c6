using System;
using System.Collections.Generic;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>
    /// Encodes a record in the ESE record format: a 4-byte header (last fixed column id, last variable
    /// column id, offset of the end of the fixed data), the fixed columns in id order followed by their
    /// null bitmap, then one 2-byte end offset per variable column (0x8000 = null) and the variable data.
    /// Trailing null columns are left out, as the engine does. Tagged columns are not written.
    /// </summary>
    internal static class RecordEncoder
    {
        /// <param name="fixedSizes">Sizes of fixed columns 1..n.</param>
        /// <param name="fixedValues">Values of fixed columns 1..n (null = column is null); each exactly its size.</param>
        /// <param name="variableValues">Values of variable columns 128..(128+m-1) (null = column is null).</param>
        public static byte[] Encode(IReadOnlyList<int> fixedSizes, IReadOnlyList<byte[]?> fixedValues, IReadOnlyList<byte[]?> variableValues)
        {
            int lastFixed = fixedValues.Count;
            while (lastFixed > 0 && fixedValues[lastFixed - 1] == null) lastFixed--;
            int lastVar = variableValues.Count;
            while (lastVar > 0 && variableValues[lastVar - 1] == null) lastVar--;

            int fixedBytes = 0;
            for (int i = 0; i < lastFixed; i++) fixedBytes += fixedSizes[i];
            int bitmapBytes = (lastFixed + 7) / 8;
            int endOfFixed = 4 + fixedBytes + bitmapBytes;
            int varData = 0;
            for (int i = 0; i < lastVar; i++) varData += variableValues[i]?.Length ?? 0;

            var r = new byte[endOfFixed + 2 * lastVar + varData];
            r[0] = (byte)lastFixed;
            r[1] = (byte)(lastVar == 0 ? 127 : 127 + lastVar);
            Le.U16(r, 2, endOfFixed);

            int o = 4;
            for (int i = 0; i < lastFixed; i++)
            {
                var v = fixedValues[i];
                if (v != null)
                {
                    if (v.Length != fixedSizes[i]) throw new ArgumentException($"Fixed column {i + 1} needs {fixedSizes[i]} bytes, got {v.Length}.");
                    Buffer.BlockCopy(v, 0, r, o, v.Length);
                }
                o += fixedSizes[i];
            }
            // Null bitmap: bit set = null; the bits past the last column are set too, as the engine leaves them.
            for (int b = 0; b < bitmapBytes; b++)
            {
                int bits = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    int col = b * 8 + bit;
                    if (col >= lastFixed || fixedValues[col] == null) bits |= 1 << bit;
                }
                r[o++] = (byte)bits;
            }

            int end = 0;
            int dataStart = o + 2 * lastVar;
            for (int i = 0; i < lastVar; i++)
            {
                var v = variableValues[i];
                if (v == null)
                {
                    Le.U16(r, o, end | 0x8000);
                }
                else
                {
                    if (v.Length > 255) throw new ArgumentException($"Variable column {128 + i} holds at most 255 bytes, got {v.Length}.");
                    Buffer.BlockCopy(v, 0, r, dataStart + end, v.Length);
                    end += v.Length;
                    Le.U16(r, o, end);
                }
                o += 2;
            }
            return r;
        }
    }
}
