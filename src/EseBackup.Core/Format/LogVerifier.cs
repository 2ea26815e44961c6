using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace EseBackup.Core.Format
{
    /// <summary>What one log segment (one sector after the header) is.</summary>
    public enum LogSegmentStatus
    {
        /// <summary>All zero bytes: not written yet.</summary>
        Empty,
        /// <summary>Its checksum matches its own sector index.</summary>
        Valid,
        /// <summary>Its checksum matches the previous sector's index: the engine's shadow copy of that sector. Valid.</summary>
        Shadow,
        Bad,
    }

    /// <summary>What is wrong with a log file or with its link to the previous generation.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum LogProblemKind : long
    {
        /// <summary>The header is unreadable, fails its checksum, or declares a layout no engine writes.</summary>
        BadHeader,
        /// <summary>Shorter than the csecLGFile sectors its header declares.</summary>
        Truncated,
        /// <summary>Longer than its header declares, or not a whole number of sectors.</summary>
        WrongSize,
        /// <summary>A segment whose checksum matches neither its sector nor the previous one (JET_errLogReadVerifyFailure).</summary>
        BadSegment,
        /// <summary>The previous generation's creation time recorded in this header (tmPrevGen) is not that log's (JET_errInvalidLogSequence).</summary>
        InvalidLogSequence,
        /// <summary>The previous generation's accumulated segment checksum recorded in this header is not that log's (JET_errLogSequenceChecksumMismatch).</summary>
        LogSequenceChecksumMismatch,
        /// <summary>Another log signature than the neighbouring generation's (or the set's): another log stream.</summary>
        ForeignLog,
        /// <summary>The file could not be read (I/O error, access denied, gone).</summary>
        Unreadable,
    }

    /// <summary>One problem of a log file: file, generation and, for a segment, its sector.</summary>
    public sealed class LogProblem
    {
        public LogProblem(LogProblemKind kind, string path, long? generation, string message, long? sector = null)
        {
            Kind = kind;
            Path = path;
            Generation = generation;
            Message = message;
            Sector = sector;
        }

        public LogProblemKind Kind { get; }
        public string Path { get; }
        public long? Generation { get; }

        /// <summary>The sector (segment index from the start of the file) at fault, for segment problems.</summary>
        public long? Sector { get; }

        public string Message { get; }
        public override string ToString() => Message;
    }

    /// <summary>A segment that failed its checksum.</summary>
    public readonly struct LogBadSegment
    {
        public LogBadSegment(long sector, ulong stored, ulong computed)
        {
            Sector = sector;
            Stored = stored;
            Computed = computed;
        }

        public long Sector { get; }
        public ulong Stored { get; }
        public ulong Computed { get; }
    }

    /// <summary>
    /// Counts of a run of segments, mergeable so slices checked on different cores add up in any order
    /// (the checksum accumulation is an XOR).
    /// </summary>
    public sealed class LogSegmentTally
    {
        /// <summary>Bad segments listed one by one; the rest are only counted (a wholly damaged log stays small).</summary>
        public const int MaxListed = 32;

        public long Checked;
        public long Empty;
        public long Shadow;
        public long Bad;

        /// <summary>XOR of the stored checksums of the segments written in this generation (what the next header records).</summary>
        public ulong WrittenChecksums;

        public readonly List<LogBadSegment> BadSegments = new List<LogBadSegment>();

        public void Clear()
        {
            Checked = Empty = Shadow = Bad = 0;
            WrittenChecksums = 0;
            BadSegments.Clear();
        }

        public void Add(LogSegmentTally other)
        {
            Checked += other.Checked;
            Empty += other.Empty;
            Shadow += other.Shadow;
            Bad += other.Bad;
            WrittenChecksums ^= other.WrittenChecksums;
            foreach (var b in other.BadSegments)
                if (BadSegments.Count < MaxListed) BadSegments.Add(b);
        }
    }

    /// <summary>Where a log check ended.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum LogCheckStatus : long
    {
        Valid,
        Invalid,
        /// <summary>A log in the pre-segment format (ulMajor ≤ 7): its body cannot be checked here. Neither valid nor corrupt.</summary>
        NotVerifiable,
    }

    /// <summary>What verifying one log file found (the <c>eseutil /ml</c> of one file).</summary>
    public sealed class LogFileCheck
    {
        public string Path { get; set; } = "";
        public string Name => System.IO.Path.GetFileName(Path);

        /// <summary>The generation in the header; from the file name when the header cannot be read; null when neither says.</summary>
        public long? Generation { get; set; }

        /// <summary>
        /// The header, when it could be read and its checksum holds. Not public, so that ConvertTo-Json of a check stays
        /// flat; scripts reach it through <see cref="GetHeader"/> (or the hidden <c>Header</c> property of the module's types.ps1xml).
        /// </summary>
        internal LogFileHeader? Header { get; set; }

        public LogFileHeader? GetHeader() => Header;
        public EseSignature? LogSignature => Header?.LogSignature;
        public long Size { get; set; }
        public long SegmentsChecked { get; set; }
        public long EmptySegments { get; set; }
        public long ShadowSegments { get; set; }
        public long BadSegments { get; set; }

        /// <summary>XOR of the checksums of the segments written in this generation (compared with the next generation's header).</summary>
        public ulong WrittenSegmentsChecksum { get; set; }

        public ProblemList<LogProblem> Problems { get; } = new ProblemList<LogProblem>();

        /// <summary>How many problems were found (an export column; Problems holds them).</summary>
        public int ProblemCount => Problems.Count;

        /// <summary>The problems on one line: how many of each kind and the first message; empty when none.</summary>
        public string ProblemSummary => ProblemText.Summarize(Problems, p => p.Kind.ToString());

        /// <summary>Why the log could not be verified (the pre-segment format); null otherwise.</summary>
        public string? Note { get; set; }

        public LogCheckStatus Status => Problems.Count > 0 ? LogCheckStatus.Invalid : Note != null ? LogCheckStatus.NotVerifiable : LogCheckStatus.Valid;

        /// <summary>True when every check passed, false when one failed, null when the log's format cannot be verified.</summary>
        public bool? IsValid => Status == LogCheckStatus.NotVerifiable ? (bool?)null : Status == LogCheckStatus.Valid;

        /// <summary>The body can be checked segment by segment (the header is good and in the segment format).</summary>
        internal bool ChecksSegments => Header != null && Note == null;

        /// <summary>Every segment was checked and none was bad, so its checksum accumulation can be compared with the next header.</summary>
        internal bool BodyComplete => ChecksSegments && BadSegments == 0 && !Problems.Any(p => p.Kind == LogProblemKind.Truncated || p.Kind == LogProblemKind.WrongSize);

        public override string ToString() => $"{Name} (generation {Generation}): {Status}";
    }

    /// <summary>
    /// Verifies transaction logs as the engine does before it hands a log to a backup or replays it
    /// (LOG_VERIFY_STATE::ErrVerifyHeader / ErrVerifyLogSegments in logread.cxx, called from
    /// ErrLGReadAndVerifyFile in backup.cxx): the header checksum; then every cbSec-byte segment from sector
    /// csecHeader on is empty (all zero), valid (the page ECC checksum with the sector index as page number),
    /// or a shadow (valid with index − 1); anything else is JET_errLogReadVerifyFailure. Across adjacent
    /// generations (LOGDUMP's adjacent-header checks in logdump.cxx): the same log signature, tmPrevGen equal to
    /// the previous tmCreate (JET_errInvalidLogSequence) and checksumPrevLogAllSegments equal to the XOR of the
    /// previous generation's written segment checksums (JET_errLogSequenceChecksumMismatch).
    /// </summary>
    public static class LogVerifier
    {
        /// <summary>Logs up to this major version use LRCHECKSUM records, not segments (FIsOldLrckLogFormat).</summary>
        public const int LastPreSegmentMajorVersion = 7;

        const int SegmentPositionOffset = 8;

        /// <summary>Checks one segment. <paramref name="stored"/> is the checksum in its first 8 bytes.</summary>
        public static LogSegmentStatus CheckSegment(ReadOnlySpan<byte> segment, long sector, out ulong stored, out ulong computed)
        {
            stored = BinaryPrimitives.ReadUInt64LittleEndian(segment);
            computed = 0;
            if (stored == 0 && PageChecksum.IsAllZero(segment)) return LogSegmentStatus.Empty;
            computed = PageChecksum.ComputeNewFormat(segment, unchecked((uint)sector), headerBlock: true);
            if (stored == computed) return LogSegmentStatus.Valid;
            // The page number only enters the low dword (XORed in), so the checksum as sector − 1 is one XOR away.
            if (sector > 0 && stored == (computed ^ (unchecked((uint)sector) ^ unchecked((uint)(sector - 1)))))
                return LogSegmentStatus.Shadow;
            if (PageChecksum.IsAllZero(segment)) return LogSegmentStatus.Empty;
            return LogSegmentStatus.Bad;
        }

        /// <summary>
        /// Checks the whole segments of <paramref name="data"/>, which starts at sector <paramref name="firstSector"/>
        /// of a log of <paramref name="generation"/>, and adds them to <paramref name="tally"/>.
        /// </summary>
        public static void CheckSegments(ReadOnlySpan<byte> data, long firstSector, int sectorSize, long generation, LogSegmentTally tally)
        {
            int count = data.Length / sectorSize;
            for (int i = 0; i < count; i++)
            {
                var segment = data.Slice(i * sectorSize, sectorSize);
                long sector = firstSector + i;
                switch (CheckSegment(segment, sector, out ulong stored, out ulong computed))
                {
                    case LogSegmentStatus.Empty:
                        tally.Empty++;
                        break;
                    case LogSegmentStatus.Shadow:
                        tally.Checked++;
                        tally.Shadow++;
                        break;
                    case LogSegmentStatus.Valid:
                        tally.Checked++;
                        // A segment left from an earlier use of the file names an older generation: the engine
                        // reads it as empty and leaves it out of the accumulated checksum (logread.cxx).
                        if (BinaryPrimitives.ReadInt32LittleEndian(segment.Slice(SegmentPositionOffset + 4)) == generation)
                            tally.WrittenChecksums ^= stored;
                        break;
                    default:
                        tally.Checked++;
                        tally.Bad++;
                        if (tally.BadSegments.Count < LogSegmentTally.MaxListed) tally.BadSegments.Add(new LogBadSegment(sector, stored, computed));
                        break;
                }
            }
        }

        /// <summary>
        /// Reads a log's header and checks what the header alone tells: its checksum, a layout the segment
        /// checksum covers, the format (pre-segment logs are not verifiable) and the file size it declares.
        /// </summary>
        public static LogFileCheck Inspect(string path)
        {
            LogFileHeader header;
            try
            {
                header = LogFileHeader.Read(path);
            }
            catch (EseFormatException ex)
            {
                var check = NewCheck(path);
                try { check.Size = new FileInfo(path).Length; } catch (IOException) { }
                check.Problems.Add(new LogProblem(LogProblemKind.BadHeader, path, check.Generation, ex.Message));
                return check;
            }
            return Inspect(header, header.ActualFileSize, NewCheck(path));
        }

        // The generation from the name until the header says otherwise (a zero-filled log has none of its own).
        static LogFileCheck NewCheck(string path)
        {
            var check = new LogFileCheck { Path = path };
            if (LogFileName.TryParse(path, out var name)) check.Generation = name!.Generation;
            return check;
        }

        /// <summary>The header checks for a header already read (the file is <paramref name="length"/> bytes).</summary>
        public static LogFileCheck Inspect(LogFileHeader header, long length) =>
            Inspect(header, length, new LogFileCheck { Path = header.Path });

        static LogFileCheck Inspect(LogFileHeader header, long length, LogFileCheck check)
        {
            var path = header.Path;
            check.Size = length;
            if (header.IsZeroFilled)
            {
                check.Note = $"'{path}' is a zero-filled {header.Kind.ToString().ToLowerInvariant()} log the engine has not used yet: it holds no generation to verify.";
                return check;
            }
            check.Generation = header.Generation;
            check.Header = header;
            long g = header.Generation;
            if (header.MajorVersion <= LastPreSegmentMajorVersion)
            {
                check.Note = $"'{path}' (generation {g}) is in the pre-segment log format (version {header.FormatVersion}, Windows Server 2003 era): its body cannot be verified here; it is neither valid nor corrupt.";
                return check;
            }
            int cbSec = header.SectorSize;
            if (cbSec < 512 || cbSec > 8192 || (cbSec & (cbSec - 1)) != 0 || header.HeaderSectors < 1 || (long)header.HeaderSectors * cbSec < LogFileHeader.HeaderSize
                || header.FileSectors <= header.HeaderSectors)
            {
                check.Header = null;
                check.Problems.Add(new LogProblem(LogProblemKind.BadHeader, path, g,
                    $"'{path}' (generation {g}): the header declares {cbSec}-byte sectors, a {header.HeaderSectors}-sector header and {header.FileSectors} sectors in all, a layout no engine writes."));
                return check;
            }
            long declared = header.FileSize;
            if (length < declared)
                check.Problems.Add(new LogProblem(LogProblemKind.Truncated, path, g,
                    $"'{path}' (generation {g}) is {length} bytes, but its header declares {header.FileSectors} sectors of {cbSec} bytes ({declared} bytes): the log is truncated.",
                    length / cbSec));
            else if (length > declared)
                check.Problems.Add(new LogProblem(LogProblemKind.WrongSize, path, g,
                    $"'{path}' (generation {g}) is {length} bytes, but its header declares {header.FileSectors} sectors of {cbSec} bytes ({declared} bytes)."));
            return check;
        }

        /// <summary>Adds what the segment checks found to a check from <see cref="Inspect(string)"/>.</summary>
        public static void Complete(LogFileCheck check, LogSegmentTally tally)
        {
            check.SegmentsChecked = tally.Checked;
            check.EmptySegments = tally.Empty;
            check.ShadowSegments = tally.Shadow;
            check.BadSegments = tally.Bad;
            check.WrittenSegmentsChecksum = tally.WrittenChecksums;
            foreach (var bad in tally.BadSegments) check.Problems.Add(BadSegmentProblem(check, bad));
            if (tally.Bad > tally.BadSegments.Count)
                check.Problems.Add(new LogProblem(LogProblemKind.BadSegment, check.Path, check.Generation,
                    $"'{check.Path}' (generation {check.Generation}): {tally.Bad - tally.BadSegments.Count} more segments fail their checksums."));
            long tail = check.Header != null ? check.Size % check.Header.SectorSize : 0;
            if (tail != 0 && !check.Problems.Any(p => p.Kind == LogProblemKind.Truncated || p.Kind == LogProblemKind.WrongSize))
                check.Problems.Add(new LogProblem(LogProblemKind.WrongSize, check.Path, check.Generation,
                    $"'{check.Path}' (generation {check.Generation}) ends with {tail} bytes that are not a whole {check.Header!.SectorSize}-byte segment."));
        }

        internal static LogProblem BadSegmentProblem(LogFileCheck check, LogBadSegment bad) =>
            new LogProblem(LogProblemKind.BadSegment, check.Path, check.Generation,
                $"'{check.Path}' (generation {check.Generation}): the segment at sector {bad.Sector} (byte offset {bad.Sector * check.Header!.SectorSize}) fails its checksum (stored 0x{bad.Stored:x16}, computed 0x{bad.Computed:x16}); the engine refuses this log (JET_errLogReadVerifyFailure).",
                bad.Sector);

        /// <summary>
        /// Checks the link from <paramref name="previous"/> (generation g) to <paramref name="next"/> (g + 1) and adds
        /// what is broken to <paramref name="next"/>'s problems. Logs that are not adjacent generations are not linked.
        /// </summary>
        public static void CheckLink(LogFileCheck previous, LogFileCheck next)
        {
            var a = previous.Header;
            var b = next.Header;
            if (a == null || b == null || b.Generation != a.Generation + 1) return;
            string link = $"the link from generation {a.Generation} ('{previous.Path}') to generation {b.Generation} ('{next.Path}')";
            if (!a.LogSignature.Equals(b.LogSignature))
            {
                next.Problems.Add(new LogProblem(LogProblemKind.ForeignLog, next.Path, b.Generation,
                    $"'{next.Path}' (generation {b.Generation}) belongs to another log stream (log signature {b.LogSignature}) than generation {a.Generation} '{previous.Path}' ({a.LogSignature}); {link} is broken."));
                return;
            }
            if (b.PreviousGenerationTimeBits != a.CreateTimeBits)
                next.Problems.Add(new LogProblem(LogProblemKind.InvalidLogSequence, next.Path, b.Generation,
                    $"{Capitalize(link)} is broken: the header of generation {b.Generation} records the previous generation's creation time {Describe(b.PreviousGenerationTime)}, but generation {a.Generation} was created {Describe(a.CreateTime)} (JET_errInvalidLogSequence)."));
            if (b.PreviousLogSegmentsChecksum != 0 && previous.BodyComplete && b.PreviousLogSegmentsChecksum != previous.WrittenSegmentsChecksum)
                next.Problems.Add(new LogProblem(LogProblemKind.LogSequenceChecksumMismatch, next.Path, b.Generation,
                    $"{Capitalize(link)} is broken: the header of generation {b.Generation} records 0x{b.PreviousLogSegmentsChecksum:x16} as the checksum of generation {a.Generation}'s segments, but they add up to 0x{previous.WrittenSegmentsChecksum:x16} (JET_errLogSequenceChecksumMismatch)."));
        }

        /// <summary>Links every pair of adjacent generations among <paramref name="checks"/> (taken in generation order).</summary>
        public static void CheckChain(IEnumerable<LogFileCheck> checks)
        {
            LogFileCheck? previous = null;
            foreach (var c in checks.Where(c => c.Header != null).OrderBy(c => c.Header!.Generation))
            {
                if (previous != null) CheckLink(previous, c);
                previous = c;
            }
        }

        /// <summary>
        /// Verifies one log file: header, size, every segment (read once, on up to four cores), without its link
        /// to other generations.
        /// </summary>
        public static LogFileCheck VerifyFile(string path, Action<long>? onBytes = null, CancellationToken cancellation = default) =>
            VerifyFile(path, null, onBytes, cancellation, workers: 0);

        // With the header VerifyFiles already read to order the logs: one open less per log.
        static LogFileCheck VerifyFile(string path, LogFileHeader? header, Action<long>? onBytes, CancellationToken cancellation, int workers)
        {
            var check = header != null ? Inspect(header, header.ActualFileSize, NewCheck(path)) : Inspect(path);
            if (!check.ChecksSegments) return check;
            var streamed = BackupSets.SetFileStreamer.Stream(path, 0, null, null, onBytes, cancellation, workers: workers, log: check.Header, hash: false);
            check.Size = streamed.Bytes;
            Complete(check, streamed.Log!);
            return check;
        }

        /// <summary>
        /// Verifies log files the way a folder holds them: grouped by folder and base name, in generation order,
        /// each linked to the generation before it when that one is among them. Results come out one by one, in
        /// that order, on the calling thread (as does <paramref name="onBytes"/>); only the previous generation's
        /// result and the few verified ahead of it are kept.
        /// </summary>
        public static void VerifyFiles(IEnumerable<string> paths, Action<LogFileCheck> onResult, Action<string, long>? onBytes = null, CancellationToken cancellation = default)
        {
            var ordered = paths.Select(p => Path.GetFullPath(p)).Distinct(StringComparer.Ordinal)
                .Select(p => { var (key, header) = OrderKey(p); return (Path: p, Key: key, Header: header); })
                .OrderBy(x => x.Key.Folder, StringComparer.Ordinal).ThenBy(x => x.Key.BaseName, StringComparer.OrdinalIgnoreCase)
                .ThenBy(x => x.Key.Generation).ThenBy(x => x.Path, StringComparer.Ordinal)
                .ToList();
            LogFileCheck? previous = null;
            (string Folder, string BaseName, long Generation) previousKey = default;
            // One log (a big one, perhaps) is cut into slices for the cores; many logs go to the cores whole.
            bool single = ordered.Count == 1;
            using var ahead = single ? null : new FilesAhead(ordered.Count,
                (i, progress) => VerifyOrReport(ordered[i].Path, ordered[i].Key.Generation, ordered[i].Header, progress, cancellation, workers: 1), cancellation);
            for (int i = 0; i < ordered.Count; i++)
            {
                var (path, key, header) = ordered[i];
                Action<long>? progress = onBytes == null ? null : (Action<long>)(bytes => onBytes(path, bytes));
                var check = single ? VerifyOrReport(path, key.Generation, header, progress, cancellation, workers: 0) : ahead!.Take(i, progress);
                if (previous != null && previousKey.Folder == key.Folder && string.Equals(previousKey.BaseName, key.BaseName, StringComparison.OrdinalIgnoreCase))
                    CheckLink(previous, check);
                onResult(check);
                previous = check;
                previousKey = key;
            }
        }

        static LogFileCheck VerifyOrReport(string path, long generation, LogFileHeader? header, Action<long>? onBytes, CancellationToken cancellation, int workers)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                return VerifyFile(path, header, onBytes, cancellation, workers);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                var check = new LogFileCheck { Path = path, Generation = generation == long.MaxValue ? (long?)null : generation };
                check.Problems.Add(new LogProblem(LogProblemKind.Unreadable, path, check.Generation, $"'{path}' cannot be read: {ex.Message}"));
                return check;
            }
        }

        /// <summary>
        /// Verifies the files of a list on one thread per core (at most four), at most a few files ahead of the
        /// one the caller takes next, so results wait in order and memory does not grow with the number of logs.
        /// </summary>
        sealed class FilesAhead : IDisposable
        {
            const int MaxWorkers = 4;
            readonly Func<int, Action<long>, LogFileCheck> verify;
            /// <summary>Bytes verified so far of each file in the window, written by its worker.</summary>
            readonly long[] bytesDone;
            readonly CancellationToken cancellation;
            readonly int count;
            readonly int window;
            readonly LogFileCheck?[] done;
            readonly object gate = new object();
            readonly List<Thread> threads = new List<Thread>();
            int next;
            int taken;
            bool stopping;
            Exception? failure;

            public FilesAhead(int count, Func<int, Action<long>, LogFileCheck> verify, CancellationToken cancellation)
            {
                this.count = count;
                this.verify = verify;
                this.cancellation = cancellation;
                int workers = Math.Min(Math.Min(MaxWorkers, Environment.ProcessorCount), count);
                window = 2 * workers;
                done = new LogFileCheck?[count];
                bytesDone = new long[count];
                for (int w = 0; w < workers; w++)
                {
                    var thread = new Thread(Work) { IsBackground = true, Name = "EseBackup log verifier" };
                    threads.Add(thread);
                    thread.Start();
                }
            }

            void Work()
            {
                while (true)
                {
                    int i;
                    lock (gate)
                    {
                        while (!stopping && next < count && next >= taken + window) Monitor.Wait(gate);
                        if (stopping || next >= count) return;
                        i = next++;
                    }
                    LogFileCheck? check = null;
                    Exception? error = null;
                    try
                    {
                        check = verify(i, bytes => Volatile.Write(ref bytesDone[i], bytes));
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }
                    lock (gate)
                    {
                        if (error != null)
                        {
                            failure ??= error;
                            stopping = true;
                        }
                        else done[i] = check;
                        Monitor.PulseAll(gate);
                    }
                }
            }

            /// <summary>
            /// Waits for file <paramref name="i"/>'s result on the calling thread, reporting its bytes verified so far
            /// meanwhile (and all of them once it is done) to <paramref name="progress"/>.
            /// </summary>
            public LogFileCheck Take(int i, Action<long>? progress)
            {
                while (true)
                {
                    LogFileCheck? check;
                    lock (gate)
                    {
                        if (done[i] == null && failure == null && !cancellation.IsCancellationRequested)
                            Monitor.Wait(gate, 250);
                        check = done[i];
                        if (check == null && failure != null)
                        {
                            if (failure is OperationCanceledException) cancellation.ThrowIfCancellationRequested();
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                        }
                        cancellation.ThrowIfCancellationRequested();
                        if (check != null)
                        {
                            done[i] = null;
                            taken = i + 1;
                            Monitor.PulseAll(gate);
                        }
                    }
                    progress?.Invoke(check != null ? check.Size : Volatile.Read(ref bytesDone[i]));
                    if (check != null) return check;
                }
            }

            public void Dispose()
            {
                lock (gate)
                {
                    stopping = true;
                    Monitor.PulseAll(gate);
                }
                foreach (var thread in threads) thread.Join();
            }
        }

        /// <summary>Folder, base name and generation (the header's, else the name's) to put a folder's logs in chain order.</summary>
        static ((string Folder, string BaseName, long Generation) Key, LogFileHeader? Header) OrderKey(string path)
        {
            LogFileName.TryParse(path, out var name);
            long generation = name?.Generation ?? long.MaxValue;
            LogFileHeader? header = null;
            try
            {
                header = LogFileHeader.Read(path);
                if (!header.IsZeroFilled) generation = header.Generation;
            }
            catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                // Verified (and reported) in order with the rest.
            }
            return ((Path.GetDirectoryName(path) ?? "", name?.BaseName ?? "", generation), header);
        }

        // To the millisecond (times that differ by less than a second must read differently), in UtcTime's convention.
        static string Describe(DateTime? time) => time == null ? "(none)" :
            time.Value.ToString("yyyy'-'MM'-'dd HH':'mm':'ss'.'fff", System.Globalization.CultureInfo.InvariantCulture) +
            (time.Value.Kind == DateTimeKind.Unspecified ? " (writer's local time)" : "Z");

        static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);
    }

    /// <summary>
    /// Verifies a log as its bytes go by in file order, in pieces of any size (a backup source's reads): the header
    /// once it has arrived, then each whole segment; nothing of the file is kept but one partial segment.
    /// </summary>
    public sealed class LogStreamVerifier
    {
        readonly string path;
        readonly long length;
        readonly byte[] headerBytes = new byte[LogFileHeader.HeaderSize];
        readonly LogSegmentTally tally = new LogSegmentTally();
        byte[] carry = Array.Empty<byte>();
        int carried;
        long position;
        long segmentsStart = -1;
        int reported;
        LogProblem? firstBad;
        bool finished;

        public LogStreamVerifier(string path, long length)
        {
            this.path = path;
            this.length = length;
            Check = new LogFileCheck { Path = path, Size = length };
            if (LogFileName.TryParse(path, out var name)) Check.Generation = name!.Generation;
        }

        /// <summary>What is known so far; complete after <see cref="Finish"/>.</summary>
        public LogFileCheck Check { get; private set; }

        /// <summary>Every byte of the file went through <see cref="Append"/>.</summary>
        public bool IsComplete => position >= length;

        /// <summary>Takes the next bytes of the file; returns the problems found in them (empty when none).</summary>
        public IReadOnlyList<LogProblem> Append(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                if (position < LogFileHeader.HeaderSize)
                {
                    int n = (int)Math.Min(data.Length, LogFileHeader.HeaderSize - position);
                    data.Slice(0, n).CopyTo(headerBytes.AsSpan((int)position));
                    position += n;
                    data = data.Slice(n);
                    if (position == LogFileHeader.HeaderSize) ReadHeader();
                    continue;
                }
                if (segmentsStart < 0 || !Check.ChecksSegments)
                {
                    position += data.Length; // nothing more to check in this file
                    break;
                }
                if (position < segmentsStart)
                {
                    int skip = (int)Math.Min(data.Length, segmentsStart - position);
                    position += skip;
                    data = data.Slice(skip);
                    continue;
                }
                int cbSec = Check.Header!.SectorSize;
                if (carried > 0 || data.Length < cbSec)
                {
                    int n = Math.Min(data.Length, cbSec - carried);
                    data.Slice(0, n).CopyTo(carry.AsSpan(carried));
                    carried += n;
                    data = data.Slice(n);
                    if (carried == cbSec)
                    {
                        LogVerifier.CheckSegments(carry, (position + n - cbSec) / cbSec, cbSec, Check.Header.Generation, tally);
                        carried = 0;
                    }
                    position += n;
                    continue;
                }
                int whole = data.Length / cbSec * cbSec;
                LogVerifier.CheckSegments(data.Slice(0, whole), position / cbSec, cbSec, Check.Header.Generation, tally);
                position += whole;
                data = data.Slice(whole);
            }
            return NewProblems();
        }

        /// <summary>Ends the file: size and trailing-bytes checks; returns the problems not returned before.</summary>
        public IReadOnlyList<LogProblem> Finish()
        {
            if (finished) return Array.Empty<LogProblem>();
            finished = true;
            if (position < LogFileHeader.HeaderSize && Check.Header == null && Check.Problems.Count == 0)
                Check.Problems.Add(new LogProblem(LogProblemKind.BadHeader, path, Check.Generation,
                    $"'{path}' ended after {position} bytes, before its 4096-byte log header was complete."));
            else if (Check.ChecksSegments)
            {
                // Complete lists every bad segment; the first, already returned, is not returned twice.
                if (firstBad != null && Check.Problems.Remove(firstBad)) reported--;
                LogVerifier.Complete(Check, tally);
                if (firstBad != null && tally.BadSegments.Count > 0)
                {
                    Check.Problems.RemoveAt(Check.Problems.FindIndex(p => p.Kind == LogProblemKind.BadSegment));
                    Check.Problems.Insert(reported++, firstBad);
                }
            }
            return NewProblems();
        }

        void ReadHeader()
        {
            try
            {
                using var stream = new MemoryStream(headerBytes, writable: false);
                var header = LogFileHeader.Read(stream, path);
                header.ActualFileSize = length;
                Check = LogVerifier.Inspect(header, length);
                if (Check.ChecksSegments)
                {
                    segmentsStart = (long)Check.Header!.HeaderSectors * Check.Header.SectorSize;
                    carry = new byte[Check.Header.SectorSize];
                }
            }
            catch (EseFormatException ex)
            {
                Check.Problems.Add(new LogProblem(LogProblemKind.BadHeader, path, Check.Generation, ex.Message));
            }
        }

        IReadOnlyList<LogProblem> NewProblems()
        {
            // Segment problems are listed once the file is complete; until then a bad segment shows in the tally.
            if (tally.Bad > 0 && firstBad == null)
            {
                Check.Problems.Add(firstBad = LogVerifier.BadSegmentProblem(Check, tally.BadSegments[0]));
            }
            if (Check.Problems.Count == reported) return Array.Empty<LogProblem>();
            var fresh = Check.Problems.Skip(reported).ToList();
            reported = Check.Problems.Count;
            return fresh;
        }
    }
}
