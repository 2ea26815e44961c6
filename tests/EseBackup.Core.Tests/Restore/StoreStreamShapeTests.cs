using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.BackupSets;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Protocol;
using Xunit;

namespace EseBackup.Core.Tests.Restore
{
    /// <summary>
    /// The core over a store whose read streams cannot seek and are not files, as a blob store's download stream
    /// is: verification, restore and listing must read such a stream front to back and find exactly what they
    /// find on disk. The store here is a TEST DOUBLE around the real folder store (real files underneath); it
    /// is no evidence about the Azure Blob store, which is tested against Azurite in its own project.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class StoreStreamShapeTests
    {
        [Fact]
        public void Verify_and_restore_through_streams_that_cannot_seek_find_what_they_find_on_disk()
        {
            using var t = new RestoreTestSets();
            var store = new SequentialOnlyStore(new FolderBackupStore(t.Backups));
            foreach (var set in new[] { t.Full, t.Incremental! })
            {
                var onDisk = BackupSetVerifier.Verify(set.Path);
                var streamed = BackupSetVerifier.Verify(store, set.Name);
                Assert.True(onDisk.IsValid);
                Assert.True(streamed.IsValid, string.Join("; ", streamed.Problems.Select(p => p.Message)));
                Assert.Equal(onDisk.BytesChecked, streamed.BytesChecked);
                Assert.Equal(onDisk.PagesChecked, streamed.PagesChecked);
                Assert.Equal(onDisk.SegmentsChecked, streamed.SegmentsChecked);
                Assert.True(streamed.PagesChecked > 0 || set.Kind == BackupKind.Incremental);
            }
            Assert.True(store.Opened > 0);
            Assert.Equal(0, store.Seeks);

            var dest = t.NewDestination();
            var plan = RestorePlan.Create(BackupSet.Open(store, t.Incremental!.Name), dest);
            var result = BackupRestorer.Restore(plan);
            foreach (var f in plan.Files)
                Assert.Equal(f.File.Hash, BackupSetWriter.HashFile(f.Target));
            Assert.Equal(plan.TotalBytes, result.BytesRestored);
        }

        [Fact]
        public void A_flipped_page_bit_is_reported_with_its_page_through_a_stream_that_cannot_seek()
        {
            using var t = new RestoreTestSets(incremental: false);
            var db = RestoreTestSets.Database(t.Full);
            RestoreTestSets.FlipBit(db.FullPath, 5L * RestoreTestSets.PageSize + 100);
            var store = new SequentialOnlyStore(new FolderBackupStore(t.Backups));
            var onDisk = BackupSetVerifier.Verify(t.Full.Path);
            var streamed = BackupSetVerifier.Verify(store, t.Full.Name);
            Assert.Equal(onDisk.Problems.Select(p => (p.Kind, p.PageNumber)), streamed.Problems.Select(p => (p.Kind, p.PageNumber)));
            Assert.Contains(streamed.Problems, p => p.Kind == BackupProblemKind.BadPage && p.PageNumber != null);
            Assert.Contains(streamed.Problems, p => p.Kind == BackupProblemKind.HashMismatch);
        }

        [Fact]
        public void Listing_retention_and_a_new_set_work_through_the_store_interface_alone()
        {
            using var t = new RestoreTestSets(incremental: false);
            var store = new SequentialOnlyStore(new FolderBackupStore(t.Backups));
            var session = BackupPipeline.StartSnapshot(new[] { t.Source }, BackupKind.Incremental, store);
            var writer = BackupPipeline.Read(session, store);
            var incremental = BackupPipeline.Stop(session, false).Set;
            Assert.Equal(t.Full.SetId, incremental.ParentSetId);
            Assert.True(BackupSetVerifier.Verify(store, incremental.Name).IsValid);

            var listed = BackupSetInfo.List(BackupSetCatalog.Scan(store));
            Assert.Equal(new[] { incremental.Name, t.Full.Name }, listed.Select(s => s.Name));
            // The full set stays: the incremental builds on it.
            var decisions = BackupRetention.Plan(listed, 1, null, false, BackupRetention.IsInUse);
            Assert.All(decisions, d => Assert.False(d.Remove));
            BackupRetention.Delete(listed[0]);
            Assert.False(Directory.Exists(incremental.Path));
        }

        /// <summary>Test double: the real folder store, but every read stream is sequential only (no seek, not a FileStream).</summary>
        private sealed class SequentialOnlyStore : IBackupStore
        {
            private readonly FolderBackupStore _inner;

            public SequentialOnlyStore(FolderBackupStore inner) => _inner = inner;

            public int Opened;
            public int Seeks;

            public string Location => _inner.Location;
            public string LocationOf(string setName, string? relativePath = null) => _inner.LocationOf(setName, relativePath);
            public bool Exists() => _inner.Exists();
            public void EnsureExists() => _inner.EnsureExists();
            public IReadOnlyList<StoredSetEntry> ListSets() => _inner.ListSets();
            public IReadOnlyList<StoredFile> ListFiles(string setName) => _inner.ListFiles(setName);

            public Stream OpenRead(string setName, string relativePath)
            {
                Opened++;
                return new SequentialStream(_inner.OpenRead(setName, relativePath), this);
            }

            public IStoreLease? TryClaimSet(string setName) => _inner.TryClaimSet(setName);
            public IStoreFileWriter CreateFile(string setName, string relativePath) => _inner.CreateFile(setName, relativePath);
            public void CommitManifest(string setName, byte[] utf8Json) => _inner.CommitManifest(setName, utf8Json);
            public void WriteIncompleteMarker(string setName, string text) => _inner.WriteIncompleteMarker(setName, text);
            public void DiscardPartialFiles(string setName) => _inner.DiscardPartialFiles(setName);
            public void DeleteSet(string setName) => _inner.DeleteSet(setName);
            public IStoreLease? TryAcquireLease(string setName, TimeSpan wait) => _inner.TryAcquireLease(setName, wait);
            public bool IsLeaseHeld(string setName) => _inner.IsLeaseHeld(setName);

            private sealed class SequentialStream : Stream
            {
                private readonly Stream _inner;
                private readonly SequentialOnlyStore _owner;

                public SequentialStream(Stream inner, SequentialOnlyStore owner)
                {
                    _inner = inner;
                    _owner = owner;
                }

                public override bool CanRead => true;
                public override bool CanSeek => false;
                public override bool CanWrite => false;
                public override long Length => _inner.Length;

                public override long Position
                {
                    get => throw new NotSupportedException();
                    set
                    {
                        _owner.Seeks++;
                        throw new NotSupportedException("This stream cannot seek.");
                    }
                }

                public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 100_000));
                public override void Flush() { }
                public override long Seek(long offset, SeekOrigin origin) { _owner.Seeks++; throw new NotSupportedException("This stream cannot seek."); }
                public override void SetLength(long value) => throw new NotSupportedException();
                public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

                protected override void Dispose(bool disposing)
                {
                    if (disposing) _inner.Dispose();
                    base.Dispose(disposing);
                }
            }
        }
    }
}
