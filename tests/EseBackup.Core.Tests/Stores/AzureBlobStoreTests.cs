using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using EseBackup.Core.Tests.Support;
using EseBackup.Stores.Azure;

namespace EseBackup.Core.Tests.Stores
{
    /// <summary>The blob store's primitives against a real Blob service (Azurite), each test in a container of its own.</summary>
    public sealed class AzureBlobStoreTests : IClassFixture<AzuriteFixture>
    {
        private readonly AzuriteFixture _azurite;

        public AzureBlobStoreTests(AzuriteFixture azurite) => _azurite = azurite;

        private AzuriteServer Server => _azurite.Server;

        private static string NewContainer() => "t" + Guid.NewGuid().ToString("N").Substring(0, 20);

        private AzureBlobBackupStore NewStore(string? container = null, string? prefix = "sets/db1", Action<AzureBlobStoreOptions>? configure = null)
        {
            var options = new AzureBlobStoreOptions { ConnectionString = Server.ConnectionString, BlockSize = 1024 * 1024, UploadConcurrency = 2, DownloadConcurrency = 3, LeaseDuration = TimeSpan.FromSeconds(15) };
            configure?.Invoke(options);
            var store = new AzureBlobBackupStore(Server.ContainerUrl(container ?? NewContainer(), prefix), options);
            store.EnsureExists();
            return store;
        }

        private BlobContainerClient Raw(AzureBlobBackupStore store) =>
            new BlobServiceClient(Server.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(store.Container.ContainerName);

        private static byte[] RandomBytes(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        private static void WriteFile(AzureBlobBackupStore store, string set, string path, byte[] content, int chunk = 100_000)
        {
            using var writer = store.CreateFile(set, path);
            for (int offset = 0; offset < content.Length; offset += chunk)
                writer.Stream.Write(content, offset, Math.Min(chunk, content.Length - offset));
            writer.Commit();
        }

        private static byte[] ReadAll(Stream stream, int chunk = 65_536)
        {
            using var copy = new MemoryStream();
            var buffer = new byte[chunk];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) copy.Write(buffer, 0, n);
            return copy.ToArray();
        }

        [AzuriteFact]
        public void A_file_written_through_staged_blocks_reads_back_identical_with_bounded_buffers()
        {
            var store = NewStore();
            using var claim = store.TryClaimSet("20261130-010203Z-full");
            Assert.NotNull(claim);
            // 9 blocks of 1 MiB and an odd tail, written in uneven slices.
            var content = RandomBytes(9 * 1024 * 1024 + 12_345, 1);
            BlobFileWriter writer;
            using (writer = (BlobFileWriter)store.CreateFile("20261130-010203Z-full", "db/Sample.edb"))
            {
                for (int offset = 0; offset < content.Length; offset += 77_777)
                    writer.Stream.Write(content, offset, Math.Min(77_777, content.Length - offset));
                writer.Commit();
                // Two blocks in flight and one filling: never more buffers, whatever the file's size.
                Assert.InRange(writer.BuffersAllocated, 1, 3);
            }
            using var read = store.OpenRead("20261130-010203Z-full", "db/Sample.edb");
            Assert.Equal(content.Length, read.Length);
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(ReadAll(read, 100_003)));
            var listed = store.ListFiles("20261130-010203Z-full");
            var file = Assert.Single(listed);
            Assert.Equal("db/Sample.edb", file.RelativePath);
            Assert.Equal(content.Length, file.Length);
        }

