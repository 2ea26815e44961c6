using System;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Tests.Pipeline;
using EseBackup.Core.Tests.Support;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// One bad set folder is that folder's problem: copied sets, hostile numbers, huge manifests, FIFOs and links
    /// are reported naming the file, and the real full + incremental beside them still list, verify, restore
    /// and take a new incremental.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class StoreReadingTests
    {
        /// <summary>A copy of the full set under another set name, with a fresh set id (or the same one), its manifest text edited.</summary>
        static string CopyFullAs(RestoreTestSets t, string name, Func<string, string>? editManifest = null, bool keepSetId = false)
        {
            var copy = Path.Combine(t.Backups, name);
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(t.Full.Path)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            var manifestPath = Path.Combine(copy, BackupManifest.FileName);
            var text = File.ReadAllText(manifestPath);
            if (!keepSetId) text = text.Replace(t.Full.SetId.ToString(), Guid.NewGuid().ToString());
            if (editManifest != null) text = editManifest(text);
            File.WriteAllText(manifestPath, text);
            return copy;
        }

        /// <summary>The real chain still lists complete, verifies, restores, and a new incremental finds its parent.</summary>
        static void AssertRealChainWorks(RestoreTestSets t)
        {
            var catalog = BackupSetCatalog.Scan(t.Backups);
            Assert.Contains(catalog.Sets, s => s.SetId == t.Full.SetId && s.Path == t.Full.Path);
            Assert.Contains(catalog.Sets, s => s.SetId == t.Incremental!.SetId);
            var list = BackupSetInfo.List(t.Backups);
            Assert.Equal(1, list.Single(s => s.Path == t.Incremental!.Path).ChainPosition);
            Assert.True(BackupSetVerifier.Verify(t.Full.Path, catalog: catalog).IsValid);
            Assert.True(BackupSetVerifier.Verify(t.Incremental!.Path, catalog: catalog).IsValid);
            var restored = BackupRestorer.Restore(RestorePlan.Create(t.Incremental.Path, t.NewDestination("restored-" + Guid.NewGuid().ToString("N"))));
            Assert.NotEmpty(restored.Databases);
            Test_pipeline_finds_a_parent(t);
        }

        static void Test_pipeline_finds_a_parent(RestoreTestSets t)
        {
            var parent = BackupSetCatalog.Scan(t.Backups).FindChainParent(new ManifestSignature { Random = t.Full.Manifest.LogSignature!.Random, CreationTime = t.Full.Manifest.LogSignature.CreationTime }, t.Full.Source);
            Assert.Equal(t.Incremental!.SetId, parent.SetId);
        }

        [Fact]
        public void A_copied_set_folder_is_reported_as_that_folders_problem_and_never_breaks_the_store()
        {
            using var t = new RestoreTestSets();
            // Before the fix: "An item with the same key has already been added" from every set cmdlet and -Incremental.
            var copy = CopyFullAs(t, "20991231-000000-full", keepSetId: true);

            var catalog = BackupSetCatalog.Scan(t.Backups);
            var dup = Assert.Single(catalog.Incomplete);
            Assert.Equal(copy, dup.Path);
            Assert.True(dup.HasManifest);
            Assert.Contains(t.Full.SetId.ToString(), dup.Reason);
            Assert.Contains(t.Full.Path, dup.Reason);
            Assert.Contains(Path.Combine(copy, BackupManifest.FileName), dup.Reason);

            var listed = BackupSetInfo.List(t.Backups).Single(s => s.Path == copy);
            Assert.True(listed.IsUnreadable);
            var problems = BackupSetVerifier.Verify(copy, catalog: catalog).Problems;
            Assert.Contains(problems, p => p.Kind == BackupProblemKind.DuplicateSet && p.File == Path.Combine(copy, BackupManifest.FileName));
            // No rule removes it, however strict.
            Assert.False(BackupRetention.Plan(BackupSetInfo.List(t.Backups), 0, DateTime.MaxValue, true).Single(d => d.Set.Path == copy).Remove);

            AssertRealChainWorks(t);
            // A real incremental is taken through the pipeline as well.
            PipelineTestFolders.AdvanceCurrentLog(t.Source);
            Assert.Equal(t.Incremental!.SetId, t.Backup(BackupKind.Incremental).ParentSetId);
        }

        [Theory]
        [InlineData("size", "9223372036854775807", "past what any volume can hold")]
        [InlineData("size", "-1", "negative size")]
        [InlineData("size", "99999999999999999999", "not valid JSON")]
        [InlineData("logGenerationLow", "-5", "not a range")]
        [InlineData("pageSize", "-8192", "page size")]
        [InlineData("formatVersion", "2", "format version 2")]
        [InlineData("formatVersion", "1e400", "not valid JSON")]
        public void A_manifest_with_hostile_numbers_is_one_sets_problem_naming_its_manifest(string field, string value, string expected)
        {
            using var t = new RestoreTestSets();
            var bad = CopyFullAs(t, "20300101-000000-full", text => ReplaceEveryNumber(text, field, value));

            var info = BackupSetInfo.List(t.Backups).Single(s => s.Path == bad);
            Assert.False(info.IsComplete);
            Assert.True(info.IsUnreadable);
            Assert.Contains(Path.Combine(bad, BackupManifest.FileName), info.Reason);
            Assert.Contains(expected, info.Reason);
            var problem = Assert.Single(BackupSetVerifier.Verify(bad).Problems);
            Assert.Equal(BackupProblemKind.BadManifest, problem.Kind);
            AssertRealChainWorks(t);
        }

        static string ReplaceEveryNumber(string json, string field, string value) =>
            System.Text.RegularExpressions.Regex.Replace(json, "\"" + field + "\": -?[0-9]+", "\"" + field + "\": " + value);

        [Fact]
        public void A_manifest_above_the_size_cap_is_not_read_and_names_the_file()
        {
            using var t = new RestoreTestSets();
            var big = CopyFullAs(t, "20300101-000000-full");
            var manifest = Path.Combine(big, BackupManifest.FileName);
            // 1.2 GB used to end the process with OutOfMemoryException; the size is refused before a byte is read.
            using (var fs = new FileStream(manifest, FileMode.Open, FileAccess.Write)) fs.SetLength(1200L * 1024 * 1024);

            var info = BackupSetInfo.List(t.Backups).Single(s => s.Path == big);
            Assert.True(info.IsUnreadable);
            Assert.Contains(manifest, info.Reason);
            Assert.Contains("16 MiB", info.Reason);
            AssertRealChainWorks(t);
        }

        [FifoFact]
        public void A_FIFO_manifest_or_set_file_is_never_opened_and_is_that_sets_problem()
        {
            using var t = new RestoreTestSets();
            var fifoManifestSet = CopyFullAs(t, "20300101-000000-full");
            var manifest = Path.Combine(fifoManifestSet, BackupManifest.FileName);
            File.Delete(manifest);
            Fifo.Make(manifest);
            var fifoFileSet = CopyFullAs(t, "20300101-000001-full");
            var database = Path.Combine(fifoFileSet, RestoreTestSets.Database(t.Full).Name);
            File.Delete(database);
            Fifo.Make(database);

            var list = Fifo.WithinDeadline(() => BackupSetInfo.List(t.Backups), manifest, database);
            var unreadable = list.Single(s => s.Path == fifoManifestSet);
            Assert.True(unreadable.IsUnreadable);
            Assert.Contains("FIFO", unreadable.Reason);
            Assert.Contains(manifest, unreadable.Reason);

            var manifestProblem = Assert.Single(Fifo.WithinDeadline(() => BackupSetVerifier.Verify(fifoManifestSet), manifest).Problems);
            Assert.Equal(BackupProblemKind.BadManifest, manifestProblem.Kind);
            var fileProblems = Fifo.WithinDeadline(() => BackupSetVerifier.Verify(fifoFileSet), database).Problems;
            var fileProblem = Assert.Single(fileProblems);
            Assert.Equal(BackupProblemKind.UnsafePath, fileProblem.Kind);
            Assert.Equal(database, fileProblem.File);
            Assert.Contains("FIFO", fileProblem.Message);
            // A FIFO named like the lease of a set: retention's in-use probe does not open it, and keeps the set.
            var lease = Fifo.Make(FolderLease.PathForSet(t.Full.Path));
            var plan = Fifo.WithinDeadline(() => BackupRetention.Plan(BackupSetInfo.List(t.Backups), 0, DateTime.MaxValue, false, BackupRetention.IsInUse), lease);
            Assert.False(plan.Single(d => d.Set.Path == t.Full.Path).Remove);
            File.Delete(lease);
            var restore = Fifo.WithinDeadline(() => Assert.ThrowsAny<Exception>(() => BackupRestorer.Restore(RestorePlan.Create(fifoFileSet, t.NewDestination("from-fifo")))), database);
            Assert.Contains(database, restore.Message);

            AssertRealChainWorks(t);
        }

        [Fact]
        public void Links_out_of_the_store_are_that_sets_problem_and_are_never_followed()
        {
            using var t = new RestoreTestSets();
            // A set folder that is a link to a set outside the store.
            var outsideSet = Path.Combine(t.Outside, "set");
            Directory.CreateDirectory(outsideSet);
            foreach (var f in Directory.GetFiles(t.Full.Path)) File.Copy(f, Path.Combine(outsideSet, Path.GetFileName(f)));
            File.WriteAllText(Path.Combine(outsideSet, BackupManifest.FileName), File.ReadAllText(Path.Combine(outsideSet, BackupManifest.FileName)).Replace(t.Full.SetId.ToString(), Guid.NewGuid().ToString()));
            var linkedSet = Path.Combine(t.Backups, "20300101-000000-full");
            Directory.CreateSymbolicLink(linkedSet, outsideSet);
            // A set whose manifest is a link to a manifest outside.
            var linkedManifestSet = CopyFullAs(t, "20300101-000001-full");
            var manifest = Path.Combine(linkedManifestSet, BackupManifest.FileName);
            File.Move(manifest, Path.Combine(t.Outside, "manifest.json"));
            File.CreateSymbolicLink(manifest, Path.Combine(t.Outside, "manifest.json"));
            // A set whose database is a link to a file outside.
            var linkedFileSet = CopyFullAs(t, "20300101-000002-full");
            var database = Path.Combine(linkedFileSet, RestoreTestSets.Database(t.Full).Name);
            File.Move(database, Path.Combine(t.Outside, "db.edb"));
            File.CreateSymbolicLink(database, Path.Combine(t.Outside, "db.edb"));
            var outsideBefore = RestoreTestSets.Snapshot(t.Outside);

            var list = BackupSetInfo.List(t.Backups);
            Assert.Contains("symbolic link", list.Single(s => s.Path == linkedSet).Reason);
            Assert.True(list.Single(s => s.Path == linkedSet).IsUnreadable);
            Assert.Contains("symbolic link", list.Single(s => s.Path == linkedManifestSet).Reason);
            Assert.Contains(manifest, list.Single(s => s.Path == linkedManifestSet).Reason);
            var fileProblem = Assert.Single(BackupSetVerifier.Verify(linkedFileSet).Problems);
            Assert.Equal(BackupProblemKind.UnsafePath, fileProblem.Kind);
            Assert.Equal(database, fileProblem.File);
            // Retention never removes a linked set folder (nor what is behind it).
            Assert.False(BackupRetention.Plan(list, 0, DateTime.MaxValue, true).Single(d => d.Set.Path == linkedSet).Remove);

            AssertRealChainWorks(t);
            Assert.Equal(outsideBefore, RestoreTestSets.Snapshot(t.Outside));
        }
    }
}
