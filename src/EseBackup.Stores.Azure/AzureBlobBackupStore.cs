using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using EseBackup.Core.BackupSets;
using EseBackup.Core.BackupSets.Stores;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// Backup sets in an Azure Blob container: one set is one virtual folder of blobs under the URL's prefix
    /// (<c>&lt;prefix&gt;&lt;set&gt;/&lt;file&gt;</c>), its lease a blob lease on the marker <c>&lt;prefix&gt;.&lt;set&gt;.lease</c>
    /// beside it (the folder store's names). The rules are the folder store's: a set is claimed by creating its
    /// marker create-only; every file is committed create-only (If-None-Match: *) and only after its last block;
    /// manifest.json is written last, create-only, so a set without it is incomplete; deletion removes the
    /// manifest first; a lease of a killed holder expires and is taken over.
    /// </summary>
    public sealed class AzureBlobBackupStore : IBackupStore
    {
        private readonly AzureBlobLocation _location;
        private readonly AzureBlobStoreOptions _options;
        private readonly BlobContainerClient _container;
        private readonly SecretRedactor _redactor = new SecretRedactor();
        private readonly ConcurrentDictionary<string, BlobSetLease> _heldLeases = new ConcurrentDictionary<string, BlobSetLease>(StringComparer.Ordinal);

        public AzureBlobBackupStore(string containerUrl, AzureBlobStoreOptions? options = null)
        {
            _options = options ?? new AzureBlobStoreOptions();
            _options.Validate();
            _redactor.Add(_options.ConnectionString);
            _location = AzureBlobLocation.Parse(containerUrl);
            (_container, CredentialKind) = AzureBlobClientFactory.Create(_location, _options, _redactor);
        }

        /// <summary>Which credential the store uses ("SAS token of the URL", "AZURE_STORAGE_CONNECTION_STRING", "Microsoft Entra ID", ...): never the secret.</summary>
        public string CredentialKind { get; }

        /// <summary>The parsed container URL.</summary>
        public AzureBlobLocation Container => _location;

        /// <summary>The container URL and prefix; never a SAS.</summary>
        public string Location => _location.Display;

        public override string ToString() => Location;

        /// <summary>Masks this store's secrets (and anything shaped like a secret) in text meant for a person.</summary>
        public string Redact(string? text) => _redactor.Redact(text);

        public string LocationOf(string setName, string? relativePath = null) =>
            relativePath == null ? _location.DisplayOf(SetPrefix(setName).TrimEnd('/')) : _location.DisplayOf(BlobName(setName, relativePath));

        public bool Exists() => Call("Looking for the container " + Location, ContainerExists);

        /// <summary>Creates the container when it is missing and the options allow it; a SAS without that right reaches an existing container unchanged.</summary>
        public void EnsureExists()
        {
            Call("Creating the container " + Location, () =>
            {
                if (!_options.CreateContainer)
                {
                    if (!ContainerExists()) throw new AzureBlobStoreException($"The container '{_location.ContainerUri.AbsoluteUri}' does not exist (creating it was not allowed).", 404, "ContainerNotFound");
                    return 0;
                }
                try { _container.CreateIfNotExists(); }
                catch (RequestFailedException ex) when (ex.Status == 403)
                {
                    // A container-scoped SAS may not create; an existing container is all it needs.
                    if (!ContainerExists()) throw;
                }
                return 0;
            });
        }

        /// <summary>Every set under the prefix (a folder of blobs or a lease marker), with or without manifest; lease markers are not sets.</summary>
        public IReadOnlyList<StoredSetEntry> ListSets()
        {
            return Call("Listing the sets in " + Location, () =>
            {
                var sets = new Dictionary<string, SetSeen>(StringComparer.Ordinal);
                foreach (var blob in BlobsOrNoneUnder(_location.Prefix))
                {
                    var rest = blob.Name.Substring(_location.Prefix.Length);
                    int slash = rest.IndexOf('/');
                    string name;
                    string? inside;
                    if (slash < 0)
                    {
                        // A top-level blob: a set's lease marker, or something that is not the module's.
                        if (!IsLeaseMarker(rest)) continue;
                        name = rest.Substring(1, rest.Length - 1 - FolderLease.Suffix.Length);
                        inside = null;
                    }
                    else
                    {
                        name = rest.Substring(0, slash);
                        inside = rest.Substring(slash + 1);
                    }
                    if (name.Length == 0) continue;
                    if (!sets.TryGetValue(name, out var entry)) sets[name] = entry = new SetSeen();
                    if (inside == null) continue;
                    if (inside == BackupManifest.FileName) entry.HasManifest = true;
                    else if (inside == BackupSetWriter.IncompleteMarker) entry.HasIncompleteMarker = true;
                    var modified = blob.Properties.LastModified?.UtcDateTime;
                    if (modified != null && (entry.LastWriteTimeUtc == null || modified > entry.LastWriteTimeUtc)) entry.LastWriteTimeUtc = modified;
                }
                return (IReadOnlyList<StoredSetEntry>)sets.OrderBy(s => s.Key, StringComparer.Ordinal)
                    .Select(s => new StoredSetEntry(s.Key, s.Value.HasManifest, s.Value.HasIncompleteMarker, s.Value.LastWriteTimeUtc)).ToList();
            });
        }

        /// <summary>The committed blobs of one set: relative '/' names and lengths (uncommitted blocks are no file).</summary>
        public IReadOnlyList<StoredFile> ListFiles(string setName)
        {
            var prefix = SetPrefix(setName);
            return Call("Listing the files of " + LocationOf(setName), () =>
            {
                var list = new List<StoredFile>();
                foreach (var blob in BlobsOrNoneUnder(prefix))
                    list.Add(new StoredFile(blob.Name.Substring(prefix.Length), blob.Properties.ContentLength ?? 0));
                return (IReadOnlyList<StoredFile>)list;
            });
        }

        /// <summary>Opens a file of a set for reading with parallel read-ahead; <see cref="FileNotFoundException"/> when there is none.</summary>
        public Stream OpenRead(string setName, string relativePath)
        {
            var blob = _container.GetBlobClient(BlobName(setName, relativePath));
            var location = LocationOf(setName, relativePath);
            return Call("Opening " + location, () =>
            {
                BlobProperties properties;
                try { properties = blob.GetProperties().Value; }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    throw new FileNotFoundException($"'{location}' does not exist.", location);
                }
                return (Stream)new BlobReadStream(blob, properties.ContentLength, properties.ETag, location, _options.BlockSize, _options.DownloadConcurrency, Wrap);
            });
        }

        /// <summary>
        /// Claims a new set: null when anything has the name (blobs of a set, a live or stale lease marker). On
        /// success the returned lease is held (renewed in the background) until disposed.
        /// </summary>
        public IStoreLease? TryClaimSet(string setName)
        {
            var prefix = SetPrefix(setName);
            return Call("Claiming the set " + LocationOf(setName), () =>
            {
                if (AnyBlobUnder(prefix)) return null;
                // Creating the marker create-only is the atomic step: two claims of one name cannot both create it.
                var lease = BlobSetLease.TryClaimNew(Marker(setName), _options.LeaseDuration, MarkerLocation(setName));
                if (lease == null) return null;
                if (AnyBlobUnder(prefix))
                {
                    lease.Dispose(); // written meanwhile by something that takes no lease: not ours
                    return null;
                }
                return (IStoreLease)Track(setName, lease);
            });
        }

        /// <summary>Starts a file of a set: staged blocks, visible only once committed (create-only).</summary>
        public IStoreFileWriter CreateFile(string setName, string relativePath)
        {
            var name = BlobName(setName, relativePath);
            var location = LocationOf(setName, relativePath);
            var stream = new BlockUploadStream(_container.GetBlockBlobClient(name), location, _options.BlockSize, _options.UploadConcurrency, Wrap);
            return new BlobFileWriter(stream, location, () => ThrowIfLeaseLost(setName));
        }

        /// <summary>Writes manifest.json create-only (If-None-Match: *): all of it or nothing; an IOException when the set has one.</summary>
        public void CommitManifest(string setName, byte[] utf8Json) =>
            WriteNew(setName, BackupManifest.FileName, utf8Json);

        /// <summary>Writes INCOMPLETE.txt into a set that will never be committed, create-only.</summary>
        public void WriteIncompleteMarker(string setName, string text) =>
            WriteNew(setName, BackupSetWriter.IncompleteMarker, new System.Text.UTF8Encoding(false).GetBytes(text));

        /// <summary>Nothing to do on blob storage: a failed upload left only uncommitted blocks, which are no blob and which the service discards.</summary>
        public void DiscardPartialFiles(string setName)
        {
        }

        /// <summary>Deletes a set: its manifest first (a half-deleted set reads as incomplete), then every blob. The caller holds the set's lease.</summary>
        public void DeleteSet(string setName)
        {
            var prefix = SetPrefix(setName);
            Call("Removing the set " + LocationOf(setName), () =>
            {
                _container.GetBlobClient(prefix + BackupManifest.FileName).DeleteIfExists(DeleteSnapshotsOption.IncludeSnapshots);
                foreach (var blob in _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, default).ToList())
                    _container.GetBlobClient(blob.Name).DeleteIfExists(DeleteSnapshotsOption.IncludeSnapshots);
                return 0;
            });
        }

        /// <summary>Takes a set's lease (creating the marker, or taking over one whose holder's lease expired); null when a live holder keeps it for all of <paramref name="wait"/>.</summary>
        public IStoreLease? TryAcquireLease(string setName, TimeSpan wait) =>
            Call("Taking the lease of " + LocationOf(setName), () =>
            {
                var lease = BlobSetLease.TryAcquire(Marker(setName), _options.LeaseDuration, wait, MarkerLocation(setName));
                return lease == null ? null : (IStoreLease)Track(setName, lease);
            });

        /// <summary>True when a live holder has the set's lease (an expired lease of a killed holder is not held).</summary>
        public bool IsLeaseHeld(string setName) =>
            Call("Looking at the lease of " + LocationOf(setName), () => BlobSetLease.IsHeld(Marker(setName)));

        internal string BlobName(string setName, string relativePath)
        {
            var problem = BackupManifest.RelativePathProblem(relativePath);
            if (problem != null) throw new InvalidDataException($"Backup file path '{relativePath}' {problem}.");
            return SetPrefix(setName) + relativePath.Replace('\\', '/');
        }

        internal string SetPrefix(string setName) => _location.Prefix + CheckedName(setName) + "/";

        private static string CheckedName(string setName)
        {
            if (string.IsNullOrEmpty(setName) || setName == "." || setName == ".." || setName.IndexOfAny(new[] { '/', '\\', '\0', '?', '#' }) >= 0 || setName.StartsWith(".", StringComparison.Ordinal))
                throw new ArgumentException($"'{setName}' is not a backup set name (one path segment).", nameof(setName));
            return setName;
        }

        private static bool IsLeaseMarker(string name) =>
            name.Length > 1 + FolderLease.Suffix.Length && FolderLease.IsLeaseFileName(name);

        /// <summary>
        /// Whether the container exists. Asked by listing (a container-scoped SAS may list but not read the
        /// container's properties); a credential that may do neither cannot tell, and the container is taken as there.
        /// </summary>
        private bool ContainerExists()
        {
            try
            {
                foreach (var _ in _container.GetBlobs(BlobTraits.None, BlobStates.None, _location.Prefix, default).AsPages(pageSizeHint: 1))
                    break;
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 404) { return false; }
        }

        /// <summary>The blobs under a prefix; none when the container does not exist.</summary>
        private IEnumerable<BlobItem> BlobsOrNoneUnder(string prefix)
        {
            var list = new List<BlobItem>();
            try
            {
                foreach (var blob in _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, default)) list.Add(blob);
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "ContainerNotFound") { }
            return list;
        }

        private BlobClient Marker(string setName) => _container.GetBlobClient(_location.Prefix + "." + CheckedName(setName) + FolderLease.Suffix);

        private string MarkerLocation(string setName) => _location.DisplayOf(_location.Prefix + "." + CheckedName(setName) + FolderLease.Suffix);

        private bool AnyBlobUnder(string prefix)
        {
            foreach (var page in _container.GetBlobs(BlobTraits.None, BlobStates.None, prefix, default).AsPages(pageSizeHint: 1))
                return page.Values.Count > 0;
            return false;
        }

        private void WriteNew(string setName, string relativePath, byte[] content)
        {
            ThrowIfLeaseLost(setName);
            var location = LocationOf(setName, relativePath);
            Call("Writing " + location, () =>
            {
                try
                {
                    _container.GetBlobClient(BlobName(setName, relativePath)).Upload(new BinaryData(content),
                        new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                {
                    throw new IOException($"'{location}' already exists; the module never replaces a blob of a set.");
                }
                return 0;
            });
        }

        private LeaseHandle Track(string setName, BlobSetLease lease)
        {
            _heldLeases[setName] = lease;
            return new LeaseHandle(lease, () => _heldLeases.TryRemove(setName, out _));
        }

        /// <summary>A set whose lease this store held and lost (expired while the process stalled, or broken) is not ours to commit to.</summary>
        private void ThrowIfLeaseLost(string setName)
        {
            if (_heldLeases.TryGetValue(setName, out var lease) && lease.IsLost)
                throw new IOException($"The lease of '{LocationOf(setName)}' ({lease.Location}) was lost (it expired or was broken); the set is not committed.");
        }

        private Exception Wrap(Exception ex, string what) =>
            ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is InvalidDataException
                ? ex
                : AzureBlobStoreException.From(ex, what, _redactor, CredentialKind);

        private T Call<T>(string what, Func<T> action)
        {
            try { return action(); }
            catch (RequestFailedException ex) { throw AzureBlobStoreException.From(ex, what, _redactor, CredentialKind); }
            catch (global::Azure.Identity.AuthenticationFailedException ex) { throw AzureBlobStoreException.From(ex, what, _redactor, CredentialKind); }
            catch (AggregateException ex) when (ex.InnerException != null) { throw Wrap(ex.InnerException, what); }
        }

        /// <summary>What a listing saw of one set.</summary>
        private sealed class SetSeen
        {
            public bool HasManifest;
            public bool HasIncompleteMarker;
            public DateTime? LastWriteTimeUtc;
        }

        /// <summary>The lease handed to callers: disposing releases it and forgets it.</summary>
        private sealed class LeaseHandle : IStoreLease
        {
            private readonly BlobSetLease _lease;
            private readonly Action _forget;

            public LeaseHandle(BlobSetLease lease, Action forget)
            {
                _lease = lease;
                _forget = forget;
            }

            public string Location => _lease.Location;

            public void Dispose()
            {
                _forget();
                _lease.Dispose();
            }

            public override string ToString() => Location;
        }
    }

    /// <summary>A file of a set being uploaded: write <see cref="Stream"/>, then <see cref="Commit"/>; disposing without commit abandons it.</summary>
    public sealed class BlobFileWriter : IStoreFileWriter
    {
        private readonly BlockUploadStream _stream;
        private readonly Action _beforeCommit;

        internal BlobFileWriter(BlockUploadStream stream, string location, Action beforeCommit)
        {
            _stream = stream;
            Location = location;
            _beforeCommit = beforeCommit;
        }

        public Stream Stream => _stream;

        public string Location { get; }

        internal int BuffersAllocated => _stream.BuffersAllocated;

        public void Commit()
        {
            _beforeCommit();
            _stream.Commit();
        }

        public void Dispose() => _stream.Dispose();
    }
}
