using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What ending a backup produced: the committed set and what happened to the logs.</summary>
    public sealed class BackupStopResult
    {
        public BackupStopResult(BackupSet set, bool logsTruncated, string? truncationRefused)
        {
            Set = set;
            LogsTruncated = logsTruncated;
            TruncationRefused = truncationRefused;
        }

        public BackupSet Set { get; }
        public bool LogsTruncated { get; }

        /// <summary>Why truncation was asked for and not done (null when it was done or not asked for).</summary>
        public string? TruncationRefused { get; }
    }

    /// <summary>
    /// The three stages of a backup as the cmdlets use them: start a session, read every file into a new set,
    /// stop (commit the manifest, truncate only where allowed and only after the set is verified, end the
    /// session). Every failure in a stage aborts the session before the exception leaves.
    /// </summary>
    public static class BackupPipeline
    {
        /// <summary>
        /// Begins a backup of a folder no engine holds open. For an incremental with a destination, the set it
        /// builds on is found there first (JET_errMissingFullBackup when there is none) and the logs are taken
        /// from that set's newest generation. The session owns the source and disposes it when it ends.
        /// </summary>
        public static BackupSession StartSnapshot(IReadOnlyList<string> paths, BackupKind kind, string? destinationRoot = null) =>
            StartSnapshot(paths, kind, destinationRoot == null ? null : BackupStores.Open(destinationRoot));

        /// <inheritdoc cref="StartSnapshot(IReadOnlyList{string}, BackupKind, string)"/>
        public static BackupSession StartSnapshot(IReadOnlyList<string> paths, BackupKind kind, IBackupStore? destination)
        {
            if (paths == null || paths.Count == 0) throw new ArgumentException("Name a database folder or database file(s) to back up.", nameof(paths));
            SnapshotSource source;
            if (paths.Count == 1) source = new SnapshotSource(paths[0]);
            else source = new SnapshotSource(paths);
            if (kind == BackupKind.Incremental && destination != null)
            {
                try
                {
                    var signature = SetFileFacts.ToManifest(source.ReadLogSignature());
                    var parent = BackupSetCatalog.Scan(destination).FindChainParent(signature, source.Description);
                    source.IncrementalBaseGeneration = parent.LogGenerationHigh;
                }
                catch
                {
                    source.Dispose();
                    throw;
                }
            }
            return Start(source, kind);
        }

        /// <summary>
        /// Begins a backup of any source (a live ESE instance through <see cref="JetInstanceSource"/>). The session
        /// owns the source and disposes it when it ends (an instance source never closes the instance itself).
        /// </summary>
        public static BackupSession Start(IBackupSource source, BackupKind kind)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            try
            {
                var session = BackupSession.Begin(source, kind);
                session.Ended += (_, _) => source.Dispose();
                return session;
            }
            catch
            {
                source.Dispose();
                throw;
            }
        }

        /// <summary>Reads every file of the session into a new set under <paramref name="destinationRoot"/>; the session ends up in state Read.</summary>
        public static BackupSetWriter Read(BackupSession session, string destinationRoot, BackupCopyOptions? options = null, CancellationToken cancellationToken = default)
        {
            var writer = BackupSetWriter.Create(session, destinationRoot);
            writer.ReadAll(options, cancellationToken);
            return writer;
        }

        /// <summary>Reads every file of the session into a new set in <paramref name="destination"/>; the session ends up in state Read.</summary>
        public static BackupSetWriter Read(BackupSession session, IBackupStore destination, BackupCopyOptions? options = null, CancellationToken cancellationToken = default)
        {
            var writer = BackupSetWriter.Create(session, destination);
            writer.ReadAll(options, cancellationToken);
            return writer;
        }

        /// <summary>
        /// Commits the set (manifest last), truncates logs when asked and the source allows it (after the full
        /// verification of the set read back from disk), and ends the session normally. A refused truncation is reported, not thrown:
        /// the set is good, and no log was touched.
        /// </summary>
        public static BackupStopResult Stop(BackupSession session, bool truncateLog)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            try
            {
                if (!session.IsOpen)
                    throw new JetException(JetError.JET_errNoBackup, $"No backup is in progress: the session of {session.SourceKey} has ended ({session.State}{(session.AbortReason != null ? ": " + session.AbortReason : "")}).");
                if (!(session.Attachment is BackupSetWriter writer))
                    throw new JetException(JetError.JET_errInvalidBackupSequence, "Nothing was read into a backup set yet: read the files (Read-EseBackupFile) before stopping the backup.");
                // A backup the engine was told to stop would end as an abort while answering success.
                if (session.Source is JetInstanceSource instanceSource) instanceSource.ThrowIfStopped();
                var set = writer.Commit();
                bool truncated = false;
                string? refused = null;
                if (truncateLog)
                {
                    if (!session.Source.CanTruncateLogs)
                    {
                        refused = $"Logs were not truncated: the source '{session.SourceKey}' cannot truncate logs (a snapshot or stopped-service folder is not the live log stream).";
                    }
                    else
                    {
                        VerifyBeforeTruncation(set);
                        try
                        {
                            session.TruncateLog();
                            truncated = true;
                        }
                        catch (JetException ex)
                        {
                            // The engine leaves the backup running after a refused truncation (ErrBKTruncateLog):
                            // ending it normally still records the complete set as the last full backup.
                            refused = $"Logs were not truncated: {ex.Message} The backup set is complete.";
                        }
                    }
                }
                session.End();
                return new BackupStopResult(set, truncated, refused);
            }
            catch (Exception ex)
            {
                session.Abort(ex.Message);
                throw;
            }
        }

        /// <summary>
        /// Re-reads the committed set from disk with the full verification Test-EseBackup runs (sizes, hashes,
        /// page checksums, log segments, chain links, signatures, the incremental's chain) and throws naming the
        /// first problem: logs are truncated only after the set that covers them verified, not merely hashed.
        /// </summary>
        public static void VerifyBeforeTruncation(BackupSet set)
        {
            var result = BackupSetVerifier.Verify(set.Store, set.Name);
            if (result.IsValid) return;
            var first = result.Problems[0];
            var more = result.Problems.Count > 1 ? $" ({result.Problems.Count - 1} more problem(s); Test-EseBackup lists them)" : "";
            throw new InvalidDataException($"Logs were not truncated: the backup set '{set.Path}' does not verify: {first.Message}{more}");
        }
    }
}
