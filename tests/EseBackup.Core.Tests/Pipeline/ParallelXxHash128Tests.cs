using System;
using System.IO.Hashing;
using EseBackup.Core.BackupSets;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>
    /// The split XxHash128 must give exactly System.IO.Hashing's XxHash128 (the same hash xxhsum -H2 prints),
    /// for every length class of XXH3 and however the blocks are cut between threads.
    /// </summary>
    public sealed class ParallelXxHash128Tests
    {
        static byte[] Random(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        /// <summary>Sums the folded blocks in pieces of <paramref name="blocksPerPiece"/>, as workers would, and folds them in order.</summary>
        static byte[] SplitHash(byte[] input, int blocksPerPiece, bool portableOnly)
        {
            var hash = new ParallelXxHash128();
            long blocks = ParallelXxHash128.FoldedBlocks(input.Length);
            var sums = new ulong[blocksPerPiece * ParallelXxHash128.Lanes];
            for (long first = 0; first < blocks; first += blocksPerPiece)
            {
                int n = (int)Math.Min(blocksPerPiece, blocks - first);
                ParallelXxHash128.SumBlocks(input.AsSpan((int)first * ParallelXxHash128.BlockSize, n * ParallelXxHash128.BlockSize), sums, portableOnly);
                hash.Fold(sums.AsSpan(0, n * ParallelXxHash128.Lanes));
            }
            int tail = Math.Min(input.Length, ParallelXxHash128.TailSize);
            return hash.Finish(input.AsSpan(input.Length - tail), input.Length);
        }

        [Theory]
        [InlineData(0)] [InlineData(1)] [InlineData(16)] [InlineData(17)] [InlineData(128)] [InlineData(129)]
        [InlineData(240)] [InlineData(241)] [InlineData(255)] [InlineData(256)] [InlineData(1023)] [InlineData(1024)]
        [InlineData(1025)] [InlineData(1087)] [InlineData(1088)] [InlineData(1089)] [InlineData(2048)] [InlineData(2049)]
        [InlineData(2050)] [InlineData(2111)] [InlineData(8192)] [InlineData(65536)] [InlineData(65537)] [InlineData(1 << 20)]
        [InlineData((1 << 20) + 63)] [InlineData(3 * 8192 + 5)]
        public void Matches_XxHash128_at_every_length_class(int length)
        {
            var input = Random(length, length);
            var expected = XxHash128.Hash(input);
            foreach (var piece in new[] { 1, 3, 64 })
            {
                Assert.Equal(expected, SplitHash(input, piece, portableOnly: false));
                Assert.Equal(expected, SplitHash(input, piece, portableOnly: true));
            }
        }

        [Fact]
        public void Matches_XxHash128_on_random_lengths()
        {
            var rng = new Random(7);
            for (int i = 0; i < 200; i++)
            {
                int length = rng.Next(0, 300_000);
                var input = Random(length, i);
                Assert.Equal(XxHash128.Hash(input), SplitHash(input, rng.Next(1, 40), portableOnly: i % 2 == 0));
            }
        }

        [Fact]
        public void The_vector_and_portable_block_sums_agree()
        {
            var input = Random(64 * ParallelXxHash128.BlockSize, 99);
            var vector = new ulong[64 * ParallelXxHash128.Lanes];
            var portable = new ulong[64 * ParallelXxHash128.Lanes];
            ParallelXxHash128.SumBlocks(input, vector);
            ParallelXxHash128.SumBlocks(input, portable, portableOnly: true);
            Assert.Equal(portable, vector);
        }

        [Fact]
        public void A_flipped_bit_anywhere_changes_the_hash()
        {
            var input = Random(5000, 3);
            var before = SplitHash(input, 2, portableOnly: false);
            foreach (var offset in new[] { 0, 1023, 1024, 3000, 3900, 4999 })
            {
                input[offset] ^= 0x10;
                Assert.NotEqual(before, SplitHash(input, 2, portableOnly: false));
                Assert.Equal(XxHash128.Hash(input), SplitHash(input, 2, portableOnly: false));
                input[offset] ^= 0x10;
            }
        }

        [Fact]
        public void Finish_refuses_a_hash_that_missed_blocks()
        {
            var input = Random(10_000, 5);
            var hash = new ParallelXxHash128();
            Assert.Throws<InvalidOperationException>(() => hash.Finish(input.AsSpan(input.Length - ParallelXxHash128.TailSize), input.Length));
        }

        [Fact]
        public void The_netstandard_128_bit_multiply_matches_UInt128()
        {
            var rng = new Random(11);
            var edges = new[] { 0UL, 1UL, ulong.MaxValue, 0xFFFFFFFFUL, 0x100000000UL, 0x9E3779B185EBCA87UL };
            foreach (var a in edges)
                foreach (var b in edges)
                    Assert.Equal(Expected(a, b), ParallelXxHash128.MultiplyFoldPortable(a, b));
            var buffer = new byte[16];
            for (int i = 0; i < 10_000; i++)
            {
                rng.NextBytes(buffer);
                ulong a = BitConverter.ToUInt64(buffer, 0), b = BitConverter.ToUInt64(buffer, 8);
                Assert.Equal(Expected(a, b), ParallelXxHash128.MultiplyFoldPortable(a, b));
            }

            static ulong Expected(ulong a, ulong b)
            {
                var product = (UInt128)a * b;
                return (ulong)(product >> 64) ^ (ulong)product;
            }
        }
    }
}
