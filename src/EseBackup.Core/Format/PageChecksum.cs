using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace EseBackup.Core.Format
{
    /// <summary>Which implementation of the XOR+ECC checksum runs: the widest the processor has, or a narrower one (tests).</summary>
    internal enum ChecksumPath
    {
        Widest,
        /// <summary>At most 256-bit vectors.</summary>
        Vector256,
        /// <summary>64-bit words only: what netstandard2.0 (Windows PowerShell 5.1) runs.</summary>
        Portable,
    }

    /// <summary>The outcome of checking one database page.</summary>
    public enum PageCheckStatus
    {
        Valid,
        /// <summary>All zero bytes: a page the engine has not written yet. Not an error.</summary>
        Uninitialized,
        Bad,
    }

    /// <summary>What a page check found; for a bad page, which checksum failed and the values.</summary>
    public readonly struct PageCheck
    {
        public PageCheck(PageCheckStatus status, ulong expected = 0, ulong actual = 0, int block = 0, bool newFormat = false, int correctableBit = -1)
        {
            Status = status;
            Expected = expected;
            Actual = actual;
            Block = block;
            NewFormat = newFormat;
            CorrectableBit = correctableBit;
        }

        public PageCheckStatus Status { get; }

        /// <summary>The checksum stored on the page (for the failing block).</summary>
        public ulong Expected { get; }

        /// <summary>The checksum computed from the page's bytes.</summary>
        public ulong Actual { get; }

        /// <summary>Which checksummed block failed: 0 for the page header block, 1–3 for the other blocks of 16/32 KiB pages.</summary>
        public int Block { get; }

        public bool NewFormat { get; }

        /// <summary>For the ECC format: the bit offset within the page of a single flipped bit the ECC can locate, else −1.</summary>
        public int CorrectableBit { get; }

        public bool IsValid => Status != PageCheckStatus.Bad;
    }

    /// <summary>
    /// ESE page checksums: the legacy XOR format, the XOR+ECC format (page flag 0x2000) with its
    /// per-block checksums on 16 and 32 KiB pages, and the XOR checksum of database, log and
    /// checkpoint headers. Facts from ../shared/docs/ese-sources.md; checked against real files.
    /// </summary>
    public static class PageChecksum
    {
        public const uint Seed = 0x89abcdef;
        public const int PageFlagsOffset = 36;
        public const uint NewChecksumFormatFlag = 0x2000;
        public const int LogHeaderSize = 4096;

        /// <summary>Offsets of the checksums of blocks 1–3 on 16/32 KiB pages.</summary>
        static readonly int[] ExtraBlockChecksumOffsets = { 40, 48, 56 };

        public static bool IsValidPageSize(int pageSize) =>
            pageSize == 4096 || pageSize == 8192 || pageSize == 16384 || pageSize == 32768;

        /// <summary>True when the page's flags select the XOR+ECC format.</summary>
        public static bool HasNewFormat(ReadOnlySpan<byte> page) =>
            (BinaryPrimitives.ReadUInt32LittleEndian(page.Slice(PageFlagsOffset)) & NewChecksumFormatFlag) != 0;

        /// <summary>Checks a database page (not the header pages). pageNumber = file page index − 1.</summary>
#if NET8_0_OR_GREATER
        // Fully optimised from the first call: a one-off verification in a fresh process must not run the
        // hot loop as unoptimised tier-0 code until tiered compilation catches up.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        public static PageCheck Verify(ReadOnlySpan<byte> page, long pageNumber)
        {
            uint pgno = unchecked((uint)pageNumber);
            if (HasNewFormat(page))
            {
                int blockSize = BlockSize(page.Length);
                int blocks = page.Length / blockSize;
                for (int b = 0; b < blocks; b++)
                {
                    ulong stored = b == 0 ? ReadU64(page, 0) : ReadU64(page, ExtraBlockChecksumOffsets[b - 1]);
                    ulong computed = ComputeNewFormat(page.Slice(b * blockSize, blockSize), pgno, headerBlock: b == 0);
                    if (stored != computed)
                    {
                        if (IsAllZero(page)) return new PageCheck(PageCheckStatus.Uninitialized);
                        int bit = CorrectableBitOffset(blockSize, stored, computed);
                        return new PageCheck(PageCheckStatus.Bad, stored, computed, b, true, bit < 0 ? -1 : bit + b * blockSize * 8);
                    }
                }
                return new PageCheck(PageCheckStatus.Valid, newFormat: true);
            }
            else
            {
                ulong stored = ReadU64(page, 0);
                ulong computed = ((ulong)pgno << 32) | ComputeXor(page);
                if (stored == computed) return new PageCheck(PageCheckStatus.Valid);
                if (IsAllZero(page)) return new PageCheck(PageCheckStatus.Uninitialized);
                return new PageCheck(PageCheckStatus.Bad, stored, computed);
            }
        }

        /// <summary>Writes the checksum(s) the page's flags call for. Used by the fixture writer and repair tools.</summary>
        public static void Stamp(Span<byte> page, long pageNumber)
        {
            uint pgno = unchecked((uint)pageNumber);
            if (HasNewFormat(page))
            {
                int blockSize = BlockSize(page.Length);
                int blocks = page.Length / blockSize;
                // The header block covers the other blocks' checksums, so those go in first.
                for (int b = 1; b < blocks; b++)
                    WriteU64(page, ExtraBlockChecksumOffsets[b - 1], ComputeNewFormat(page.Slice(b * blockSize, blockSize), pgno, headerBlock: false));
                WriteU64(page, 0, ComputeNewFormat(page.Slice(0, blockSize), pgno, headerBlock: true));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(page.Slice(4), pgno);
                BinaryPrimitives.WriteUInt32LittleEndian(page, ComputeXor(page));
            }
        }

        /// <summary>Array form of <see cref="Stamp(Span{byte}, long)"/> for callers without spans (PowerShell scripts).</summary>
        public static void Stamp(byte[] buffer, int offset, int pageSize, long pageNumber) => Stamp(buffer.AsSpan(offset, pageSize), pageNumber);

        /// <summary>Array form of <see cref="Verify(ReadOnlySpan{byte}, long)"/>.</summary>
        public static PageCheck Verify(byte[] buffer, int offset, int pageSize, long pageNumber) => Verify(new ReadOnlySpan<byte>(buffer, offset, pageSize), pageNumber);

        /// <summary>Checks a database header or shadow header page (XOR over the whole page).</summary>
        public static bool VerifyHeader(ReadOnlySpan<byte> headerPage, out uint stored, out uint computed)
        {
            stored = BinaryPrimitives.ReadUInt32LittleEndian(headerPage);
            computed = ComputeXor(headerPage);
            return stored == computed;
        }

        public static void StampHeader(Span<byte> headerPage) =>
            BinaryPrimitives.WriteUInt32LittleEndian(headerPage, ComputeXor(headerPage));

        /// <summary>Checks a log or checkpoint header: XOR over the first 4 KiB.</summary>
        public static bool VerifyLogHeader(ReadOnlySpan<byte> header, out uint stored, out uint computed) =>
            VerifyHeader(header.Slice(0, LogHeaderSize), out stored, out computed);

        public static void StampLogHeader(Span<byte> header) => StampHeader(header.Slice(0, LogHeaderSize));

        /// <summary>0x89abcdef XOR every dword but the first.</summary>
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        public static uint ComputeXor(ReadOnlySpan<byte> data)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data);
            ulong acc = 0;
            int i = 0;
            for (; i + 4 <= words.Length; i += 4)
                acc ^= words[i] ^ words[i + 1] ^ words[i + 2] ^ words[i + 3];
            for (; i < words.Length; i++) acc ^= words[i];
            uint x = (uint)acc ^ (uint)(acc >> 32);
            return x ^ BinaryPrimitives.ReadUInt32LittleEndian(data) ^ Seed;
        }

        /// <summary>
        /// The XOR+ECC checksum of one block (1–8 KiB): high dword a Hamming-style code of the bit
        /// position parities, low dword the XOR of all dwords XOR the page number. In the header block
        /// the first 8 bytes (where the checksum lives) count as zero.
        /// </summary>
        public static ulong ComputeNewFormat(ReadOnlySpan<byte> block, uint pageNumber, bool headerBlock) =>
            ComputeNewFormat(block, pageNumber, headerBlock, ChecksumPath.Widest);

        /// <summary><paramref name="path"/> forces a narrower path (the 64-bit words are what Windows PowerShell 5.1 runs) so tests cover each.</summary>
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        internal static unsafe ulong ComputeNewFormat(ReadOnlySpan<byte> block, uint pageNumber, bool headerBlock, ChecksumPath path)
        {
            if (block.Length % 128 != 0 || block.Length > 8192)
                throw new ArgumentException("XOR+ECC blocks are whole multiples of 128 bytes, at most 8 KiB.", nameof(block));
            // Parity is linear, so "XOR of the indexes k of the 16-byte chunks with odd parity" is built
            // bit by bit from XORs of chunk words and only a handful of parities at the end: bit j of
            // the result is the parity of the XOR of every chunk whose index has bit j set.
            ulong columnsLow, columnsHigh; // dwords 0,1 and 2,3 of every chunk, XORed
            uint oddChunkIndexes, oddChunkCount;
            fixed (byte* start = block)
            {
#if NET8_0_OR_GREATER
                if (Vector512.IsHardwareAccelerated && path == ChecksumPath.Widest)
                    ChunkParitiesVector512((ulong*)start, block.Length / 128, headerBlock, out columnsLow, out columnsHigh, out oddChunkIndexes, out oddChunkCount);
                else if (Vector256.IsHardwareAccelerated && path != ChecksumPath.Portable)
                    ChunkParitiesVector256((ulong*)start, block.Length / 128, headerBlock, out columnsLow, out columnsHigh, out oddChunkIndexes, out oddChunkCount);
                else
#endif
                ChunkParitiesScalar((ulong*)start, block.Length / 128, headerBlock, out columnsLow, out columnsHigh, out oddChunkIndexes, out oddChunkCount);
            }

            uint p0 = (uint)columnsLow, p1 = (uint)(columnsLow >> 32), p2 = (uint)columnsHigh, p3 = (uint)(columnsHigh >> 32);
            // Chunk positions: low half holds the bit offset (k*128) of odd chunks, high half its complement.
            uint lowP = (oddChunkIndexes << 7) & 0xffff;
            uint highP = ((oddChunkIndexes ^ (oddChunkCount != 0 ? 0x1ffu : 0u)) << 7) & 0xffff;
            uint p = (highP << 16) | lowP;
            // Dword position within a chunk.
            if (Parity32(p0 ^ p1) != 0) p |= 0x00400000;
            if (Parity32(p2 ^ p3) != 0) p |= 0x00000040;
            uint r0 = p0 ^ p2, r1 = p1 ^ p3;
            if (Parity32(r0) != 0) p |= 0x00200000;
            if (Parity32(r1) != 0) p |= 0x00000020;
            uint xor = r0 ^ r1;

            // Bit position within a dword: XOR of the indexes of the set bits, and its complement.
            uint lowR = (Parity32(xor & 0xAAAAAAAA))
                      | (Parity32(xor & 0xCCCCCCCC) << 1)
                      | (Parity32(xor & 0xF0F0F0F0) << 2)
                      | (Parity32(xor & 0xFF00FF00) << 3)
                      | (Parity32(xor & 0xFFFF0000) << 4);
            uint highR = lowR ^ (Parity32(xor) != 0 ? 0x1fu : 0u);
            uint r = (highR << 16) | lowR;

            uint sizeMask = unchecked((uint)((ulong)block.Length << 19) - 1u);
            uint ecc = (p & 0xffe0ffe0 & sizeMask) | (r & 0x001f001f);
            return ((ulong)ecc << 32) | (xor ^ pageNumber);
        }

        /// <summary>Groups of 8 chunks (128 bytes) with 64-bit words: the portable path.</summary>
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        [SkipLocalsInit]
        static unsafe void ChunkParitiesScalar(ulong* q, int groups, bool headerBlock, out ulong columnsLow, out ulong columnsHigh, out uint oddChunkIndexes, out uint oddChunkCount)
        {
            ulong* groupXor = stackalloc ulong[64];
            ulong low = 0, high = 0;
            ulong bit0 = 0, bit1 = 0, bit2 = 0; // chunks whose index has bit 0, 1, 2 set
            for (int g = 0; g < groups; g++, q += 16)
            {
                ulong a0 = (g == 0 && headerBlock) ? 0 : q[0], b0 = q[1];
                ulong a1 = q[2], b1 = q[3], a2 = q[4], b2 = q[5], a3 = q[6], b3 = q[7];
                ulong a4 = q[8], b4 = q[9], a5 = q[10], b5 = q[11], a6 = q[12], b6 = q[13], a7 = q[14], b7 = q[15];
                low ^= a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
                high ^= b0 ^ b1 ^ b2 ^ b3 ^ b4 ^ b5 ^ b6 ^ b7;
                ulong t0 = a0 ^ b0, t1 = a1 ^ b1, t2 = a2 ^ b2, t3 = a3 ^ b3, t4 = a4 ^ b4, t5 = a5 ^ b5, t6 = a6 ^ b6, t7 = a7 ^ b7;
                ulong t37 = t3 ^ t7;
                bit0 ^= t1 ^ t5 ^ t37;
                bit1 ^= t2 ^ t6 ^ t37;
                bit2 ^= t4 ^ t5 ^ t6 ^ t7;
                groupXor[g] = t0 ^ t1 ^ t2 ^ t3 ^ t4 ^ t5 ^ t6 ^ t7;
            }
            uint indexes = Parity64(bit0) | (Parity64(bit1) << 1) | (Parity64(bit2) << 2);
            // Bit j of a group index: halve the groups level by level (see ChunkParitiesVector256).
            for (int j = 0, n = groups; (1 << j) < groups; j++, n = (n + 1) / 2)
            {
                ulong acc = 0;
                for (int k = 0; k < n / 2; k++)
                {
                    acc ^= groupXor[2 * k + 1];
                    groupXor[k] = groupXor[2 * k] ^ groupXor[2 * k + 1];
                }
                if ((n & 1) != 0) groupXor[n / 2] = groupXor[n - 1];
                indexes |= Parity64(acc) << (j + 3);
            }
            columnsLow = low;
            columnsHigh = high;
            oddChunkIndexes = indexes;
            oddChunkCount = Parity64(low ^ high);
        }

