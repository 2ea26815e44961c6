using System;
using System.Collections.Generic;
using System.IO;

namespace EseBackup.Core.BackupSets.Stores
{
    /// <summary>
    /// Where backup sets live: a folder (<see cref="FolderBackupStore"/>) or a container prefix of a blob
    /// service (EseBackup.Stores.Azure). One set is one named group of files with a manifest committed last.
    /// Every member's guarantees (atomicity, exclusivity, errors) are in STORE-CONTRACT.md beside this file;
    /// an implementation keeps all of them. Names of sets are single path segments; file names inside a set
    /// are relative, '/' separated, already checked by <see cref="BackupManifest.RelativePathProblem"/>.
    /// </summary>
    public interface IBackupStore
    {
        /// <summary>The store as a person reads it: a full folder path, or the container URL with its prefix. Never a secret.</summary>
        string Location { get; }

        /// <summary>The location of a set, or of a file of a set, as messages and objects show it. Never a secret.</summary>
        string LocationOf(string setName, string? relativePath = null);

        /// <summary>True when the folder or container exists (a store that does not lists no set).</summary>
        bool Exists();

        /// <summary>Creates the folder or container when it is missing (a container only where the credential allows).</summary>
        void EnsureExists();

        /// <summary>The sets of the store, in no particular order: every top-level entry a set could be, lease entries left out.</summary>
        IReadOnlyList<StoredSetEntry> ListSets();

        /// <summary>Every committed or partial file of one set, relative '/' names with lengths; empty when the set is gone.</summary>
        IReadOnlyList<StoredFile> ListFiles(string setName);

        /// <summary>
        /// Opens a file of a set for reading: only a regular file, never through a link (the set, a folder
        /// below it or the file itself). <see cref="FileNotFoundException"/> when there is none;
        /// <see cref="UnsafeStoreEntryException"/> when something else is in its place. The stream's
        /// <see cref="Stream.Length"/> is the file's length when opened; reads are sequential from 0.
        /// </summary>
        Stream OpenRead(string setName, string relativePath);

        /// <summary>
        /// Claims a new set under <paramref name="setName"/> exclusively: null when anything has that name (a set,
        /// a partial set, a lease live or stale, a link). On success the set exists without manifest and the
        /// returned lease is held until disposed; no other claim of that name succeeds meanwhile or afterwards.
        /// </summary>
        IStoreLease? TryClaimSet(string setName);

        /// <summary>
        /// Starts a new file of a set being written: created new (never through a link, never replacing anything);
        /// visible under its final name only once <see cref="IStoreFileWriter.Commit"/> returns.
        /// </summary>
        IStoreFileWriter CreateFile(string setName, string relativePath);

        /// <summary>
        /// Commits the set's manifest.json, create-only and atomic: afterwards the whole manifest is there, or
        /// (on any failure) none. Fails with <see cref="IOException"/> when the set already has one.
        /// </summary>
        void CommitManifest(string setName, byte[] utf8Json);

        /// <summary>Writes INCOMPLETE.txt into a set that will never be committed, create-only.</summary>
        void WriteIncompleteMarker(string setName, string text);

        /// <summary>Removes the uncommitted files (partial uploads, *.partial) a failed writer of the set left; never a committed one.</summary>
        void DiscardPartialFiles(string setName);

        /// <summary>
        /// Deletes a set: its manifest first (so a half-deleted set reads as incomplete), then every file. The
        /// caller holds the set's lease (<see cref="TryAcquireLease"/>). Refuses a set that is a link.
        /// </summary>
        void DeleteSet(string setName);

        /// <summary>
        /// Takes the lease of a set (a set in progress, one a backup builds on, one being removed): creates it, or
        /// takes over a stale one (its holder died). Null when a live holder keeps it for all of <paramref name="wait"/>.
        /// </summary>
        IStoreLease? TryAcquireLease(string setName, TimeSpan wait);

        /// <summary>True when a live holder has the set's lease; a stale lease of a dead holder is not held. Changes nothing.</summary>
        bool IsLeaseHeld(string setName);
    }

    /// <summary>A held lease; disposing releases it (idempotent, never throws).</summary>
    public interface IStoreLease : IDisposable
    {
        /// <summary>Where the lease is (a lease file, a lease blob), for messages.</summary>
        string Location { get; }
    }

    /// <summary>A file of a set being written (<see cref="IBackupStore.CreateFile"/>).</summary>
    public interface IStoreFileWriter : IDisposable
    {
        /// <summary>Takes the file's bytes in order (Write, then Flush at most); one writer thread at a time.</summary>
        Stream Stream { get; }

        /// <summary>Where the file will be, for messages.</summary>
        string Location { get; }

        /// <summary>Makes the file durable and visible under its final name, create-only; an error means it is not there.</summary>
        void Commit();
    }

    /// <summary>A top-level entry of a store that may be a set.</summary>
    public sealed class StoredSetEntry
    {
        public StoredSetEntry(string name, bool hasManifest, bool hasIncompleteMarker, DateTime? lastWriteTimeUtc, string? unsafeReason = null)
        {
            Name = name;
            HasManifest = hasManifest;
            HasIncompleteMarker = hasIncompleteMarker;
            LastWriteTimeUtc = lastWriteTimeUtc;
            UnsafeReason = unsafeReason;
        }

        public string Name { get; }

        /// <summary>Something is named manifest.json in the set (not yet read or judged).</summary>
        public bool HasManifest { get; }

        /// <summary>Something is named INCOMPLETE.txt in the set.</summary>
        public bool HasIncompleteMarker { get; }

        /// <summary>When the set was last written, when the store knows it.</summary>
        public DateTime? LastWriteTimeUtc { get; }

        /// <summary>Why the entry is never read as a set (a set folder that is a link); null for an ordinary entry.</summary>
        public string? UnsafeReason { get; }
    }

    /// <summary>A file of a set as a listing shows it.</summary>
    public sealed class StoredFile
    {
        public StoredFile(string relativePath, long length)
        {
            RelativePath = relativePath;
            Length = length;
        }

        /// <summary>Relative to the set, '/' separated.</summary>
        public string RelativePath { get; }
        public long Length { get; }
    }

    /// <summary>Something other than a regular file is where a file of a set belongs (a link, a FIFO, a folder); it was not opened.</summary>
    public sealed class UnsafeStoreEntryException : IOException
    {
        public UnsafeStoreEntryException(string location, string what, string message) : base(message)
        {
            Location = location;
            What = what;
        }

        /// <summary>The entry found (the link itself when a folder on the way is one).</summary>
        public string Location { get; }

        /// <summary>What is there ("a symbolic link or junction", "a FIFO (named pipe)").</summary>
        public string What { get; }
    }
}
