using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using EseBackup.Core.Format;

namespace EseBackup.Core.Sources
{
    /// <summary>The few header facts a snapshot backup needs about a database.</summary>
    internal sealed class DatabaseFacts
    {
        public string Path { get; set; } = "";
        public int PageSize { get; set; }
        public long RequiredLogLow { get; set; }
        public long RequiredLogHigh { get; set; }
        public long LastBackupHighGeneration { get; set; }
        public uint LogSignatureRandom { get; set; }
    }

    /// <summary>A log file found in a folder, with the generation its header carries.</summary>
    internal sealed class LogFileFacts
    {
        public string Path { get; set; } = "";
        public string BaseName { get; set; } = "";
        public long Generation { get; set; }
        public bool IsCurrent { get; set; }
        public uint LogSignatureRandom { get; set; }
    }

    /// <summary>
    /// Reads what SnapshotSource needs from database and log headers. Kept in one place so the snapshot
    /// logic does not depend on how headers are parsed.
    /// </summary>
    internal static class SnapshotFacts
    {
        // TEMPORARY until DatabaseHeader / LogFileHeader / EseFileDetector land in main: raw offsets from
        // the libesedb format notes (page size 236, required logs 296/300, log signature 104,
        // previous full backup 136, previous incremental 160; log generation at 4).
        private static readonly Regex LogName = new Regex(@"^(?<base>[A-Za-z0-9]{3})(?<gen>[0-9A-Fa-f]{5}|[0-9A-Fa-f]{8})?\.(log|jtx)$", RegexOptions.CultureInvariant);

        public static bool LooksLikeDatabase(string path)
        {
            try
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (fs.Length < 2 * 4096) return false;
                var b = new byte[16];
                if (fs.Read(b, 0, 16) != 16) return false;
                return BitConverter.ToUInt32(b, 4) == 0x89abcdef && BitConverter.ToUInt32(b, 12) == 0;
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }

        public static DatabaseFacts ReadDatabase(string path)
        {
            byte[] head;
            using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                head = new byte[4096];
                int n = fs.Read(head, 0, head.Length);
                if (n < 4096 || BitConverter.ToUInt32(head, 4) != 0x89abcdef)
                    throw new EseFormatException(path, EseFormatProblem.NotEse, $"'{path}' is not an ESE database (no database header signature).");
                var pageSize = (int)BitConverter.ToUInt32(head, 236);
                if (!PageChecksum.IsValidPageSize(pageSize))
                    throw new EseFormatException(path, EseFormatProblem.UnsupportedFormat, $"'{path}' has page size {pageSize}, which ESE does not use.");
                var page = new byte[pageSize];
                fs.Position = 0;
                if (fs.Read(page, 0, pageSize) != pageSize || !PageChecksum.VerifyHeader(page, out var stored, out var computed))
                    throw new EseFormatException(path, EseFormatProblem.BadHeaderChecksum, $"'{path}': the database header checksum does not match.");
                return new DatabaseFacts
                {
                    Path = path,
                    PageSize = pageSize,
                    RequiredLogLow = BitConverter.ToInt32(page, 296),
                    RequiredLogHigh = BitConverter.ToInt32(page, 300),
                    LogSignatureRandom = BitConverter.ToUInt32(page, 104),
                    LastBackupHighGeneration = Math.Max(BitConverter.ToInt32(page, 136 + 20), BitConverter.ToInt32(page, 160 + 20)),
                };
            }
        }

        /// <summary>Log files of a folder by name (edb.log, edbXXXXX.log, E00XXXXXXXX.log, .jtx); reserve and temp logs excluded.</summary>
        public static List<LogFileFacts> ScanLogs(string folder, List<string> notes)
        {
            var result = new List<LogFileFacts>();
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var name = System.IO.Path.GetFileName(file);
                var m = LogName.Match(name);
                if (!m.Success) continue;
                if (name.IndexOf("tmp", StringComparison.OrdinalIgnoreCase) >= 0) continue;
                var header = new byte[4096];
                int n;
                using (var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                    n = fs.Read(header, 0, header.Length);
                if (n < 4096 || PageChecksum.IsAllZero(header))
                {
                    notes.Add($"'{name}' has no log header (zero-filled or too short); it is not part of the backup.");
                    continue;
                }
                if (!PageChecksum.VerifyLogHeader(header, out _, out _))
                    throw new EseFormatException(file, EseFormatProblem.BadHeaderChecksum, $"'{file}': the log header checksum does not match.");
                result.Add(new LogFileFacts
                {
                    Path = file,
                    BaseName = m.Groups["base"].Value,
                    Generation = BitConverter.ToUInt32(header, 4),
                    IsCurrent = !m.Groups["gen"].Success,
                });
            }
            return result;
        }
    }
}
