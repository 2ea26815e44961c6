using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Restore;
using EseBackup.Core.Tests.Support;
using EseBackup.Core.Tests.Pipeline;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>
    /// Random and structured-random manifests and header pages fed to the set and format readers: they answer
    /// with the module's own exceptions (InvalidDataException for a manifest, EseFormatException for a file)
    /// and nothing else, never hang, and write nothing. CsCheck drives the inputs; a failure prints the seed
    /// that reproduces it (set ESEBACKUP_FUZZ_SEED to replay it; ESEBACKUP_FUZZ_SECONDS for a longer run).
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class ReaderFuzzTests : TempFolderTest
    {
        readonly Xunit.Abstractions.ITestOutputHelper output;

        public ReaderFuzzTests(Xunit.Abstractions.ITestOutputHelper output) : base("reader-fuzz") => this.output = output;

        // A few seconds in CI for the whole class; every property gets its share.
        static int Seconds => int.TryParse(Environment.GetEnvironmentVariable("ESEBACKUP_FUZZ_SECONDS"), out var s) && s > 0 ? s : 1;
        static string? Seed => Environment.GetEnvironmentVariable("ESEBACKUP_FUZZ_SEED");

        /// <summary>Structured mutation: (operation, two positions, a payload).</summary>
        static readonly Gen<(int Op, int A, int B, byte[] Payload)> Mutation =
            Gen.Select(Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Byte.Array[0, 96]);

        static readonly string[] HostileValues =
        {
            "9223372036854775807", "-9223372036854775808", "99999999999999999999999", "-1", "0", "1e400", "-0.5", "NaN",
            "\"\"", "\"../../etc/passwd\"", "\"C:\\\\Windows\"", "\"a\\u0000b\"", "null", "true", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
            "\"00000000-0000-0000-0000-000000000000\"", "\"not-a-guid\"", "\"9999-12-31T23:59:59.9999999Z\"", "\"0001-01-01T00:00:00\"", "\"full\"", "\"incremental\"", "\"\\ud800\"",
            new string('[', 200) + new string(']', 200),
        };

        static byte[] BaseManifest()
        {
            var m = new BackupManifest
            {
                SetId = Guid.NewGuid(), ChainId = Guid.NewGuid(), Kind = BackupKind.Full, Source = "/data/service",
                StartTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), EndTime = new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc),
                LogBaseName = "edb", LogGenerationLow = 1, LogGenerationHigh = 2, PageSize = 8192,
                LogSignature = new ManifestSignature { Random = 7, CreationTime = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), ComputerName = "HOST" },
            };
            m.Files.Add(new BackupFileEntry { Path = "Service.edb", Role = BackupFileRole.Database, Size = 65536, Hash = new string('a', 32), PageSize = 8192 });
            m.Files.Add(new BackupFileEntry { Path = "edb00001.log", Role = BackupFileRole.Log, Size = 131072, Hash = new string('b', 32), Generation = 1 });
            m.Files.Add(new BackupFileEntry { Path = "edb00002.log", Role = BackupFileRole.Log, Size = 131072, Hash = new string('c', 32), Generation = 2 });
            m.Notes.Add("note");
            return Encoding.UTF8.GetBytes(m.ToJson());
        }

        static byte[] MutateManifest(byte[] valid, (int Op, int A, int B, byte[] Payload) m)
        {
            var text = Encoding.UTF8.GetString(valid);
            var values = System.Text.RegularExpressions.Regex.Matches(text, "\": ([^\\[{\\r\\n,]+|\\[|\\{)");
            switch (m.Op)
            {
                case 0: return m.Payload;                                                           // random bytes
                case 1:                                                                             // one value replaced by a hostile one
                {
                    var v = values[m.A % values.Count].Groups[1];
                    return Encoding.UTF8.GetBytes(text.Substring(0, v.Index) + HostileValues[m.B % HostileValues.Length] + text.Substring(v.Index + v.Length));
                }
                case 2: return valid.Take(m.A % (valid.Length + 1)).ToArray();                    // truncated
                case 3:                                                                             // bytes inserted
                {
                    int at = m.A % (valid.Length + 1);
                    return valid.Take(at).Concat(m.Payload).Concat(valid.Skip(at)).ToArray();
                }
                case 4:                                                                             // bytes overwritten
                {
                    var copy = (byte[])valid.Clone();
                    for (int i = 0; i < m.Payload.Length; i++) copy[(m.A + i * 131) % copy.Length] = m.Payload[i];
                    return copy;
                }
                case 5:                                                                             // a line (key) deleted
                {
                    var lines = text.Split('\n').ToList();
                    lines.RemoveAt(m.A % lines.Count);
                    return Encoding.UTF8.GetBytes(string.Join("\n", lines));
                }
                case 6:                                                                             // a line duplicated (duplicate keys)
                {
                    var lines = text.Split('\n').ToList();
                    int i = m.A % lines.Count;
                    lines.Insert(i, lines[i]);
                    return Encoding.UTF8.GetBytes(string.Join("\n", lines));
                }
                case 7:                                                                             // two values replaced
                {
                    var first = MutateManifest(valid, (1, m.A, m.B, m.Payload));
                    return MutateManifest(first, (1, m.B, m.A, m.Payload));
                }
                default:                                                                            // random printable JSON-ish text
                    return Encoding.UTF8.GetBytes(new string(m.Payload.Select(b => "{}[]\":,0123456789-eE.truefalsnl \\u"[b % 33]).ToArray()));
            }
        }

        static void OnlyInvalidData(byte[] bytes)
        {
            try
            {
                var manifest = BackupManifest.Parse(bytes, "fuzz/manifest.json");
                // Whatever parses is safe to use: every path stays inside the set, the sizes add up.
                _ = BackupSet.FromManifest(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fuzz-set"), manifest).TotalBytes;
            }
            catch (InvalidDataException ex)
            {
                Assert.Contains("fuzz/manifest.json", ex.Message);
            }
            _ = BackupSetHints.From(bytes);
        }

        [Fact]
        public void Manifest_parsing_answers_only_with_InvalidDataException()
        {
            var valid = BaseManifest();
            OnlyInvalidData(valid);
            Mutation.Select(m => MutateManifest(valid, m)).Sample(OnlyInvalidData, writeLine: output.WriteLine, seed: Seed, time: Seconds, threads: 1);
        }

        [Fact]
        public void A_store_with_a_fuzzed_set_lists_plans_and_verifies_without_writing_and_keeps_the_good_set()
        {
            using var t = new RestoreTestSets(incremental: false);
            var bad = System.IO.Path.Combine(t.Backups, "20300101-000000-incr");
            Directory.CreateDirectory(bad);
            var manifestPath = System.IO.Path.Combine(bad, BackupManifest.FileName);
            var valid = File.ReadAllBytes(System.IO.Path.Combine(t.Full.Path, BackupManifest.FileName));
            Mutation.Select(m => MutateManifest(valid, m)).Sample(bytes =>
            {
                File.WriteAllBytes(manifestPath, bytes);
                var before = RestoreTestSets.Snapshot(t.Root);
                var list = BackupSetInfo.List(t.Backups);
                BackupRetention.Plan(list, 0, DateTime.MaxValue, true);
                var catalog = BackupSetCatalog.Scan(t.Backups);
                BackupSetVerifier.Verify(bad, quick: true, catalog: catalog);
                Assert.Contains(catalog.Sets, s => s.Path == t.Full.Path);
                Assert.True(BackupSetVerifier.Verify(t.Full.Path, quick: true, catalog: catalog).IsValid);
                Assert.Equal(before, RestoreTestSets.Snapshot(t.Root));
            }, writeLine: output.WriteLine, seed: Seed, time: Seconds, threads: 1);
        }

        /// <summary>Real header pages from the fixture writer: a database (both header pages and a few more), a log, a checkpoint.</summary>
        (byte[] Database, byte[] Log, byte[] Checkpoint) BaseFiles()
        {
            var folder = System.IO.Path.Combine(Dir, "source");
            var written = PipelineTestFolders.WriteFixtureFolder(folder, 4096, pageCount: 32, lastGeneration: 2, logFileSize: 16 * 1024);
            return (File.ReadAllBytes(written.Database.Path), File.ReadAllBytes(written.Logs.Logs[0].Path).Take(8192).ToArray(), File.ReadAllBytes(written.CheckpointPath!));
        }

        /// <summary>Header mutation: random bytes, or fields overwritten with random values, the checksum restamped or not.</summary>
        static byte[] MutateHeader(byte[] valid, (int Op, int A, int B, byte[] Payload) m, bool database)
        {
            if (m.Op == 0) return m.Payload.Concat(new byte[m.A % 9000]).ToArray();
            var copy = (byte[])valid.Clone();
            int[] fields = { 4, 8, 12, 16, 24, 52, 104, 108, 136, 160, 232, 236, 296, 300, 667 };
            int writes = 1 + m.B % 4;
            for (int i = 0; i < writes; i++)
            {
                int offset = m.Op % 2 == 0 ? fields[(m.A + i) % fields.Length] : (m.A + i * 4099) % Math.Min(copy.Length - 4, 8192);
                uint value = m.Payload.Length >= 4 * (i + 1) ? BinaryPrimitives.ReadUInt32LittleEndian(m.Payload.AsSpan(4 * i)) : (uint)(m.B * (i + 1));
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
            }
            if (m.Op >= 5 && m.Op != 9) PageChecksum.StampHeader(copy.AsSpan(0, database ? 4096 : PageChecksum.LogHeaderSize));
            if (m.Op == 9) copy = copy.Take(m.A % copy.Length).ToArray();
            return copy;
        }

        static void OnlyFormatErrors(Action read)
        {
            try { read(); }
            catch (EseFormatException) { }
        }

        [Fact]
        public void Header_readers_answer_only_with_EseFormatException()
        {
            var (db, log, chk) = BaseFiles();
            var folder = System.IO.Path.Combine(Dir, "fuzz");
            Directory.CreateDirectory(folder);
            var dbPath = System.IO.Path.Combine(folder, "Fuzz.edb");
            var logPath = System.IO.Path.Combine(folder, "edb00001.log");
            var chkPath = System.IO.Path.Combine(folder, "edb.chk");
            Mutation.Select(Gen.Int[0, 2]).Sample((m, which) =>
            {
                switch (which)
                {
                    case 0:
                        var dbBytes = MutateHeader(db, m, database: true);
                        OnlyFormatErrors(() => DatabaseHeader.Read(new MemoryStream(dbBytes), dbPath));
                        File.WriteAllBytes(dbPath, dbBytes);
                        OnlyFormatErrors(() => DatabaseVerifier.Verify(dbPath));
                        _ = EseFileDetector.Detect(dbPath);
                        break;
                    case 1:
                        var logBytes = MutateHeader(log, m, database: false);
                        OnlyFormatErrors(() => LogFileHeader.Read(new MemoryStream(logBytes), logPath));
                        File.WriteAllBytes(logPath, logBytes);
                        _ = EseFileDetector.Detect(logPath);
                        OnlyFormatErrors(() => LogSequence.Scan(folder));
                        break;
                    default:
                        File.WriteAllBytes(chkPath, MutateHeader(chk, m, database: false));
                        OnlyFormatErrors(() => CheckpointHeader.Read(chkPath));
                        _ = EseFileDetector.Detect(chkPath);
                        break;
                }
            }, writeLine: output.WriteLine, seed: Seed, time: Seconds, threads: 1);
        }
    }
}
