using System;
using System.Globalization;
using System.IO;

namespace EseBackup.Core.Format
{
    /// <summary>What a log-folder file name says the file is.</summary>
    public enum LogFileKind
    {
        /// <summary>The log being written: the base name alone (edb.log, E00.log, USS.jtx).</summary>
        Current,
        /// <summary>A finished generation: edb0000D.log, E0000000001.log, USS00040.jtx.</summary>
        Archived,
        /// <summary>The next log being prepared: edbtmp.log, E00tmp.log, USStmp.jtx.</summary>
        Temp,
        /// <summary>Reserve logs kept for a full disk: edbres00001.jrs.</summary>
        Reserve,
    }

    /// <summary>
    /// ESE log and checkpoint file names: a three-character base name, then a generation in 5 hex digits
    /// (legacy names) or 8 hex digits; .log or the newer .jtx; reserve logs .jrs; checkpoint base.chk.
    /// </summary>
    public sealed class LogFileName
    {
        LogFileName(string baseName, LogFileKind kind, long? generation, string extension, int digits)
        {
            BaseName = baseName;
            Kind = kind;
            Generation = generation;
            Extension = extension;
            Digits = digits;
        }

        public string BaseName { get; }
        public LogFileKind Kind { get; }

        /// <summary>The generation the name carries (archived logs only).</summary>
        public long? Generation { get; }

        /// <summary>".log" or ".jtx" (".jrs" for reserve logs).</summary>
        public string Extension { get; }

        /// <summary>Hex digits of the generation in the name: 5 (legacy) or 8; 0 when none.</summary>
        public int Digits { get; }

        public static bool IsLogExtension(string extension) =>
            extension.Equals(".log", StringComparison.OrdinalIgnoreCase) || extension.Equals(".jtx", StringComparison.OrdinalIgnoreCase);

        public static bool IsCheckpointName(string fileName) =>
            Path.GetExtension(fileName).Equals(".chk", StringComparison.OrdinalIgnoreCase) && Path.GetFileNameWithoutExtension(fileName).Length == 3;

        public static bool TryParse(string fileName, out LogFileName? name)
        {
            name = null;
            var file = Path.GetFileName(fileName);
            var ext = Path.GetExtension(file);
            var stem = Path.GetFileNameWithoutExtension(file);
            if (stem.Length < 3) return false;
            var baseName = stem.Substring(0, 3);
            var rest = stem.Substring(3);

            if (ext.Equals(".jrs", StringComparison.OrdinalIgnoreCase))
            {
                if (rest.StartsWith("res", StringComparison.OrdinalIgnoreCase) && IsHex(rest.Substring(3)))
                {
                    name = new LogFileName(baseName, LogFileKind.Reserve, null, ext, 0);
                    return true;
                }
                return false;
            }
            if (!IsLogExtension(ext)) return false;
            if (rest.Length == 0)
                name = new LogFileName(baseName, LogFileKind.Current, null, ext, 0);
            else if (rest.Equals("tmp", StringComparison.OrdinalIgnoreCase))
                name = new LogFileName(baseName, LogFileKind.Temp, null, ext, 0);
            else if (rest.StartsWith("res", StringComparison.OrdinalIgnoreCase) && IsHex(rest.Substring(3)))
                name = new LogFileName(baseName, LogFileKind.Reserve, null, ext, 0);
            else if ((rest.Length == 5 || rest.Length == 8) && IsHex(rest))
                name = new LogFileName(baseName, LogFileKind.Archived, long.Parse(rest, NumberStyles.HexNumber, CultureInfo.InvariantCulture), ext, rest.Length);
            return name != null;
        }

        /// <summary>The archived name of a generation: edb0000D.log (5 digits) or E000000000D.log (8 digits).</summary>
        public static string Format(string baseName, long generation, int digits = 8, string extension = ".log")
        {
            if (digits != 5 && digits != 8) throw new ArgumentOutOfRangeException(nameof(digits), "Log names carry 5 or 8 hex digits.");
            if (digits == 5 && generation > 0xFFFFF) digits = 8; // legacy names overflow into the long form
            return baseName + generation.ToString(digits == 5 ? "X5" : "X8", CultureInfo.InvariantCulture) + extension;
        }

        public static string CurrentName(string baseName, string extension = ".log") => baseName + extension;

        public static string CheckpointName(string baseName) => baseName + ".chk";

        static bool IsHex(string s)
        {
            if (s.Length == 0) return false;
            foreach (var c in s)
                if (!Uri.IsHexDigit(c)) return false;
            return true;
        }
    }
}
