using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Format
{
    public class PageChecksumTests
    {
        public static IEnumerable<object[]> RealDatabases() => RealFiles.Databases.Select(d => new object[] { d });

        [RealEseTheory]
        [MemberData(nameof(RealDatabases))]
        public void Every_page_of_a_real_database_checks_out_except_the_documented_bad_ones(string relativePath)
        {
            var path = Path.Combine(TestEnvironment.RealEseRoot, relativePath);
            var bytes = File.ReadAllBytes(path);
            int pageSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(236));
            Assert.True(PageChecksum.VerifyHeader(bytes.AsSpan(0, pageSize), out _, out _), "header checksum");
            Assert.True(PageChecksum.VerifyHeader(bytes.AsSpan(pageSize, pageSize), out _, out _), "shadow header checksum");

            var bad = new List<long>();
            for (long index = 2; index < bytes.Length / pageSize; index++)
            {
                var check = PageChecksum.Verify(bytes.AsSpan((int)(index * pageSize), pageSize), index - 1);
                if (check.Status == PageCheckStatus.Bad) bad.Add(index - 1);
            }

            var expected = relativePath == "dissect-esedb/SRUDB.dat" ? Enumerable.Range(143, 16).Select(i => (long)i).ToList() : new List<long>();
            Assert.Equal(expected, bad);
        }

        [RealEseTheory]
        [MemberData(nameof(RealDatabases))]
        public void Stamping_a_real_page_again_reproduces_its_bytes(string relativePath)
        {
            var bytes = File.ReadAllBytes(Path.Combine(TestEnvironment.RealEseRoot, relativePath));
            int pageSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(236));
            int stamped = 0;
            for (long index = 2; index < bytes.Length / pageSize && stamped < 40; index++)
            {
                var page = bytes.AsSpan((int)(index * pageSize), pageSize);
                if (PageChecksum.Verify(page, index - 1).Status != PageCheckStatus.Valid || PageChecksum.IsAllZero(page)) continue;
                var copy = page.ToArray();
                copy.AsSpan(0, 8).Clear();
                if (pageSize > 8192) copy.AsSpan(40, 24).Clear();
                PageChecksum.Stamp(copy, index - 1);
                Assert.True(page.SequenceEqual(copy), $"page {index - 1} of {relativePath}");
                stamped++;
            }
            Assert.True(stamped > 0);
        }

        [Theory]
        [InlineData(4096, true)]
        [InlineData(8192, true)]
        [InlineData(16384, true)]
        [InlineData(32768, true)]
        [InlineData(4096, false)]
        [InlineData(8192, false)]
        public void Every_single_bit_flip_of_a_stamped_page_is_detected(int pageSize, bool newFormat)
        {
            var rng = new Random(pageSize + (newFormat ? 1 : 0));
            var page = new byte[pageSize];
            rng.NextBytes(page);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(PageChecksum.PageFlagsOffset));
            flags = newFormat ? flags | PageChecksum.NewChecksumFormatFlag : flags & ~PageChecksum.NewChecksumFormatFlag;
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(PageChecksum.PageFlagsOffset), flags);
            PageChecksum.Stamp(page, 77);
            Assert.Equal(PageCheckStatus.Valid, PageChecksum.Verify(page, 77).Status);
            Assert.Equal(PageCheckStatus.Bad, PageChecksum.Verify(page, 78).Status);

            for (int bit = 0; bit < pageSize * 8; bit += newFormat ? 1 : 3)
            {
                page[bit / 8] ^= (byte)(1 << (bit % 8));
                var check = PageChecksum.Verify(page, 77);
                Assert.True(check.Status == PageCheckStatus.Bad, $"flip of bit {bit} not detected");
                if (newFormat && bit >= 64 && !(pageSize > 8192 && bit >= 40 * 8 && bit < 64 * 8) && bit / 8 != PageChecksum.PageFlagsOffset + 1)
                    Assert.Equal(bit, check.CorrectableBit);
                page[bit / 8] ^= (byte)(1 << (bit % 8));
            }
        }

        [Fact]
        public void An_all_zero_page_is_uninitialised_not_bad()
        {
            Assert.Equal(PageCheckStatus.Uninitialized, PageChecksum.Verify(new byte[8192], 5).Status);
        }
    }

    internal static class RealFiles
    {
        public static readonly string[] Databases =
        {
            "appdata-folder/edb/IndexedDB.edb",
            "dissect-esedb/Current.mdb",
            "dissect-esedb/SRUDB.dat",
            "dissect-esedb/basic.edb",
            "dissect-esedb/binary.edb",
            "dissect-esedb/default.edb",
            "dissect-esedb/index.edb",
            "dissect-esedb/large.edb",
            "dissect-esedb/multi.edb",
            "dissect-esedb/text.edb",
            "go-ese/SRUDB.dat",
            "go-ese/qmgr.db",
            "go-ese/ual-hyperv/Current.mdb",
            "go-ese/ual-hyperv/SystemIdentity.mdb",
            "go-ese/ual-hyperv/{03A01CC5-91BB-4936-B685-63697785D39E}.mdb",
            "ravendb-esent/Data",
        };
    }
}

