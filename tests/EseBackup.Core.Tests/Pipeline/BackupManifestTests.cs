using System;
using System.IO;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>The manifest reader refuses anything that could reach outside its set or lie about itself.</summary>
    public sealed class BackupManifestTests
    {
        private static BackupManifest Valid() => new BackupManifest
        {
            SetId = Guid.NewGuid(),
            ChainId = Guid.NewGuid(),
            Kind = BackupKind.Full,
            Source = "/data/db",
            StartTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            EndTime = new DateTime(2026, 1, 2, 3, 4, 9, DateTimeKind.Utc),
            LogBaseName = "edb",
            LogGenerationLow = 5,
            LogGenerationHigh = 7,
            PageSize = 8192,
            Files =
            {
                new BackupFileEntry { Path = "my.edb", Role = BackupFileRole.Database, Size = 16384, Hash = new string('a', 32), PageSize = 8192 },
                new BackupFileEntry { Path = "edb00005.log", Role = BackupFileRole.Log, Size = 4096, Hash = new string('b', 32), Generation = 5 },
            },
        };

        [Fact]
        public void A_manifest_round_trips_through_json()
        {
            var m = Valid();
            var json = m.ToJson();
            Assert.Contains("\"kind\": \"full\"", json);
            Assert.Contains("\"role\": \"database\"", json);
            var back = BackupManifest.Parse(json, "m.json");
            Assert.Equal(m.SetId, back.SetId);
            Assert.Equal(m.Files.Count, back.Files.Count);
            Assert.Equal(7, back.LogGenerationHigh);
            Assert.Equal(5, back.Files[1].Generation);
        }

        [Theory]
        [InlineData("../evil.edb", "leaves the set folder")]
        [InlineData("sub/../../evil.edb", "leaves the set folder")]
        [InlineData("/etc/passwd", "rooted")]
        [InlineData("\\\\server\\share\\x", "rooted")]
        [InlineData("C:\\Windows\\x.edb", "drive")]
        [InlineData("C:x.edb", "drive")]
        [InlineData("", "empty")]
        [InlineData("a//b", "empty segment")]
        [InlineData("./x", "leaves the set folder")]
        [InlineData("manifest.json", "manifest itself")]
        public void Hostile_file_paths_are_refused(string path, string reason)
        {
            var m = Valid();
            m.Files[0].Path = path;
            var ex = Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(m.ToJson(), "/sets/x/manifest.json"));
            Assert.Contains("/sets/x/manifest.json", ex.Message);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public void Other_lies_are_refused()
        {
            void Refused(Action<BackupManifest> spoil, string reason)
            {
                var m = Valid();
                spoil(m);
                var ex = Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(m.ToJson(), "m.json"));
                Assert.Contains(reason, ex.Message);
            }

            Refused(m => m.Files[1].Path = "my.edb", "listed twice");
            Refused(m => m.Files[0].Hash = "xyz", "XxHash128");
            Refused(m => m.Files[0].Size = -1, "negative size");
            Refused(m => m.Kind = BackupKind.Incremental, "parentSetId");
            Refused(m => m.ParentSetId = Guid.NewGuid(), "full set cannot build");
            Refused(m => m.LogGenerationLow = 9, "not a range");
            Refused(m => m.FormatVersion = 99, "format version 99");
            Refused(m => m.HashAlgorithm = "md5", "hash algorithm");
            Refused(m => m.Files.Clear(), "no files");
            Refused(m => m.Files[1].Generation = null, "no generation");
            Refused(m => m.SetId = Guid.Empty, "set id");
        }

        [Fact]
        public void Malformed_json_names_the_file()
        {
            var ex = Assert.Throws<InvalidDataException>(() => BackupManifest.Parse("{ \"files\": [", "/sets/y/manifest.json"));
            Assert.Contains("/sets/y/manifest.json", ex.Message);
        }

        [Fact]
        public void ResolveInside_never_leaves_the_set()
        {
            var set = Path.Combine(Path.GetTempPath(), "set-x");
            Assert.StartsWith(Path.GetFullPath(set), BackupManifest.ResolveInside(set, "a/b.log"));
            Assert.Throws<InvalidDataException>(() => BackupManifest.ResolveInside(set, "../b.log"));
            Assert.Throws<InvalidDataException>(() => BackupManifest.ResolveInside(set, "/b.log"));
        }
    }
}
