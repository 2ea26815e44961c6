using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>Every kind of bad input gets an EseFormatException that names the file and the problem.</summary>
    public class BadInputTests
    {
        static string Real(string relative) => Path.Combine(TestEnvironment.RealEseRoot, relative);

        static EseFormatException ExpectProblem(Action read, EseFormatProblem problem, string path, string words)
        {
            var ex = Assert.Throws<EseFormatException>(read);
            Assert.Equal(problem, ex.Problem);
            Assert.Equal(path, ex.FilePath);
            Assert.Contains(path, ex.Message);
            Assert.Contains(words, ex.Message);
            return ex;
        }

        [Fact]
        public void Empty_short_foreign_and_directory_inputs_are_named()
        {
            var dir = TestEnvironment.NewTempFolder();
            var empty = Path.Combine(dir, "empty.edb");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            var shortFile = Path.Combine(dir, "short.edb");
            File.WriteAllBytes(shortFile, new byte[100]);
            var foreign = Path.Combine(dir, "notes.edb");
            File.WriteAllBytes(foreign, Enumerable.Repeat((byte)'x', 16384).ToArray());

            ExpectProblem(() => DatabaseHeader.Read(empty), EseFormatProblem.Empty, empty, "empty");
            ExpectProblem(() => DatabaseHeader.Read(shortFile), EseFormatProblem.TooShort, shortFile, "shorter than one database page");
            ExpectProblem(() => DatabaseHeader.Read(foreign), EseFormatProblem.NotEse, foreign, "not an ESE file");
            ExpectProblem(() => DatabaseHeader.Read(dir), EseFormatProblem.NotEse, dir, "is a directory");
            ExpectProblem(() => LogFileHeader.Read(empty), EseFormatProblem.Empty, empty, "empty");
            ExpectProblem(() => LogFileHeader.Read(foreign), EseFormatProblem.NotEse, foreign, "not an ESE transaction log");
            ExpectProblem(() => CheckpointHeader.Read(shortFile), EseFormatProblem.TooShort, shortFile, "shorter than a checkpoint header");
            Assert.Throws<FileNotFoundException>(() => DatabaseHeader.Read(Path.Combine(dir, "missing.edb")));
        }

        [RealEseFact]
        public void A_log_passed_as_a_database_and_the_reverse_say_what_the_file_is()
        {
            var log = Real("appdata-folder/edb/edb0000D.log");
            var db = Real("dissect-esedb/basic.edb");
            var chk = Real("appdata-folder/edb/edb.chk");
            ExpectProblem(() => DatabaseHeader.Read(log), EseFormatProblem.WrongFileType, log, "transaction log, not a database");
            ExpectProblem(() => LogFileHeader.Read(db), EseFormatProblem.WrongFileType, db, "database, not a transaction log");
            ExpectProblem(() => CheckpointHeader.Read(db), EseFormatProblem.WrongFileType, db, "database, not a checkpoint");
            ExpectProblem(() => DatabaseHeader.Read(chk), EseFormatProblem.WrongFileType, chk, "checkpoint file, not a database");
            ExpectProblem(() => LogFileHeader.Read(chk), EseFormatProblem.WrongFileType, chk, "checkpoint file, not a transaction log");
            ExpectProblem(() => CheckpointHeader.Read(log), EseFormatProblem.WrongFileType, log, "transaction log, not a checkpoint");
        }

        [RealEseFact]
        public void A_damaged_header_falls_back_to_the_shadow_and_says_so()
        {
            var dir = TestEnvironment.NewTempFolder();
            var copy = Path.Combine(dir, "basic.edb");
            File.Copy(Real("dissect-esedb/basic.edb"), copy);
            FlipBit(copy, 300 * 8 + 3);
            var h = DatabaseHeader.Read(copy);
            Assert.False(h.HeaderChecksumValid);
            Assert.True(h.ReadFromShadow);
            Assert.False(h.ShadowHeaderMatches);
            Assert.Equal(4096, h.PageSize);

            FlipBit(copy, 4096 * 8 + 300 * 8 + 3);
            ExpectProblem(() => DatabaseHeader.Read(copy), EseFormatProblem.BadHeaderChecksum, copy, "header checksum is wrong");
        }

        [RealEseFact]
        public void A_log_or_checkpoint_header_with_a_bad_checksum_is_named()
        {
            var dir = TestEnvironment.NewTempFolder();
            var log = Path.Combine(dir, "USS00040.jtx");
            File.Copy(Real("appdata-folder/uss/USS00040.jtx"), log);
            FlipBit(log, 20 * 8);
            ExpectProblem(() => LogFileHeader.Read(log), EseFormatProblem.BadHeaderChecksum, log, "log header checksum is wrong");
            var chk = Path.Combine(dir, "edb.chk");
            File.Copy(Real("appdata-folder/edb/edb.chk"), chk);
            FlipBit(chk, 14 * 8);
            ExpectProblem(() => CheckpointHeader.Read(chk), EseFormatProblem.BadHeaderChecksum, chk, "checkpoint header checksum is wrong");
        }

        [RealEseFact]
        public void A_database_truncated_mid_page_is_reported()
        {
            var dir = TestEnvironment.NewTempFolder();
            var copy = Path.Combine(dir, "text.edb");
            File.Copy(Real("dissect-esedb/text.edb"), copy);
            using (var f = new FileStream(copy, FileMode.Open)) f.SetLength(f.Length - 1000);
            ExpectProblem(() => DatabaseVerifier.Verify(copy), EseFormatProblem.Truncated, copy, "truncated");
            using (var f = new FileStream(copy, FileMode.Open)) f.SetLength(5000);
            ExpectProblem(() => DatabaseHeader.Read(copy), EseFormatProblem.Truncated, copy, "truncated");
        }

        [Fact]
        public void OS_version_fields_above_int_max_are_read_not_thrown()
        {
            // Found by ReaderFuzzTests (seed dskg1cmysWj1): the ULONG OS version fields went into System.Version
            // as negative ints and the reader threw ArgumentOutOfRangeException instead of reading the header.
            var page = new byte[4096];
            new DatabaseHeader { PageSize = 4096 }.WriteTo(page);
            for (int offset = 216; offset <= 228; offset += 4) BitConverter.GetBytes(0xFFFFFFF0u).CopyTo(page, offset);
            var parsed = DatabaseHeader.Parse(page, "hostile.edb");
            Assert.Equal(new Version(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue), parsed.OSVersion);
        }

        internal static void FlipBit(string path, long bit)
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            f.Position = bit / 8;
            int b = f.ReadByte();
            f.Position = bit / 8;
            f.WriteByte((byte)(b ^ (1 << (int)(bit % 8))));
        }
    }

    /// <summary>Random single-bit flips in random pages of real databases: each is reported with its page number.</summary>
    public class BitFlipTests
    {
        public static TheoryData<string> Databases()
        {
            var data = new TheoryData<string>();
            foreach (var d in RealFiles.Databases) data.Add(d);
            return data;
        }

        [RealEseTheory]
        [MemberData(nameof(Databases))]
        public void Every_flipped_bit_is_reported_with_its_page(string relative)
        {
            var source = Path.Combine(TestEnvironment.RealEseRoot, relative);
            var dir = TestEnvironment.NewTempFolder();
            var copy = Path.Combine(dir, Path.GetFileName(source));
            var original = File.ReadAllBytes(source);
            int pageSize = DatabaseHeader.Read(source).PageSize;
            long filePages = original.Length / pageSize;
            var known = DatabaseVerifier.Verify(source).BadPages.Select(b => b.PageNumber).ToHashSet();
            var rng = new Random(relative.Sum(c => c) + Environment.TickCount % 1000); // varies per run; the message names the bit

            // Both header pages, then random pages.
            var targets = new[] { 0L, 1L }.Concat(Enumerable.Range(0, 6).Select(_ => (long)rng.Next(2, (int)filePages)).Where(p => !known.Contains(p - 1)));
            foreach (long filePage in targets)
            {
                File.WriteAllBytes(copy, original);
                long bit = filePage * pageSize * 8 + rng.Next(pageSize * 8);
                BadInputTests.FlipBit(copy, bit);
                var result = DatabaseVerifier.Verify(copy, chunkSize: 256 * 1024);
                var reported = result.BadPages.Select(b => b.PageNumber).Where(p => !known.Contains(p)).ToList();
                Assert.True(reported.SequenceEqual(new[] { filePage - 1 }),
                    $"flip of bit {bit % (pageSize * 8)} in file page {filePage} of {relative}: reported [{string.Join(",", reported)}]");
            }
        }
    }
}
