using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What verifying one file of a set found beyond its problems: what the per-set checks need.</summary>
    internal sealed class VerifiedFile
    {
        public VerifiedFile(BackupSet set, BackupSetFile file)
        {
            Set = set;
            File = file;
        }

        public BackupSet Set { get; }
        public BackupSetFile File { get; }
        public StreamedFile? Streamed { get; set; }

        /// <summary>A log's check (header, segments); its chain links are added by <see cref="SetFileVerification.CheckLogs"/>.</summary>
        public LogFileCheck? Log { get; set; }

        /// <summary>A database's log signature (the stream it was attached to), when its header says.</summary>
        public EseSignature? DatabaseLogSignature { get; set; }
    }

    /// <summary>
    /// The one verification of a set's files that Test-EseBackup and Restore-EseBackup both run, so a restore
    /// refuses exactly what a verification flags. Per file: present, no link, the manifest's size and XxHash128;
    /// unless quick, a database's header and every page checksum (a torn last page included), a log's header,
    /// size, generation and every segment; per set (or restore plan): every log of the set's log stream and of
    /// its databases', each adjacent pair of generations linked (<see cref="LogVerifier.CheckLink"/>). Each
    /// file is read once, streaming; a restore copies it in that same pass.
    /// </summary>
    internal static class SetFileVerification
    {
        /// <param name="copyTo">Receives the file's bytes as they are checked (a restore's temporary file).</param>
        /// <param name="report">Gets each problem as it is found; may throw to stop (a restore does).</param>
        /// <returns>What was found, or null when the file could not be read at all.</returns>
        public static VerifiedFile? Verify(BackupSet set, BackupSetFile file, bool quick, Stream? copyTo, Action<BackupSetProblem> report,
            Action<long>? onBytes, CancellationToken cancellation)
        {
            var input = BackupSetVerifier.OpenChecked(set, file, out var unreadable);
            if (input == null)
            {
                report(unreadable!);
                return null;
            }
            try
            {
                return Verify(set, file, ref input, quick, copyTo, report, onBytes, cancellation);
            }
            finally
            {
                input?.Dispose();
            }
        }

        /// <summary>The header pass on the file's first bytes, then the one streaming pass (from the start again: seeking, or a second open).</summary>
        static VerifiedFile? Verify(BackupSet set, BackupSetFile file, ref Stream? input, bool quick, Stream? copyTo, Action<BackupSetProblem> report,
            Action<long>? onBytes, CancellationToken cancellation)
        {
            var setPath = set.Path;
            var verified = new VerifiedFile(set, file);
            int pageSize = 0;
            LogFileHeader? segmentLayout = null;
            if (!quick)
            {
                Stream head;
                try { head = FileHead.Read(input!); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    report(new BackupSetProblem(BackupProblemKind.UnreadableFile, setPath, file.FullPath, $"Backup set '{setPath}': '{file.Name}' cannot be read: {ex.Message}"));
                    return null;
                }
                if (file.Role == BackupFileRole.Database)
                {
                    try
                    {
                        var header = DatabaseHeader.Read(head, file.FullPath);
                        pageSize = header.PageSize;
                        if (!header.LogSignature.IsEmpty) verified.DatabaseLogSignature = header.LogSignature;
                    }
                    catch (EseFormatException ex)
                    {
                        report(new BackupSetProblem(BackupProblemKind.BadDatabaseHeader, setPath, file.FullPath, ex.Message, ex.PageNumber));
                    }
                }
                else
                {
                    var log = LogVerifier.Inspect(head, file.FullPath);
                    verified.Log = log;
                    if (log.Header != null && log.Header.Generation != file.Generation)
                        report(new BackupSetProblem(BackupProblemKind.GenerationMismatch, setPath, file.FullPath,
                            $"Backup set '{setPath}': log '{file.Name}' carries generation {log.Header.Generation} in its header, the manifest lists generation {file.Generation}.",
                            generation: file.Generation));
                    // A pre-segment log keeps its note (neither valid nor corrupt); a zero-filled one is no generation at all.
                    if (log.Note != null && log.Header == null)
                        report(new BackupSetProblem(BackupProblemKind.BadLogHeader, setPath, file.FullPath, $"Backup set '{setPath}': {log.Note}", generation: file.Generation));
                    if (log.ChecksSegments) segmentLayout = log.Header;
                }
                if (input!.CanSeek) input.Position = 0;
                else
                {
                    input.Dispose();
                    input = BackupSetVerifier.OpenChecked(set, file, out var gone);
                    if (input == null)
                    {
                        report(gone!);
                        return null;
                    }
                }
            }

            StreamedFile streamed;
            try
            {
                streamed = SetFileStreamer.Stream(input!, file.FullPath, pageSize, copyTo,
                    bad => report(new BackupSetProblem(BackupProblemKind.BadPage, setPath, file.FullPath, bad.Describe(), bad.PageNumber)),
                    onBytes, cancellation, segmentLayout);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                report(new BackupSetProblem(BackupProblemKind.UnreadableFile, setPath, file.FullPath, $"Backup set '{setPath}': '{file.Name}' cannot be read: {ex.Message}"));
                return null;
            }
            verified.Streamed = streamed;
            if (!string.Equals(streamed.Hash, file.Hash, StringComparison.OrdinalIgnoreCase))
                report(new BackupSetProblem(BackupProblemKind.HashMismatch, setPath, file.FullPath,
                    $"Backup set '{setPath}': '{file.Name}' does not match its manifest hash (XxHash128 {streamed.Hash}, manifest {file.Hash}): its bytes changed after the backup.",
                    generation: file.Generation));
            if (streamed.Bytes != file.Size)
                report(new BackupSetProblem(BackupProblemKind.SizeMismatch, setPath, file.FullPath,
                    $"Backup set '{setPath}': '{file.Name}' read {streamed.Bytes} bytes, the manifest says {file.Size}: it changed while it was read.", generation: file.Generation));
            if (streamed.TrailingBytes > 0)
                report(new BackupSetProblem(BackupProblemKind.BadPage, setPath, file.FullPath,
                    $"'{file.FullPath}' ends with {streamed.TrailingBytes} bytes that are not a whole {pageSize}-byte page (a torn last page).",
                    streamed.PagesChecked - 1));
            if (verified.Log != null)
            {
                if (streamed.Log != null) LogVerifier.Complete(verified.Log, streamed.Log);
                foreach (var p in verified.Log.Problems) report(FromLogProblem(set, p));
            }
            return verified;
        }

        /// <summary>
        /// The per-set log checks over verified files (one set's, or a restore plan's across its chain): every log of
        /// the stream <paramref name="expected"/> names (the manifest's) and of the databases' stream; adjacent
        /// generations linked. Reports only what the per-file checks did not.
        /// </summary>
        public static void CheckLogs(string setPath, IReadOnlyList<VerifiedFile> files, ManifestSignature? expected, Action<BackupSetProblem> report)
        {
            var databaseLogSignature = files.Select(f => f.DatabaseLogSignature).FirstOrDefault(s => s != null);
            var logs = files.Where(f => f.Log?.Header != null).ToList();
            var foreign = new HashSet<VerifiedFile>();
            foreach (var f in logs)
            {
                var signature = f.Log!.Header!.LogSignature;
                bool other = expected != null
                    ? !(signature.Random == expected.Random && Nullable.Equals(signature.CreationTime, expected.CreationTime))
                    : databaseLogSignature != null && !signature.Equals(databaseLogSignature);
                if (!other && databaseLogSignature != null && !signature.Equals(databaseLogSignature)) other = true;
                if (!other) continue;
                foreign.Add(f);
                report(new BackupSetProblem(BackupProblemKind.ForeignLog, f.Set.Path, f.File.FullPath,
                    $"Backup set '{f.Set.Path}': log '{f.File.Name}' (generation {f.File.Generation}) belongs to another log stream (signature {signature}) than the set ({(expected != null ? expected.ToString() : databaseLogSignature?.ToString())}); it can never be replayed against these databases.",
                    generation: f.File.Generation));
            }

            VerifiedFile? previous = null;
            foreach (var f in logs.OrderBy(l => l.Log!.Header!.Generation))
            {
                if (previous != null)
                {
                    int before = f.Log!.Problems.Count;
                    LogVerifier.CheckLink(previous.Log!, f.Log);
                    foreach (var p in f.Log.Problems.Skip(before))
                        if (!(p.Kind == LogProblemKind.ForeignLog && (foreign.Contains(f) || foreign.Contains(previous))))
                            report(FromLogProblem(f.Set, p));
                }
                previous = f;
            }
        }

        static BackupSetProblem FromLogProblem(BackupSet set, LogProblem p)
        {
            var kind = p.Kind switch
            {
                LogProblemKind.BadHeader => BackupProblemKind.BadLogHeader,
                LogProblemKind.Truncated => BackupProblemKind.SizeMismatch,
                LogProblemKind.WrongSize => BackupProblemKind.SizeMismatch,
                LogProblemKind.BadSegment => BackupProblemKind.BadLogSegment,
                LogProblemKind.ForeignLog => BackupProblemKind.ForeignLog,
                _ => BackupProblemKind.BrokenLogChain,
            };
            return new BackupSetProblem(kind, set.Path, p.Path, $"Backup set '{set.Path}': {p.Message}", generation: p.Generation, sector: p.Sector);
        }
    }

    /// <summary>
    /// The first bytes of a file, as a seekable stream that reports the whole file's length: header readers need
    /// both, and a store's stream may not seek.
    /// </summary>
    internal sealed class FileHead : MemoryStream
    {
        /// <summary>Enough for the largest database's header and shadow pages (2 x 32 KiB) and a log header.</summary>
        public const int Size = 64 * 1024;

        private readonly long _length;

        public FileHead(byte[] head, int count, long length) : base(head, 0, count, writable: false) => _length = length;

        public override long Length => _length;

        /// <summary>Reads the head of <paramref name="input"/> from where it stands (its start).</summary>
        public static FileHead Read(Stream input)
        {
            var buffer = new byte[(int)Math.Min(Size, Math.Max(0, input.Length))];
            int got = DatabaseHeader.ReadFully(input, buffer, 0, buffer.Length);
            return new FileHead(buffer, got, input.Length);
        }
    }
}