        [AzuriteFact]
        public void A_header_read_then_a_seek_back_to_the_start_reads_the_whole_file_and_jumps_read_the_right_bytes()
        {
            var store = NewStore();
            using var claim = store.TryClaimSet("s1");
            var content = RandomBytes(5 * 1024 * 1024 + 777, 20);
            WriteFile(store, "s1", "Sample.edb", content);
            using (var read = store.OpenRead("s1", "Sample.edb"))
            {
                var header = new byte[64 * 1024];
                Assert.Equal(header.Length, read.Read(header, 0, header.Length));
                Assert.Equal(content.AsSpan(0, header.Length).ToArray(), header);
                read.Position = 0;
                Assert.Equal(SHA256.HashData(content), SHA256.HashData(ReadAll(read, 524_288)));
                // A jump forward and one back outside the range in hand.
                read.Position = 3 * 1024 * 1024 + 5;
                var slice = new byte[1000];
                Assert.Equal(slice.Length, read.Read(slice, 0, slice.Length));
                Assert.Equal(content.AsSpan(3 * 1024 * 1024 + 5, 1000).ToArray(), slice);
                read.Position = 10;
                Assert.Equal(slice.Length, read.Read(slice, 0, slice.Length));
                Assert.Equal(content.AsSpan(10, 1000).ToArray(), slice);
            }
        }

        [AzuriteFact]
        public void An_empty_file_commits_as_an_empty_blob()
        {
            var store = NewStore();
            using var claim = store.TryClaimSet("s1");
            WriteFile(store, "s1", "empty.log", Array.Empty<byte>());
            using var read = store.OpenRead("s1", "empty.log");
            Assert.Equal(0, read.Length);
            Assert.Empty(ReadAll(read));
        }

        [AzuriteFact]
        public void An_upload_that_is_not_committed_leaves_no_blob_and_the_set_lists_as_incomplete()
        {
            var store = NewStore();
            using (store.TryClaimSet("s-abandoned"))
            {
                WriteFile(store, "s-abandoned", "committed.log", RandomBytes(5000, 2));
                using (var writer = store.CreateFile("s-abandoned", "Sample.edb"))
                {
                    var content = RandomBytes(3 * 1024 * 1024, 3);
                    writer.Stream.Write(content, 0, content.Length);
                    // Disposed without Commit: a backup that failed mid-file.
                }
            }
            Assert.Equal(new[] { "committed.log" }, store.ListFiles("s-abandoned").Select(f => f.RelativePath).ToArray());
            Assert.Throws<FileNotFoundException>(() => store.OpenRead("s-abandoned", "Sample.edb"));
            var set = Assert.Single(store.ListSets());
            Assert.Equal("s-abandoned", set.Name);
            Assert.False(set.HasManifest);
        }

        [AzuriteFact]
        public void Files_and_the_manifest_are_create_only()
        {
            var store = NewStore();
            using var claim = store.TryClaimSet("s1");
            WriteFile(store, "s1", "a.log", RandomBytes(1000, 4));
            var second = Assert.Throws<IOException>(() => WriteFile(store, "s1", "a.log", RandomBytes(2000, 5)));
            Assert.Contains("already exists", second.Message);
            Assert.Equal(1000, store.OpenRead("s1", "a.log").Length);

            store.CommitManifest("s1", "{\"first\":true}"u8.ToArray());
            var again = Assert.Throws<IOException>(() => store.CommitManifest("s1", "{\"second\":true}"u8.ToArray()));
            Assert.Contains("already exists", again.Message);
            using var manifest = store.OpenRead("s1", "manifest.json");
            Assert.Equal("{\"first\":true}", System.Text.Encoding.UTF8.GetString(ReadAll(manifest)));
        }