#if NET8_0_OR_GREATER
        /// <summary>
        /// The same with 256-bit vectors: one vector is two chunks [a(even), b(even), a(odd), b(odd)], so
        /// odd chunks are the upper lanes, and chunks 2,3,6,7 / 4,5,6,7 of a group are whole vectors.
        /// </summary>
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        [SkipLocalsInit]
        static unsafe void ChunkParitiesVector256(ulong* q, int groups, bool headerBlock, out ulong columnsLow, out ulong columnsHigh, out uint oddChunkIndexes, out uint oddChunkCount)
        {
            var groupXor = stackalloc Vector256<ulong>[64];
            var columns = Vector256<ulong>.Zero;
            var bit1 = columns;
            var bit2 = columns;
            for (int g = 0; g < groups; g++, q += 16)
            {
                var u = Vector256.Load(q);
                if (g == 0 && headerBlock) u &= Vector256.Create(0UL, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);
                var w = Vector256.Load(q + 4);
                var x = Vector256.Load(q + 8);
                var y = Vector256.Load(q + 12);
                var xy = x ^ y;
                var all = u ^ w ^ xy;
                columns ^= all;
                bit1 ^= w ^ y;
                bit2 ^= xy;
                groupXor[g] = all;
            }
            ulong low = columns.GetElement(0) ^ columns.GetElement(2);
            ulong high = columns.GetElement(1) ^ columns.GetElement(3);
            uint indexes = Parity64(columns.GetElement(2) ^ columns.GetElement(3)) | (Parity64(Fold(bit1)) << 1) | (Parity64(Fold(bit2)) << 2);
            indexes |= GroupIndexParities(groupXor, groups) << 3;
            columnsLow = low;
            columnsHigh = high;
            oddChunkIndexes = indexes;
            oddChunkCount = Parity64(low ^ high);
        }

        static ulong Fold(Vector256<ulong> v) => v.GetElement(0) ^ v.GetElement(1) ^ v.GetElement(2) ^ v.GetElement(3);

        /// <summary>
        /// Bit j of the result is the parity of the groups whose index has bit j set. Level j: entry m holds the XOR of
        /// the groups g with g >> j == m, so the odd entries are the groups with bit j set, and pairing neighbours gives
        /// the next level; linear in the group count rather than a pass over all groups per bit. Overwrites the entries.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static unsafe uint GroupIndexParities(Vector256<ulong>* groupXor, int groups)
        {
            uint bits = 0;
            for (int j = 0, n = groups; (1 << j) < groups; j++, n = (n + 1) / 2)
            {
                var acc = Vector256<ulong>.Zero;
                for (int k = 0; k < n / 2; k++)
                {
                    acc ^= groupXor[2 * k + 1];
                    groupXor[k] = groupXor[2 * k] ^ groupXor[2 * k + 1];
                }
                if ((n & 1) != 0) groupXor[n / 2] = groupXor[n - 1];
                bits |= Parity64(Fold(acc)) << j;
            }
            return bits;
        }

        /// <summary>
        /// The same with 512-bit vectors (AVX-512): a group of 8 chunks is two vectors, chunks 0–3 and 4–7, each
        /// [a0 b0 a1 b1 a2 b2 a3 b3]; half the loads and XORs of the 256-bit loop. Lanes 2,3,6,7 of the column
        /// sums are the odd chunks (index bit 0), lanes 4–7 chunks 2,3,6,7 (bit 1), the second vector chunks 4–7 (bit 2).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        static unsafe void ChunkParitiesVector512(ulong* q, int groups, bool headerBlock, out ulong columnsLow, out ulong columnsHigh, out uint oddChunkIndexes, out uint oddChunkCount)
        {
            // Only the parity of each group's XOR is needed later, so the two halves are folded into one 256-bit entry.
            var groupXor = stackalloc Vector256<ulong>[64];
            var columns = Vector512<ulong>.Zero;
            var bit2 = columns;
            for (int g = 0; g < groups; g++, q += 16)
            {
                var u = Vector512.Load(q);
                if (g == 0 && headerBlock) u &= Vector512.Create(0UL, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);
                var v = Vector512.Load(q + 8);
                var all = u ^ v;
                columns ^= all;
                bit2 ^= v;
                groupXor[g] = all.GetLower() ^ all.GetUpper();
            }
            ulong c0 = columns.GetElement(0), c1 = columns.GetElement(1), c2 = columns.GetElement(2), c3 = columns.GetElement(3);
            ulong c4 = columns.GetElement(4), c5 = columns.GetElement(5), c6 = columns.GetElement(6), c7 = columns.GetElement(7);
            ulong low = c0 ^ c2 ^ c4 ^ c6;
            ulong high = c1 ^ c3 ^ c5 ^ c7;
            uint indexes = Parity64(c2 ^ c3 ^ c6 ^ c7) | (Parity64(c4 ^ c5 ^ c6 ^ c7) << 1) | (Parity64(Fold(bit2)) << 2);
            indexes |= GroupIndexParities(groupXor, groups) << 3;
            columnsLow = low;
            columnsHigh = high;
            oddChunkIndexes = indexes;
            oddChunkCount = Parity64(low ^ high);
        }

        static ulong Fold(Vector512<ulong> v) => Fold(v.GetLower() ^ v.GetUpper());
