using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What verifying one backup set found.</summary>
    public sealed class BackupSetVerificationResult
    {
        public string Path { get; set; } = "";
        public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar));

        /// <summary>Full or Incremental; null when the manifest is missing or unreadable.</summary>
        public BackupKind? Kind { get; set; }
        public Guid? SetId { get; set; }
        public Guid? ChainId { get; set; }
        public long LogGenerationLow { get; set; }
        public long LogGenerationHigh { get; set; }

        /// <summary>Only sizes and hashes were checked (no page checksums, log headers).</summary>
        public bool Quick { get; set; }
        public int FilesChecked { get; set; }
        public long BytesChecked { get; set; }
        public long PagesChecked { get; set; }

        /// <summary>Log segments checked (empty ones not counted).</summary>
        public long SegmentsChecked { get; set; }
        public TimeSpan Duration { get; set; }
        public ProblemList<BackupSetProblem> Problems { get; } = new ProblemList<BackupSetProblem>();
        public bool IsValid => Problems.Count == 0;

        /// <summary>How many problems were found (an export column; Problems holds them).</summary>
        public int ProblemCount => Problems.Count;

        /// <summary>The problems on one line: how many of each kind and the first message; empty when valid.</summary>
        public string ProblemSummary => ProblemText.Summarize(Problems, p => p.Kind.ToString());
        public double MegabytesPerSecond => Duration.TotalSeconds > 0 ? BytesChecked / 1048576.0 / Duration.TotalSeconds : 0;
    }

    /// <summary>Where a set verification stands: the file being read and bytes done over the whole set.</summary>
    public sealed class BackupSetVerifyProgress
    {
        public BackupSetVerifyProgress(string setPath, string currentFile, long bytesDone, long bytesTotal)
        {
            SetPath = setPath;
            CurrentFile = currentFile;
            BytesDone = bytesDone;
            BytesTotal = bytesTotal;
        }

        public string SetPath { get; }
        public string CurrentFile { get; }
        public long BytesDone { get; }
        public long BytesTotal { get; }
        public int PercentComplete => BytesTotal > 0 ? (int)Math.Min(100, BytesDone * 100 / BytesTotal) : 0;
    }

    /// <summary>
    /// Verifies a backup set against its manifest: every file present with its size and XxHash128; unless
    /// quick, every database page checksum, every log header and segment (generation as listed, log signature
    /// of the set and of its databases, adjacent generations linked), generations contiguous over the range the
    /// set claims (<see cref="SetFileVerification"/>, which restore runs too); for an incremental, the chain back
    /// to its full set. Each file is read once, streaming; memory is flat.
    /// </summary>
    public static class BackupSetVerifier
    {
        /// <param name="onProblem">Runs on the calling thread for each problem as it is found.</param>
        /// <param name="onProgress">Runs on the calling thread after every chunk.</param>
        public static BackupSetVerificationResult Verify(string setFolder, bool quick = false, Action<BackupSetProblem>? onProblem = null,
            Action<BackupSetVerifyProgress>? onProgress = null, CancellationToken cancellation = default, BackupSetCatalog? catalog = null)
        {
            var clock = Stopwatch.StartNew();
            var setPath = System.IO.Path.GetFullPath(setFolder);
            var result = new BackupSetVerificationResult { Path = setPath, Quick = quick };
            void Report(BackupSetProblem p)
            {
                result.Problems.Add(p);
                onProblem?.Invoke(p);
            }

            var manifestPath = System.IO.Path.Combine(setPath, BackupManifest.FileName);
            BackupSet set;
            if (!File.Exists(manifestPath))
            {
                Report(new BackupSetProblem(BackupProblemKind.MissingManifest, setPath, manifestPath,
                    $"Backup set '{setPath}' has no {BackupManifest.FileName}: it is incomplete (the backup did not finish) or its manifest was deleted, and cannot be verified or restored."));
                result.Duration = clock.Elapsed;
                return result;
            }
            try
            {
                set = BackupSet.Open(setPath);
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is IOException || ex is UnauthorizedAccessException)
            {
                Report(new BackupSetProblem(BackupProblemKind.BadManifest, setPath, manifestPath, ex.Message));
                result.Duration = clock.Elapsed;
                return result;
            }
            result.Kind = set.Kind;
            result.SetId = set.SetId;
            result.ChainId = set.ChainId;
            result.LogGenerationLow = set.LogGenerationLow;
            result.LogGenerationHigh = set.LogGenerationHigh;
            // A copied set folder (another folder already carries this set id): the store does not use it.
            var unused = catalog?.Incomplete.FirstOrDefault(i => i.HasManifest && string.Equals(i.Path, setPath.TrimEnd(System.IO.Path.DirectorySeparatorChar), StringComparison.Ordinal));
            if (unused != null) Report(new BackupSetProblem(BackupProblemKind.DuplicateSet, setPath, manifestPath, unused.Reason));

            long total = set.TotalBytes;
            long doneBefore = 0;
            var verified = new List<VerifiedFile>();
            foreach (var file in set.Files)
            {
                cancellation.ThrowIfCancellationRequested();
                long before = doneBefore;
                var checkedFile = SetFileVerification.Verify(set, file, quick, null, Report,
                    bytes => onProgress?.Invoke(new BackupSetVerifyProgress(setPath, file.FullPath, before + bytes, total)), cancellation);
                doneBefore += file.Size;
                if (checkedFile?.Streamed == null) continue;
                verified.Add(checkedFile);
                result.FilesChecked++;
                result.BytesChecked += checkedFile.Streamed.Bytes;
                result.PagesChecked += checkedFile.Streamed.PagesChecked;
                result.SegmentsChecked += checkedFile.Log?.SegmentsChecked ?? 0;
            }
            if (!quick) SetFileVerification.CheckLogs(setPath, verified, set.Manifest.LogSignature, Report);

            foreach (var gap in GenerationGaps(set))
                Report(new BackupSetProblem(BackupProblemKind.LogGap, setPath, null,
                    $"Backup set '{setPath}' claims log generations {set.LogGenerationLow}-{set.LogGenerationHigh} but holds no log of generation {gap}.",
                    generation: gap.First));

            if (set.Kind == BackupKind.Incremental)
                foreach (var p in BackupChain.Check(set, catalog)) Report(p);

            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>The generations of the set's claimed range that no log entry covers.</summary>
        public static IReadOnlyList<GenerationGap> GenerationGaps(BackupSet set)
        {
            var gaps = new List<GenerationGap>();
            var logs = set.Files.Where(f => f.Role == BackupFileRole.Log && f.Generation != null).Select(f => f.Generation!.Value).Distinct().OrderBy(g => g).ToList();
            if (logs.Count == 0) return gaps;
            long expected = set.LogGenerationLow;
            foreach (var g in logs)
            {
                if (g > expected) gaps.Add(new GenerationGap(expected, g - 1));
                expected = Math.Max(expected, g + 1);
            }
            if (expected <= set.LogGenerationHigh) gaps.Add(new GenerationGap(expected, set.LogGenerationHigh));
            return gaps;
        }

        /// <summary>A file entry whose file is missing, a link, or not the size the manifest says; null when it can be read.</summary>
        internal static BackupSetProblem? CheckFileOnDisk(BackupSet set, BackupSetFile file)
        {
            var link = SetPathSafety.FirstLinkBelow(set.Path, file.FullPath);
            if (link != null)
                return new BackupSetProblem(BackupProblemKind.UnsafePath, set.Path, file.FullPath,
                    $"Backup set '{set.Path}': '{link}' is a symbolic link or junction; files of a set are never links (it could point outside the set).", generation: file.Generation);
            var kind = RegularFile.KindOf(file.FullPath);
            if (kind == FileEntryKind.Directory || RegularFile.IsSpecial(kind))
                return new BackupSetProblem(BackupProblemKind.UnsafePath, set.Path, file.FullPath,
                    $"Backup set '{set.Path}': '{file.FullPath}' is {RegularFile.Describe(kind)}, not a regular file; it was not opened.", generation: file.Generation);
            var info = new FileInfo(file.FullPath);
            if (!info.Exists)
                return new BackupSetProblem(BackupProblemKind.MissingFile, set.Path, file.FullPath,
                    file.Role == BackupFileRole.Log
                        ? $"Backup set '{set.Path}': log '{file.Name}' (generation {file.Generation}) is missing."
                        : $"Backup set '{set.Path}': database '{file.Name}' is missing.",
                    generation: file.Generation);
            if (info.Length != file.Size)
                return new BackupSetProblem(BackupProblemKind.SizeMismatch, set.Path, file.FullPath,
                    $"Backup set '{set.Path}': '{file.Name}' is {info.Length} bytes, the manifest says {file.Size}{(info.Length < file.Size ? " (the file is truncated)" : "")}.",
                    generation: file.Generation);
            return null;
        }
    }
}