        [AzuriteFact]
        public void Listing_tells_complete_from_incomplete_sets_and_leaves_lease_markers_and_foreign_blobs_out()
        {
            var container = NewContainer();
            var store = NewStore(container);
            using (store.TryClaimSet("complete"))
            {
                WriteFile(store, "complete", "Sample.edb", RandomBytes(100, 6));
                store.CommitManifest("complete", "{}"u8.ToArray());
            }
            using (store.TryClaimSet("incomplete")) WriteFile(store, "incomplete", "Sample.edb", RandomBytes(100, 7));
            using var running = store.TryClaimSet("running");
            // Blobs beside the prefix and a foreign top-level blob under it are not sets.
            Raw(store).GetBlobClient("other/x/manifest.json").Upload(new BinaryData("{}"));
            Raw(store).GetBlobClient("sets/db1/readme.txt").Upload(new BinaryData("not a set"));

            var sets = store.ListSets().ToDictionary(s => s.Name);
            Assert.Equal(new[] { "complete", "incomplete", "running" }, sets.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
            Assert.True(sets["complete"].HasManifest);
            Assert.False(sets["incomplete"].HasManifest);
            Assert.False(sets["running"].HasManifest);
            Assert.Empty(store.ListFiles("running"));
            Assert.True(store.IsLeaseHeld("running"));
            Assert.False(store.IsLeaseHeld("complete"));
            // Released leases leave no marker behind.
            Assert.DoesNotContain(Raw(store).GetBlobs(BlobTraits.None, BlobStates.None, "sets/db1/.", default), b => b.Name.Contains("complete") || b.Name.Contains("incomplete"));
        }

        [AzuriteFact]
        public void A_set_name_is_claimed_once_even_by_many_claimers_at_the_same_time()
        {
            var container = NewContainer();
            var stores = Enumerable.Range(0, 8).Select(_ => NewStore(container)).ToArray();
            for (int round = 0; round < 5; round++)
            {
                var name = $"20261130-0100{round:D2}Z-full";
                var won = new ConcurrentBag<IDisposable>();
                using var start = new Barrier(stores.Length);
                Parallel.ForEach(stores, new ParallelOptions { MaxDegreeOfParallelism = stores.Length }, s =>
                {
                    start.SignalAndWait();
                    var claim = s.TryClaimSet(name);
                    if (claim != null) won.Add(claim);
                });
                Assert.Single(won);
                // Taken while the winner holds it, and still taken (its files exist) after.
                Assert.Null(stores[0].TryClaimSet(name));
                WriteFile(stores[0], name, "x.log", RandomBytes(10, round));
                foreach (var c in won) c.Dispose();
                Assert.Null(stores[1].TryClaimSet(name));
            }
        }

        [AzuriteFact]
        public void A_held_lease_is_refused_to_others_and_a_lease_whose_holder_died_expires_and_is_taken_over()
        {
            var container = NewContainer();
            var store = NewStore(container);
            using (var held = store.TryAcquireLease("s1", TimeSpan.Zero))
            {
                Assert.NotNull(held);
                Assert.True(store.IsLeaseHeld("s1"));
                var clock = System.Diagnostics.Stopwatch.StartNew();
                Assert.Null(NewStore(container).TryAcquireLease("s1", TimeSpan.FromSeconds(1)));
                Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1));
            }
            Assert.False(store.IsLeaseHeld("s1"));

            // A holder that died: its lease (15 s here) is never renewed.
            var marker = Raw(store).GetBlobClient("sets/db1/.s2.lease");
            marker.Upload(new BinaryData("pid 1 on a dead machine\n"));
            marker.GetBlobLeaseClient().Acquire(TimeSpan.FromSeconds(15));
            Assert.True(store.IsLeaseHeld("s2"));
            Assert.Null(store.TryAcquireLease("s2", TimeSpan.Zero));
            using var taken = store.TryAcquireLease("s2", TimeSpan.FromSeconds(25));
            Assert.NotNull(taken);
            Assert.True(store.IsLeaseHeld("s2"));
        }