#endif

        /// <summary>The bit offset in the block of a single flipped bit, when the ECC can locate it; else −1.</summary>
        static int CorrectableBitOffset(int blockSize, ulong stored, ulong computed)
        {
            uint eccDiff = (uint)(stored >> 32) ^ (uint)(computed >> 32);
            uint xorDiff = (uint)stored ^ (uint)computed;
            uint bitMask = (uint)(blockSize * 8 - 1);
            if ((((eccDiff >> 16) ^ eccDiff) & bitMask) != bitMask) return -1;
            if (xorDiff == 0 || (xorDiff & (xorDiff - 1)) != 0) return -1;
            int bit = (int)(eccDiff & 0xffff);
            return bit < blockSize * 8 ? bit : -1;
        }

        /// <summary>Block size of the XOR+ECC format: the whole page up to 8 KiB, 4 KiB blocks for 16 KiB, 8 KiB blocks for 32 KiB.</summary>
        public static int BlockSize(int pageSize) => pageSize <= 8192 ? pageSize : pageSize <= 16384 ? 4096 : 8192;

        public static bool IsAllZero(ReadOnlySpan<byte> data)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data);
            ulong acc = 0;
            for (int i = 0; i < words.Length; i++) acc |= words[i];
            for (int i = words.Length * 8; i < data.Length; i++) acc |= data[i];
            return acc == 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static uint Parity64(ulong x)
        {
#if NET8_0_OR_GREATER
            return (uint)System.Numerics.BitOperations.PopCount(x) & 1;
#else
            return Parity32((uint)x ^ (uint)(x >> 32));
#endif
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static uint Parity32(uint x)
        {
#if NET8_0_OR_GREATER
            return (uint)System.Numerics.BitOperations.PopCount(x) & 1;
#else
            x ^= x >> 16;
            x ^= x >> 8;
            x ^= x >> 4;
            return (0x6996u >> (int)(x & 0xf)) & 1;
#endif
        }

        static ulong ReadU64(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(offset));

        static void WriteU64(Span<byte> s, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(s.Slice(offset), value);
    }
}
