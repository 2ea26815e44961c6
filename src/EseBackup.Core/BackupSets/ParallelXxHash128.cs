using System;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
#endif

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// XxHash128 (XXH3-128, seed 0): the same hash as <see cref="XxHash128"/> and <c>xxhsum -H2</c>, split so
    /// that several threads can hash different parts of one file.
    /// </summary>
    /// <remarks>
    /// XXH3's long-input loop adds one term per 64-byte stripe to eight 64-bit accumulators and scrambles
    /// them after every 1 KiB block. The additions within a block do not depend on the accumulators, so
    /// any thread can sum a block (<see cref="SumBlocks"/>); only the cheap add-and-scramble per block
    /// (<see cref="Fold"/>) must run in file order. The algorithm is documented in xxHash's
    /// doc/xxhash_spec.md; the tests check every path against <see cref="XxHash128"/>.
    /// </remarks>
    internal sealed class ParallelXxHash128
    {
        public const int BlockSize = 1024;
        /// <summary>Accumulator lanes, and so 64-bit sums per block.</summary>
        public const int Lanes = 8;
        /// <summary>Bytes the finish step needs from the end of the input: the last partial block and the last stripe.</summary>
        public const int TailSize = BlockSize + StripeSize;

        const int StripeSize = 64;
        const int StripesPerBlock = 16;
        const int ShortInputMax = 240;
        const ulong Prime32_1 = 0x9E3779B1;
        const ulong Prime32_2 = 0x85EBCA77;
        const ulong Prime32_3 = 0xC2B2AE3D;
        const ulong Prime64_1 = 0x9E3779B185EBCA87;
        const ulong Prime64_2 = 0xC2B2AE3D27D4EB4F;
        const ulong Prime64_3 = 0x165667B19E3779F9;
        const ulong Prime64_4 = 0x85EBCA77C2B2AE63;
        const ulong Prime64_5 = 0x27D4EB2F165667C5;
        const ulong AvalancheMultiplier = 0x165667919E3779F9;
        const int ScrambleSecretOffset = 192 - StripeSize;
        const int LastStripeSecretOffset = 192 - StripeSize - 7;
        const int MergeSecretOffset = 11;

        /// <summary>XXH3's default 192-byte secret.</summary>
        static readonly byte[] Secret =
        {
            0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
            0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
            0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
            0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
            0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
            0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
            0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
            0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
            0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
            0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
            0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
            0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
        };

        readonly ulong[] accumulators = { Prime32_3, Prime64_1, Prime64_2, Prime64_3, Prime64_4, Prime32_2, Prime64_5, Prime32_1 };
        long blocksFolded;

        /// <summary>The number of whole blocks the long-input loop folds for an input of <paramref name="length"/> bytes
        /// (the last block, even when whole, belongs to the finish step).</summary>
        public static long FoldedBlocks(long length) => length > ShortInputMax ? (length - 1) / BlockSize : 0;

        /// <summary>
        /// The per-block sums of whole 1 KiB blocks (any thread, any order): <paramref name="sums"/> receives
        /// <see cref="Lanes"/> values per block.
        /// </summary>
#if NET8_0_OR_GREATER
        // Fully optimised from the first call: a one-off verification in a fresh process must not run the
        // hot loop as unoptimised tier-0 code until tiered compilation catches up.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        public static void SumBlocks(ReadOnlySpan<byte> blocks, Span<ulong> sums, bool portableOnly = false)
        {
            int count = blocks.Length / BlockSize;
            if (blocks.Length != count * BlockSize || sums.Length < count * Lanes)
                throw new ArgumentException("SumBlocks takes whole 1 KiB blocks and 8 sums per block.");
#if NET8_0_OR_GREATER
            if (Avx2.IsSupported && !portableOnly)
            {
                SumBlocksAvx2(blocks, sums, count);
                return;
            }
#endif
            for (int b = 0; b < count; b++)
            {
                var block = blocks.Slice(b * BlockSize, BlockSize);
                var sum = sums.Slice(b * Lanes, Lanes);
                sum.Clear();
                for (int s = 0; s < StripesPerBlock; s++)
                    AccumulateStripe(sum, block.Slice(s * StripeSize, StripeSize), s * 8);
            }
        }

        /// <summary>Folds the next blocks' sums into the hash; blocks must arrive in file order.</summary>
#if NET8_0_OR_GREATER
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
#endif
        public void Fold(ReadOnlySpan<ulong> sums)
        {
            var acc = accumulators;
            for (int b = 0; b + Lanes <= sums.Length; b += Lanes)
            {
                for (int i = 0; i < Lanes; i++)
                {
                    ulong a = acc[i] + sums[b + i];
                    a ^= a >> 47;
                    a ^= ReadSecret(ScrambleSecretOffset + 8 * i);
                    acc[i] = a * Prime32_1;
                }
                blocksFolded++;
            }
        }

        /// <summary>
        /// The hash, after every block below <see cref="FoldedBlocks"/> was folded. <paramref name="tail"/> is the
        /// last min(<paramref name="length"/>, <see cref="TailSize"/>) bytes of the input (the whole input when short).
        /// Big-endian, as <see cref="XxHash128"/> and xxhsum print it.
        /// </summary>
        public byte[] Finish(ReadOnlySpan<byte> tail, long length)
        {
            if (tail.Length != (int)Math.Min(length, TailSize)) throw new ArgumentException("The tail must be the input's last bytes.", nameof(tail));
            if (length <= ShortInputMax) return XxHash128.Hash(tail);
            if (blocksFolded != FoldedBlocks(length))
                throw new InvalidOperationException($"ParallelXxHash128: {blocksFolded} blocks folded, {FoldedBlocks(length)} expected.");

            var acc = (ulong[])accumulators.Clone();
            int partial = (int)(length - blocksFolded * BlockSize);     // 1..1024 bytes after the folded blocks
            var lastBlock = tail.Slice(tail.Length - partial);
            int stripes = (partial - 1) / StripeSize;
            for (int s = 0; s < stripes; s++) AccumulateStripe(acc, lastBlock.Slice(s * StripeSize, StripeSize), s * 8);
            AccumulateStripe(acc, tail.Slice(tail.Length - StripeSize), LastStripeSecretOffset);

            ulong low = MergeAccumulators(acc, MergeSecretOffset, unchecked((ulong)length * Prime64_1));
            ulong high = MergeAccumulators(acc, 192 - 64 - MergeSecretOffset, ~unchecked((ulong)length * Prime64_2));
            var hash = new byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(hash, high);
            BinaryPrimitives.WriteUInt64BigEndian(hash.AsSpan(8), low);
            return hash;
        }

        static void AccumulateStripe(Span<ulong> acc, ReadOnlySpan<byte> stripe, int secretOffset)
        {
            for (int i = 0; i < Lanes; i++)
            {
                ulong data = BinaryPrimitives.ReadUInt64LittleEndian(stripe.Slice(8 * i));
                ulong keyed = data ^ ReadSecret(secretOffset + 8 * i);
                acc[i ^ 1] += data;
                acc[i] += (keyed & 0xFFFFFFFF) * (keyed >> 32);
            }
        }

        static ulong MergeAccumulators(ulong[] acc, int secretOffset, ulong start)
        {
            ulong result = start;
            for (int i = 0; i < 4; i++)
                result += MultiplyFold(acc[2 * i] ^ ReadSecret(secretOffset + 16 * i), acc[2 * i + 1] ^ ReadSecret(secretOffset + 16 * i + 8));
            result ^= result >> 37;
            result *= AvalancheMultiplier;
            return result ^ (result >> 32);
        }

        /// <summary>The 128-bit product of a and b, its halves XORed.</summary>
        static ulong MultiplyFold(ulong a, ulong b)
        {
#if NET8_0_OR_GREATER
            ulong high = Math.BigMul(a, b, out ulong low);
            return high ^ low;
#else
            return MultiplyFoldPortable(a, b);
#endif
        }

        /// <summary><see cref="MultiplyFold"/> from 32-bit halves, for netstandard2.0 (no 64x64 multiply there).</summary>
        internal static ulong MultiplyFoldPortable(ulong a, ulong b)
        {
            ulong aLow = (uint)a, aHigh = a >> 32, bLow = (uint)b, bHigh = b >> 32;
            ulong lowLow = aLow * bLow, highLow = aHigh * bLow, lowHigh = aLow * bHigh, highHigh = aHigh * bHigh;
            ulong cross = (lowLow >> 32) + (uint)highLow + lowHigh;
            ulong high = highHigh + (highLow >> 32) + (cross >> 32);
            ulong low = (cross << 32) | (uint)lowLow;
            return high ^ low;
        }

        static ulong ReadSecret(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Secret.AsSpan(offset));

#if NET8_0_OR_GREATER
        // Per stripe: products of the keyed halves into one sum, the raw data into another; the data sum's
        // lane swap (acc[i ^ 1] += data) is applied once per block rather than once per stripe.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static unsafe void SumBlocksAvx2(ReadOnlySpan<byte> blocks, Span<ulong> sums, int count)
        {
            fixed (byte* input = blocks)
            fixed (byte* secret = Secret)
            fixed (ulong* output = sums)
            {
                for (int b = 0; b < count; b++)
                {
                    byte* block = input + (long)b * BlockSize;
                    Vector256<ulong> products0 = default, products1 = default, data0 = default, data1 = default;
                    for (int s = 0; s < StripesPerBlock; s++)
                    {
                        var d0 = Avx.LoadVector256((ulong*)(block + s * StripeSize));
                        var d1 = Avx.LoadVector256((ulong*)(block + s * StripeSize + 32));
                        var k0 = d0 ^ Avx.LoadVector256((ulong*)(secret + s * 8));
                        var k1 = d1 ^ Avx.LoadVector256((ulong*)(secret + s * 8 + 32));
                        products0 += Avx2.Multiply(k0.AsUInt32(), Avx2.ShiftRightLogical(k0, 32).AsUInt32());
                        products1 += Avx2.Multiply(k1.AsUInt32(), Avx2.ShiftRightLogical(k1, 32).AsUInt32());
                        data0 += d0;
                        data1 += d1;
                    }
                    const byte swapPairs = 0b10_11_00_01;
                    Avx.Store(output + b * Lanes, products0 + Avx2.Permute4x64(data0, swapPairs));
                    Avx.Store(output + b * Lanes + 4, products1 + Avx2.Permute4x64(data1, swapPairs));
                }
            }
        }
#endif
    }
}