        [AzuriteFact]
        public void A_lease_is_renewed_beyond_its_duration_and_a_lost_lease_stops_the_commit()
        {
            var store = NewStore();
            using var claim = store.TryClaimSet("s1");
            Thread.Sleep(TimeSpan.FromSeconds(20)); // longer than the 15 s lease: only renewal keeps it
            Assert.True(store.IsLeaseHeld("s1"));
            Assert.Null(NewStore(store.Container.ContainerName).TryAcquireLease("s1", TimeSpan.Zero));

            // Broken by someone else (an operator's az storage blob lease break): the set is not ours any more.
            Raw(store).GetBlobClient("sets/db1/.s1.lease").GetBlobLeaseClient().Break(TimeSpan.Zero);
            Thread.Sleep(TimeSpan.FromSeconds(7)); // one renewal (every 5 s) finds it gone
            var ex = Assert.Throws<IOException>(() => store.CommitManifest("s1", "{}"u8.ToArray()));
            Assert.Contains("lease", ex.Message);
            Assert.False(Raw(store).GetBlobClient("sets/db1/s1/manifest.json").Exists().Value);
        }

        [AzuriteFact]
        public void Deleting_a_set_removes_every_blob_and_nothing_of_other_sets()
        {
            var store = NewStore();
            foreach (var name in new[] { "s1", "s10" })
            {
                using var claim = store.TryClaimSet(name);
                WriteFile(store, name, "Sample.edb", RandomBytes(1000, 8));
                WriteFile(store, name, "logs/E0000000001.log", RandomBytes(1000, 9));
                store.CommitManifest(name, "{}"u8.ToArray());
            }
            using (var lease = store.TryAcquireLease("s1", TimeSpan.Zero))
                store.DeleteSet("s1");
            Assert.Equal(new[] { "s10" }, store.ListSets().Select(s => s.Name).ToArray());
            Assert.Equal(3, store.ListFiles("s10").Count);
        }

        [AzuriteFact]
        public void A_blob_replaced_while_it_is_read_fails_the_read()
        {
            var store = NewStore(configure: o => o.DownloadConcurrency = 1);
            using var claim = store.TryClaimSet("s1");
            WriteFile(store, "s1", "Sample.edb", RandomBytes(4 * 1024 * 1024, 10));
            using var read = store.OpenRead("s1", "Sample.edb");
            var buffer = new byte[1024 * 1024];
            Assert.Equal(buffer.Length, read.Read(buffer, 0, buffer.Length));
            Raw(store).GetBlobClient("sets/db1/s1/Sample.edb").Upload(new BinaryData(RandomBytes(4 * 1024 * 1024, 11)), overwrite: true);
            var ex = Assert.Throws<IOException>(() => { while (read.Read(buffer, 0, buffer.Length) > 0) { } });
            Assert.Contains("replaced while it was read", ex.Message);
        }

        [AzuriteFact]
        public void A_failing_service_fails_the_upload_and_commits_nothing()
        {
            // A second Azurite of its own, killed in the middle of an upload.
            using var doomed = new AzuriteServer();
            var container = NewContainer();
            var store = new AzureBlobBackupStore(doomed.ContainerUrl(container, "p"),
                new AzureBlobStoreOptions { ConnectionString = doomed.ConnectionString, BlockSize = 1024 * 1024, UploadConcurrency = 2, MaxRetries = 1 });
            store.EnsureExists();
            using var claim = store.TryClaimSet("s1");
            var writer = store.CreateFile("s1", "Sample.edb");
            var block = RandomBytes(1024 * 1024, 12);
            writer.Stream.Write(block, 0, block.Length);
            System.Diagnostics.Process.GetProcessById(doomed.ProcessId).Kill();
            var ex = Record.Exception(() =>
            {
                for (int i = 0; i < 8; i++) writer.Stream.Write(block, 0, block.Length);
                writer.Commit();
            });
            writer.Dispose();
            var failure = Assert.IsType<AzureBlobStoreException>(ex);
            Assert.Contains("Sample.edb", failure.Message);
            Assert.DoesNotContain(AzuriteServer.AccountKey, failure.Message);
        }

