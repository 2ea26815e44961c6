using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What a file in a backup set is.</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum BackupFileRole : long
    {
        Database,
        Log,
    }

    /// <summary>An ESE signature (random number, creation time, computer name) as the manifest records it.</summary>
    public sealed class ManifestSignature
    {
        public uint Random { get; set; }
        public DateTime? CreationTime { get; set; }
        public string? ComputerName { get; set; }

        public bool SameAs(ManifestSignature? other) =>
            other != null && other.Random == Random && Nullable.Equals(other.CreationTime, CreationTime);

        public override string ToString() => $"{Random:x8} {UtcTime.HeaderText(CreationTime)} {ComputerName}".TrimEnd();
    }

    /// <summary>One file of a backup set.</summary>
    public sealed class BackupFileEntry
    {
        /// <summary>Path inside the set folder, relative, '/' separated.</summary>
        public string Path { get; set; } = "";
        public BackupFileRole Role { get; set; }
        public long Size { get; set; }

        /// <summary>XxHash128 of the file's bytes, 32 lower-case hex digits.</summary>
        public string Hash { get; set; } = "";

        /// <summary>Where the file came from (as the source named it).</summary>
        public string? SourcePath { get; set; }

        /// <summary>Log generation read from the log's header (logs only).</summary>
        public long? Generation { get; set; }

        /// <summary>Database page size in bytes (databases only).</summary>
        public int? PageSize { get; set; }

        /// <summary>Database signature from the database header (databases only).</summary>
        public ManifestSignature? DatabaseSignature { get; set; }
    }

    /// <summary>
    /// manifest.json: what a backup set holds and how it fits in its chain. Written last, through a
    /// temporary name and a rename, so a set folder without one is incomplete by definition.
    /// </summary>
    public sealed class BackupManifest
    {
        public const string FileName = "manifest.json";
        public const int CurrentFormatVersion = 1;
        public const string DefaultHashAlgorithm = "XxHash128";

        public int FormatVersion { get; set; } = CurrentFormatVersion;
        public Guid SetId { get; set; }

        /// <summary>Shared by a full set and every incremental built on it.</summary>
        public Guid ChainId { get; set; }

        /// <summary>The set an incremental builds on (null for a full set).</summary>
        public Guid? ParentSetId { get; set; }

        public BackupKind Kind { get; set; }

        /// <summary>The source as the protocol named it (folder of a snapshot, instance name).</summary>
        public string Source { get; set; } = "";

        public DateTime StartTime { get; set; }
        public DateTime EndTime { get; set; }

        /// <summary>Log base name ("edb", "E00").</summary>
        public string? LogBaseName { get; set; }

        /// <summary>Lowest and highest log generation in the set (0 when it holds no log).</summary>
        public long LogGenerationLow { get; set; }
        public long LogGenerationHigh { get; set; }

        /// <summary>Page size of the databases (null for an incremental, which holds none).</summary>
        public int? PageSize { get; set; }

        /// <summary>The log signature the databases and logs carry.</summary>
        public ManifestSignature? LogSignature { get; set; }

        public string HashAlgorithm { get; set; } = DefaultHashAlgorithm;

        public List<BackupFileEntry> Files { get; set; } = new List<BackupFileEntry>();

        /// <summary>Notes about the source the set was made from (logs left out and why).</summary>
        public List<string> Notes { get; set; } = new List<string>();

        internal static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            // Paths and notes stay readable (quotes, non-ASCII names); the file is never embedded in HTML.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

        /// <summary>
        /// Writes manifest.json into <paramref name="setFolder"/> atomically: a temporary file, flushed to disk,
        /// then renamed. Until the rename the set has no manifest and counts as incomplete.
        /// </summary>
        public void WriteTo(string setFolder)
        {
            var final = System.IO.Path.Combine(setFolder, FileName);
            var temp = final + ModuleFileNames.TempSuffix;
            // Both names are created new: whatever is already there (a link planted in the set) is never followed or replaced.
            ModuleFileNames.WriteNew(temp, ToJson());
            File.Move(temp, final);
        }

        /// <summary>
        /// The largest manifest read: 16 MiB. A set of 10,000 files has a manifest of about 5 MiB; anything larger
        /// is damaged or hostile, and reading it whole could exhaust memory.
        /// </summary>
        public const int MaxManifestBytes = 16 * 1024 * 1024;

        /// <summary>Reads and validates the manifest of a set folder. Throws <see cref="InvalidDataException"/> naming the file.</summary>
        public static BackupManifest Read(string setFolder)
        {
            var path = System.IO.Path.Combine(setFolder, FileName);
            return Parse(ReadBytes(setFolder), path);
        }

        /// <summary>
        /// The bytes of a set's manifest: a regular file (never a link, FIFO or device: those are not opened)
        /// of at most <see cref="MaxManifestBytes"/>. Throws <see cref="FileNotFoundException"/> when there is
        /// none, <see cref="InvalidDataException"/> naming the file otherwise.
        /// </summary>
        internal static byte[] ReadBytes(string setFolder)
        {
            var path = System.IO.Path.Combine(setFolder, FileName);
            var kind = RegularFile.KindOf(path);
            if (kind == FileEntryKind.Missing)
                throw new FileNotFoundException($"'{setFolder}' has no {FileName}: it is not a complete backup set.", path);
            if (kind != FileEntryKind.Regular)
                throw new InvalidDataException($"Backup manifest '{path}' is {RegularFile.Describe(kind)}, not a regular file; it was not opened (the module writes manifests as plain files).");
            using var stream = RegularFile.OpenRead(path, FileShare.Read);
            if (stream.Length > MaxManifestBytes)
                throw new InvalidDataException($"Backup manifest '{path}' is {stream.Length} bytes, more than the {MaxManifestBytes / 1048576} MiB a manifest may have: it is damaged or not a manifest, and was not read.");
            // Never more than one byte past the cap, even if the file grows while it is read.
            var data = new MemoryStream((int)stream.Length);
            var chunk = new byte[81920];
            int n;
            while (data.Length <= MaxManifestBytes && (n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxManifestBytes + 1 - data.Length))) > 0)
                data.Write(chunk, 0, n);
            if (data.Length > MaxManifestBytes)
                throw new InvalidDataException($"Backup manifest '{path}' grew past the {MaxManifestBytes / 1048576} MiB a manifest may have while it was read; it was not read.");
            return data.ToArray();
        }

        /// <summary>Parses and validates manifest bytes (UTF-8); <paramref name="manifestPath"/> names it in errors.</summary>
        public static BackupManifest Parse(byte[] utf8Json, string manifestPath)
        {
            if (utf8Json.Length > MaxManifestBytes)
                throw new InvalidDataException($"Backup manifest '{manifestPath}' is {utf8Json.Length} bytes, more than the {MaxManifestBytes / 1048576} MiB a manifest may have.");
            BackupManifest? manifest;
            try
            {
                // Skip a UTF-8 byte order mark (an editor may add one); System.Text.Json rejects it.
                var span = new ReadOnlySpan<byte>(utf8Json);
                if (span.Length >= 3 && span[0] == 0xEF && span[1] == 0xBB && span[2] == 0xBF) span = span.Slice(3);
                manifest = JsonSerializer.Deserialize<BackupManifest>(span, JsonOptions);
            }
            catch (Exception ex) when (ex is JsonException || ex is NotSupportedException || ex is ArgumentException || ex is FormatException || ex is OverflowException || ex is InvalidOperationException)
            {
                throw new InvalidDataException($"Backup manifest '{manifestPath}' is not valid JSON: {ex.Message}", ex);
            }
            if (manifest == null) throw new InvalidDataException($"Backup manifest '{manifestPath}' is empty.");
            manifest.Validate(manifestPath);
            return manifest;
        }

        /// <summary>Parses and validates manifest text; <paramref name="manifestPath"/> names it in errors.</summary>
        public static BackupManifest Parse(string json, string manifestPath) => Parse(new UTF8Encoding(false).GetBytes(json), manifestPath);

        /// <summary>Rejects anything a hostile or damaged manifest could use to reach outside its set or lie about itself.</summary>
        public void Validate(string manifestPath)
        {
            void Fail(string what) => throw new InvalidDataException($"Backup manifest '{manifestPath}' is invalid: {what}");

            if (FormatVersion != CurrentFormatVersion) Fail($"format version {FormatVersion} is not supported (this module reads version {CurrentFormatVersion}).");
            if (SetId == Guid.Empty) Fail("it has no set id.");
            if (ChainId == Guid.Empty) Fail("it has no chain id.");
            if (Kind == BackupKind.Incremental && ParentSetId == null) Fail("an incremental set must name the set it builds on (parentSetId).");
            if (Kind == BackupKind.Full && ParentSetId != null) Fail("a full set cannot build on another set.");
            if (!string.Equals(HashAlgorithm, DefaultHashAlgorithm, StringComparison.OrdinalIgnoreCase)) Fail($"hash algorithm '{HashAlgorithm}' is not supported.");
            if (LogGenerationLow < 0 || LogGenerationHigh < LogGenerationLow) Fail($"log generation range {LogGenerationLow}-{LogGenerationHigh} is not a range.");
            if (PageSize != null && !PageChecksum.IsValidPageSize(PageSize.Value)) Fail($"page size {PageSize} is not an ESE page size (4, 8, 16 or 32 KiB).");
            if (Files == null || Files.Count == 0) Fail("it lists no files.");
            if (Notes == null) Fail("its notes are null.");
            long total = 0;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in Files!)
            {
                if (f == null) Fail("it has an empty file entry.");
                var reason = RelativePathProblem(f!.Path);
                if (reason != null) Fail($"file path '{f.Path}' {reason}.");
                if (!seen.Add(f.Path)) Fail($"file '{f.Path}' is listed twice.");
                if (string.Equals(f.Path, FileName, StringComparison.OrdinalIgnoreCase)) Fail("a file entry names the manifest itself.");
                var reserved = ModuleFileNames.ReservedNameProblem(f.Path);
                if (reserved != null) Fail($"file path '{f.Path}' {reserved}.");
                if (f.Size < 0) Fail($"file '{f.Path}' has a negative size.");
                if (f.Size > long.MaxValue - total) Fail($"file '{f.Path}' has a size ({f.Size} bytes) that takes the set's total past what any volume can hold.");
                total += f.Size;
                if (f.PageSize != null && !PageChecksum.IsValidPageSize(f.PageSize.Value)) Fail($"file '{f.Path}' has page size {f.PageSize}, not an ESE page size.");
                if (f.Hash == null || f.Hash.Length != 32 || !f.Hash.All(IsHexDigit)) Fail($"file '{f.Path}' has no valid XxHash128 (32 hex digits).");
                if (f.Role == BackupFileRole.Log && (f.Generation == null || f.Generation < 0)) Fail($"log '{f.Path}' has no generation.");
            }
            if (Kind == BackupKind.Full && !Files!.Any(f => f.Role == BackupFileRole.Database)) Fail("a full set holds no database.");
        }

        /// <summary>Null when <paramref name="path"/> is a safe relative path inside a set, else why it is not.</summary>
        public static string? RelativePathProblem(string? path)
        {
            if (string.IsNullOrWhiteSpace(path)) return "is empty";
            if (path!.IndexOf('\0') >= 0) return "contains a NUL character";
            if (path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal)) return "is rooted";
            if (path.Length >= 2 && path[1] == ':') return "names a drive";
            if (System.IO.Path.IsPathRooted(path)) return "is rooted";
            foreach (var segment in path.Split('/', '\\'))
            {
                if (segment.Length == 0) return "has an empty segment";
                if (segment == "." || segment == "..") return "leaves the set folder ('.' or '..')";
                if (segment.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || segment.IndexOf(':') >= 0) return "has characters not allowed in a file name";
            }
            return null;
        }

        /// <summary>The full path of a file entry inside <paramref name="setFolder"/>, checked to stay inside it.</summary>
        public static string ResolveInside(string setFolder, string relativePath)
        {
            var problem = RelativePathProblem(relativePath);
            if (problem != null) throw new InvalidDataException($"Backup file path '{relativePath}' {problem}.");
            var root = System.IO.Path.GetFullPath(setFolder).TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relativePath.Replace('\\', '/').Replace('/', System.IO.Path.DirectorySeparatorChar)));
            if (!full.StartsWith(root, StringComparison.Ordinal))
                throw new InvalidDataException($"Backup file path '{relativePath}' leaves the set folder '{setFolder}'.");
            return full;
        }

        private static bool IsHexDigit(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
