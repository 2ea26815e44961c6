using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EseBackup.Core.BackupSets;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Tests.Support;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// The folder store on a real disk, member by member, against STORE-CONTRACT.md: exclusive claims, files
    /// invisible until committed, a create-only manifest, links and FIFOs refused, leases stale when their holder is gone.
    /// </summary>
    public sealed class FolderBackupStoreTests : TempFolderTest
    {
        public FolderBackupStoreTests() : base("folder-store") { }

        private FolderBackupStore NewStore() => new FolderBackupStore(Path.Combine(Dir, "store"));

        [Fact]
        public void A_name_is_claimed_once_however_many_threads_try_and_a_taken_or_stale_name_is_never_claimed()
        {
            var store = NewStore();
            store.EnsureExists();
            for (int round = 0; round < 20; round++)
            {
                var name = $"20261130-0000{round:00}-full";
                using var start = new Barrier(8);
                var leases = new IStoreLease?[8];
                var threads = Enumerable.Range(0, 8).Select(i => new Thread(() => { start.SignalAndWait(); leases[i] = store.TryClaimSet(name); })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Assert.Single(leases.Where(l => l != null));
                Assert.True(Directory.Exists(store.SetPath(name)));
                Assert.True(store.IsLeaseHeld(name));
                foreach (var l in leases) l?.Dispose();
                Assert.False(store.IsLeaseHeld(name));
                Assert.Null(store.TryClaimSet(name)); // the set folder stays: the name is used
            }
            // A stale lease (a claimer killed before making its folder) keeps the name taken; the core moves on to the next name.
            File.WriteAllText(FolderLease.PathForSet(store.SetPath("20261130-010000-full")), "pid 1 on nowhere");
            Assert.Null(store.TryClaimSet("20261130-010000-full"));
            Assert.False(Directory.Exists(store.SetPath("20261130-010000-full")));
        }

        [Fact]
        public void A_file_is_invisible_until_committed_discarded_when_abandoned_and_never_replaces_an_entry()
        {
            var store = NewStore();
            store.EnsureExists();
            using var lease = store.TryClaimSet("s1")!;
            var final = Path.Combine(store.SetPath("s1"), "sub", "a.log");
            using (var w = store.CreateFile("s1", "sub/a.log"))
            {
                w.Stream.Write(new byte[] { 1, 2, 3 }, 0, 3);
                Assert.False(File.Exists(final));
                Assert.Equal(final, w.Location);
                w.Commit();
            }
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(final));
            using (var w = store.CreateFile("s1", "b.edb")) w.Stream.Write(new byte[10], 0, 10); // abandoned
            Assert.Empty(Directory.GetFiles(store.SetPath("s1"), "*.partial"));
            Assert.False(File.Exists(Path.Combine(store.SetPath("s1"), "b.edb")));

            // Something took the final name meanwhile: the commit fails and it stays as it was.
            using (var w = store.CreateFile("s1", "c.edb"))
            {
                File.WriteAllText(Path.Combine(store.SetPath("s1"), "c.edb"), "theirs");
                w.Stream.Write(new byte[4], 0, 4);
                Assert.ThrowsAny<IOException>(() => w.Commit());
            }
            Assert.Equal("theirs", File.ReadAllText(Path.Combine(store.SetPath("s1"), "c.edb")));
            Assert.Empty(Directory.GetFiles(store.SetPath("s1"), "*.partial"));

            Assert.Equal(new[] { ("c.edb", 6L), ("sub/a.log", 3L) }, store.ListFiles("s1").Select(f => (f.RelativePath, f.Length)).OrderBy(f => f.RelativePath, StringComparer.Ordinal));
        }

        [Fact]
        public void Nothing_is_written_through_a_link_planted_in_a_set()
        {
            var store = NewStore();
            store.EnsureExists();
            using var lease = store.TryClaimSet("s1")!;
            var victim = Path.Combine(Dir, "victim");
            File.WriteAllText(victim, "keep");
            File.CreateSymbolicLink(Path.Combine(store.SetPath("s1"), "a.edb.partial"), victim);
            Assert.ThrowsAny<IOException>(() => store.CreateFile("s1", "a.edb"));
            File.CreateSymbolicLink(Path.Combine(store.SetPath("s1"), BackupManifest.FileName + ".tmp"), victim);
            Assert.ThrowsAny<IOException>(() => store.CommitManifest("s1", Encoding.UTF8.GetBytes("{}")));
            Directory.CreateSymbolicLink(Path.Combine(store.SetPath("s1"), "2"), Dir);
            Assert.Throws<UnsafeStoreEntryException>(() => store.CreateFile("s1", "2/a.edb"));
            Assert.Equal("keep", File.ReadAllText(victim));
            Assert.False(File.Exists(Path.Combine(Dir, "a.edb.partial")));
        }

        [Fact]
        public void The_manifest_is_committed_create_only_and_leaves_no_temporary_file()
        {
            var store = NewStore();
            store.EnsureExists();
            using var lease = store.TryClaimSet("s1")!;
            store.CommitManifest("s1", Encoding.UTF8.GetBytes("first"));
            Assert.ThrowsAny<IOException>(() => store.CommitManifest("s1", Encoding.UTF8.GetBytes("second")));
            Assert.Equal("first", File.ReadAllText(Path.Combine(store.SetPath("s1"), BackupManifest.FileName)));
            Assert.Equal(new[] { BackupManifest.FileName }, Directory.GetFiles(store.SetPath("s1")).Select(Path.GetFileName));
            var entry = Assert.Single(store.ListSets());
            Assert.True(entry.HasManifest);
            Assert.False(entry.HasIncompleteMarker);
        }

        [Fact]
        public void Reading_refuses_links_and_missing_files_and_reports_a_linked_set_folder()
        {
            var store = NewStore();
            store.EnsureExists();
            using (var lease = store.TryClaimSet("s1")!)
            {
                using var w = store.CreateFile("s1", "a.edb");
                w.Stream.Write(new byte[] { 7, 8 }, 0, 2);
                w.Commit();
            }
            using (var s = store.OpenRead("s1", "a.edb"))
            {
                Assert.Equal(2, s.Length);
                Assert.Equal(7, s.ReadByte());
            }
            Assert.Throws<FileNotFoundException>(() => store.OpenRead("s1", "b.edb"));
            var outside = Path.Combine(Dir, "outside");
            Directory.CreateDirectory(outside);
            File.WriteAllText(Path.Combine(outside, "x.edb"), "secret");
            File.CreateSymbolicLink(Path.Combine(store.SetPath("s1"), "x.edb"), Path.Combine(outside, "x.edb"));
            Assert.Contains("symbolic link", Assert.Throws<UnsafeStoreEntryException>(() => store.OpenRead("s1", "x.edb")).Message);

            Directory.CreateSymbolicLink(store.SetPath("linked"), outside);
            var linked = store.ListSets().Single(e => e.Name == "linked");
            Assert.Contains("symbolic link", linked.UnsafeReason);
            Assert.Throws<UnsafeStoreEntryException>(() => store.OpenRead("linked", "x.edb"));
            Assert.Empty(store.ListFiles("linked"));
            Assert.ThrowsAny<IOException>(() => store.DeleteSet("linked"));
            Assert.True(File.Exists(Path.Combine(outside, "x.edb")));
            Assert.Null(store.ListSets().Single(e => e.Name == "s1").UnsafeReason);
        }

        [FifoFact]
        public void A_fifo_where_a_file_belongs_is_never_opened()
        {
            var store = NewStore();
            store.EnsureExists();
            store.TryClaimSet("s1")!.Dispose();
            var fifo = Fifo.Make(Path.Combine(store.SetPath("s1"), BackupManifest.FileName));
            var ex = Fifo.WithinDeadline(() => Assert.Throws<UnsafeStoreEntryException>(() => store.OpenRead("s1", BackupManifest.FileName)), fifo);
            Assert.Contains("FIFO", ex.What);
            Assert.True(store.ListSets().Single().HasManifest);
        }

        [Fact]
        public void A_set_is_deleted_only_under_its_lease_and_a_dead_holders_lease_is_taken_over()
        {
            var store = NewStore();
            store.EnsureExists();
            var writing = store.TryClaimSet("s1")!;
            store.WriteIncompleteMarker("s1", "Reason: test");
            Assert.ThrowsAny<IOException>(() => store.WriteIncompleteMarker("s1", "again"));
            Assert.True(store.ListSets().Single().HasIncompleteMarker);
            Assert.Null(store.TryAcquireLease("s1", TimeSpan.FromMilliseconds(100)));
            writing.Dispose();
            // The file a killed holder leaves is stale: not held, and the next taker gets it.
            File.WriteAllText(FolderLease.PathForSet(store.SetPath("s1")), "pid 1 on nowhere");
            Assert.False(store.IsLeaseHeld("s1"));
            using (var removing = store.TryAcquireLease("s1", TimeSpan.Zero))
            {
                Assert.NotNull(removing);
                Assert.True(store.IsLeaseHeld("s1"));
                store.DeleteSet("s1");
            }
            Assert.False(Directory.Exists(store.SetPath("s1")));
            Assert.False(File.Exists(FolderLease.PathForSet(store.SetPath("s1"))));
            Assert.Empty(store.ListSets());
            Assert.Empty(store.ListFiles("s1"));
        }

        [Fact]
        public void A_set_name_is_one_folder_name()
        {
            var store = NewStore();
            foreach (var bad in new[] { "", "..", "a/b", "a\\b" })
                Assert.Throws<ArgumentException>(() => store.SetPath(bad));
        }
    }

    /// <summary>Locations: a URL is never a path; a URL without a store for it is a clear error; secrets never shown.</summary>
    [Collection("BackupStores")]
    public sealed class BackupStoresTests
    {
        [Theory]
        [InlineData("https://acct.blob.core.windows.net/backups/prefix", true)]
        [InlineData("http://127.0.0.1:10000/devstoreaccount1/backups", true)]
        [InlineData("/srv/backups", false)]
        [InlineData("relative/backups", false)]
        [InlineData("C:\\backups", false)]
        [InlineData("file:///srv/backups", false)]
        public void Only_http_and_https_urls_are_urls(string location, bool isUrl) => Assert.Equal(isUrl, BackupStores.IsUrl(location));

        [Fact]
        public void A_url_without_a_registered_store_is_a_clear_error_that_shows_no_secret()
        {
            var ex = Assert.Throws<BackupStoreUnavailableException>(() =>
                BackupStores.Open("https://acct.blob.core.windows.net/backups/p?sv=2024&sig=SECRETSIG", new BackupStoreCredentials { ConnectionString = "AccountKey=SECRETKEY" }));
            Assert.Contains("https://acct.blob.core.windows.net/backups/p", ex.Message);
            Assert.Contains("Azure Blob store", ex.Message);
            Assert.DoesNotContain("SECRET", ex.Message);
            Assert.Equal("https://acct.blob.core.windows.net/backups/p", ex.Location);
            Assert.Equal("connection string", new BackupStoreCredentials { ConnectionString = "AccountKey=SECRETKEY" }.ToString());
        }

        [Fact]
        public void A_registered_factory_gets_the_url_with_its_query_and_a_set_url_is_split_into_store_and_set()
        {
            Uri? seen = null;
            var folder = new FolderBackupStore(Path.GetTempPath());
            BackupStores.Register("test-double", (uri, creds) => uri.Host == "acct.example" ? (seen = uri) != null ? folder : null : null);
            try
            {
                var store = BackupStores.OpenForSet("https://acct.example/c/p/20261130-010203Z-full?sig=S%2B1", null, out var setName);
                Assert.Same(folder, store);
                Assert.Equal("20261130-010203Z-full", setName);
                Assert.Equal("https://acct.example/c/p?sig=S%2B1", seen!.OriginalString);
                Assert.Throws<BackupStoreUnavailableException>(() => BackupStores.Open("https://other.example/c"));
                Assert.IsType<FolderBackupStore>(BackupStores.Open(Path.GetTempPath()));
            }
            finally
            {
                BackupStores.Unregister("test-double");
            }
        }

        [Fact]
        public void Redact_drops_query_fragment_and_user_info()
        {
            Assert.Equal("https://acct.blob.core.windows.net/c/p", BackupStores.Redact("https://user:pw@acct.blob.core.windows.net/c/p/?sv=1&sig=X#frag"));
            Assert.Equal("/srv/backups", BackupStores.Redact("/srv/backups"));
        }
    }
}