        [AzuriteFact]
        public void A_SAS_URL_works_and_no_secret_appears_in_locations_or_errors()
        {
            var container = NewContainer();
            NewStore(container); // creates the container
            var key = new StorageSharedKeyCredential(AzuriteServer.AccountName, AzuriteServer.AccountKey);
            string Sas(BlobContainerSasPermissions permissions)
            {
                var builder = new BlobSasBuilder(permissions, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = container };
                return builder.ToSasQueryParameters(key).ToString();
            }
            var fullSas = Sas(BlobContainerSasPermissions.All);
            var store = new AzureBlobBackupStore(Server.ContainerUrl(container, "sets") + "?" + fullSas, new AzureBlobStoreOptions { CreateContainer = false });
            Assert.Equal("SAS token of the URL", store.CredentialKind);
            store.EnsureExists();
            using (store.TryClaimSet("s1")) WriteFile(store, "s1", "a.log", RandomBytes(100, 13));
            var signature = Uri.UnescapeDataString(fullSas.Split('&').Single(p => p.StartsWith("sig=")).Substring(4));
            Assert.DoesNotContain("sig=", store.Location);
            Assert.DoesNotContain("?", store.LocationOf("s1", "a.log"));

            // Read-only SAS: the write is refused, and the refusal names the blob but carries no signature.
            var readSas = Sas(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List);
            var readOnly = new AzureBlobBackupStore(Server.ContainerUrl(container, "sets") + "?" + readSas, new AzureBlobStoreOptions { CreateContainer = false });
            Assert.Single(readOnly.ListSets());
            var refused = Assert.Throws<UnauthorizedAccessException>(() => WriteFile(readOnly, "s1", "b.log", RandomBytes(100, 14)));
            var readSignature = Uri.UnescapeDataString(readSas.Split('&').Single(p => p.StartsWith("sig=")).Substring(4));
            Assert.Contains("b.log", refused.Message);
            Assert.Contains("403", refused.Message);
            Assert.Contains("SAS token of the URL", refused.Message);
            foreach (var secret in new[] { signature, readSignature, Uri.EscapeDataString(readSignature), readSas, AzuriteServer.AccountKey })
                Assert.DoesNotContain(secret, refused.ToString());
        }

        [AzuriteFact]
        public void A_wrong_account_key_is_refused_without_showing_the_key()
        {
            var container = NewContainer();
            NewStore(container);
            var wrongKey = Convert.ToBase64String(RandomBytes(64, 15));
            var cs = Server.ConnectionString.Replace(AzuriteServer.AccountKey, wrongKey);
            var store = new AzureBlobBackupStore(Server.ContainerUrl(container, "p"), new AzureBlobStoreOptions { ConnectionString = cs, MaxRetries = 0 });
            var ex = Assert.Throws<UnauthorizedAccessException>(() => store.ListSets());
            Assert.Contains("403", ex.Message);
            Assert.Contains("(connection string parameter)", ex.Message);
            Assert.Contains(Server.ContainerUrl(container, "p"), ex.Message);
            Assert.DoesNotContain(wrongKey, ex.ToString());
            Assert.DoesNotContain(cs, ex.ToString());
        }