namespace EseBackup.Core.Tests.Format
{
    public class ChecksumPathTests
    {
        [Theory]
        [InlineData(4096, true)]
        [InlineData(4096, false)]
        [InlineData(8192, true)]
        [InlineData(8192, false)]
        public void The_vector_and_portable_paths_agree(int blockSize, bool headerBlock)
        {
            var rng = new System.Random(blockSize);
            var block = new byte[blockSize];
            for (int round = 0; round < 200; round++)
            {
                rng.NextBytes(block);
                if (round % 3 == 0) System.Array.Clear(block, 0, rng.Next(blockSize));
                uint pgno = (uint)rng.Next();
                var portable = EseBackup.Core.Format.PageChecksum.ComputeNewFormat(block, pgno, headerBlock, EseBackup.Core.Format.ChecksumPath.Portable);
                Assert.Equal(portable, EseBackup.Core.Format.PageChecksum.ComputeNewFormat(block, pgno, headerBlock, EseBackup.Core.Format.ChecksumPath.Vector256));
                Assert.Equal(portable, EseBackup.Core.Format.PageChecksum.ComputeNewFormat(block, pgno, headerBlock, EseBackup.Core.Format.ChecksumPath.Widest));
            }
        }

        /// <summary>
        /// The ECC from its definition, one bit at a time: every set bit at offset i XORs i into the low half
        /// and its complement (within the block's bit-offset width) into the high half. The low dword is the
        /// XOR of all dwords and the page number. Slow, independent of the word-parallel implementation.
        /// </summary>
        internal static ulong NewFormatByDefinition(byte[] block, uint pageNumber, bool headerBlock)
        {
            uint offsetMask = (uint)(block.Length * 8 - 1);
            uint ecc = 0, xor = 0;
            for (int b = headerBlock ? 8 : 0; b < block.Length; b++)
            {
                if (b % 4 == 0) xor ^= System.BitConverter.ToUInt32(block, b);
                for (int bit = 0; bit < 8; bit++)
                {
                    if ((block[b] & (1 << bit)) == 0) continue;
                    uint i = (uint)(b * 8 + bit);
                    ecc ^= ((~i & offsetMask) << 16) | i;
                }
            }
            return ((ulong)ecc << 32) | (xor ^ pageNumber);
        }

        [Theory]
        [InlineData(2048, false)]
        [InlineData(4096, true)]
        [InlineData(8192, false)]
        [InlineData(8192, true)]
        public void Every_path_matches_the_definition_bit_by_bit(int blockSize, bool headerBlock)
        {
            var rng = new System.Random(blockSize + (headerBlock ? 1 : 0));
            var block = new byte[blockSize];
            for (int round = 0; round < 20; round++)
            {
                rng.NextBytes(block);
                if (round % 4 == 1) System.Array.Clear(block, 0, blockSize);
                if (round % 4 == 1) block[rng.Next(blockSize)] = (byte)(1 << rng.Next(8));
                uint pgno = (uint)rng.Next();
                var expected = NewFormatByDefinition(block, pgno, headerBlock);
                foreach (var path in new[] { EseBackup.Core.Format.ChecksumPath.Portable, EseBackup.Core.Format.ChecksumPath.Vector256, EseBackup.Core.Format.ChecksumPath.Widest })
                    Assert.Equal(expected, EseBackup.Core.Format.PageChecksum.ComputeNewFormat(block, pgno, headerBlock, path));
            }
        }
    }
}