        [AzuriteFact]
        public void The_connection_string_comes_from_AZURE_STORAGE_CONNECTION_STRING_when_no_other_credential_is_given()
        {
            var container = NewContainer();
            NewStore(container);
            var before = Environment.GetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable);
            try
            {
                Environment.SetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable, Server.ConnectionString);
                var store = new AzureBlobBackupStore(Server.ContainerUrl(container, "p"));
                Assert.Equal(AzureBlobStoreOptions.ConnectionStringVariable, store.CredentialKind);
                using (store.TryClaimSet("s1")) WriteFile(store, "s1", "a.log", RandomBytes(10, 16));
                Assert.Single(store.ListSets());
            }
            finally
            {
                Environment.SetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable, before);
            }
        }
    }

    /// <summary>What needs no service: URL parsing, credential choice, redaction.</summary>
    public sealed class AzureBlobLocationTests
    {
        [Theory]
        [InlineData("https://acct.blob.core.windows.net/backups", "acct", "backups", "", "https://acct.blob.core.windows.net/backups")]
        [InlineData("https://acct.blob.core.windows.net/backups/srv1/ntds/", "acct", "backups", "srv1/ntds/", "https://acct.blob.core.windows.net/backups/srv1/ntds")]
        [InlineData("http://127.0.0.1:10000/devstoreaccount1/c01/p?sv=2025-01-05&sig=abc%2Bdef", "devstoreaccount1", "c01", "p/", "http://127.0.0.1:10000/devstoreaccount1/c01/p")]
        public void A_container_URL_gives_account_container_prefix_and_a_display_without_query(string url, string account, string container, string prefix, string display)
        {
            var location = AzureBlobLocation.Parse(url);
            Assert.Equal(account, location.AccountName);
            Assert.Equal(container, location.ContainerName);
            Assert.Equal(prefix, location.Prefix);
            Assert.Equal(display, location.Display);
        }

        [Theory]
        [InlineData("https://acct.blob.core.windows.net/")]
        [InlineData("https://acct.blob.core.windows.net/c/a/../b")]
        [InlineData("ftp://acct.blob.core.windows.net/container")]
        [InlineData("https://acct.blob.core.windows.net/c1/p")]
        [InlineData("https://acct.blob.core.windows.net/Backups/p")]
        [InlineData("https://acct.blob.core.windows.net/back--ups/p")]
        public void Not_a_container_URL_is_refused_naming_it_without_its_query(string url)
        {
            var ex = Assert.Throws<ArgumentException>(() => AzureBlobLocation.Parse(url + "?sig=SECRETSIGNATURE"));
            Assert.DoesNotContain("SECRETSIGNATURE", ex.Message);
        }

        [Fact]
        public void A_plain_URL_without_any_credential_uses_Microsoft_Entra_ID_and_makes_no_request_when_built()
        {
            var before = Environment.GetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable);
            try
            {
                Environment.SetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable, null);
                var store = new AzureBlobBackupStore("https://acct.blob.core.windows.net/backups/p");
                Assert.Equal("Microsoft Entra ID", store.CredentialKind);
            }
            finally
            {
                Environment.SetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable, before);
            }
        }

        [Fact]
        public void A_connection_string_for_another_account_is_refused_naming_both_accounts_but_no_key()
        {
            const string key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5";
            var ex = Assert.Throws<ArgumentException>(() => new AzureBlobBackupStore("https://acct.blob.core.windows.net/backups",
                new AzureBlobStoreOptions { ConnectionString = $"DefaultEndpointsProtocol=https;AccountName=other;AccountKey={key};EndpointSuffix=core.windows.net" }));
            Assert.Contains("'other'", ex.Message);
            Assert.Contains("'acct'", ex.Message);
            Assert.DoesNotContain(key, ex.ToString());
        }

        [Fact]
        public void A_malformed_connection_string_is_refused_without_echoing_it()
        {
            const string secret = "AccountKey=c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ==;oops";
            var ex = Assert.Throws<ArgumentException>(() => new AzureBlobBackupStore("https://acct.blob.core.windows.net/backups",
                new AzureBlobStoreOptions { ConnectionString = secret }));
            Assert.DoesNotContain("c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ", ex.ToString());
        }

        [Fact]
        public void The_redactor_masks_given_secrets_and_secret_shaped_text()
        {
            var redactor = new SecretRedactor();
            redactor.Add("my-very-secret-token-value");
            var text = redactor.Redact("a my-very-secret-token-value b https://x/c?sv=1&sig=abc%2B123&se=2 AccountKey=Zm9vYmFy; SharedAccessSignature=sv=1&sig=zzz");
            Assert.DoesNotContain("my-very-secret", text);
            Assert.DoesNotContain("abc%2B123", text);
            Assert.DoesNotContain("Zm9vYmFy", text);
            Assert.DoesNotContain("zzz", text);
            Assert.Contains("https://x/c?sv=1", text);
        }
    }
}
