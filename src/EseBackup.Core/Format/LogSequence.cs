using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EseBackup.Core.Format
{
    /// <summary>A run of missing generations in a log folder.</summary>
    public readonly struct GenerationGap
    {
        public GenerationGap(long first, long last)
        {
            First = first;
            Last = last;
        }

        public long First { get; }
        public long Last { get; }
        public long Count => Last - First + 1;
        public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
    }

    /// <summary>
    /// The transaction logs of one base name in a folder, sorted by generation, with the gaps between
    /// them. Current and archived logs form the sequence; temp and reserve logs are listed apart.
    /// </summary>
    public sealed class LogSequence
    {
        public string Folder { get; private set; } = "";
        public string BaseName { get; private set; } = "";
        public IReadOnlyList<LogFileHeader> Logs { get; private set; } = Array.Empty<LogFileHeader>();
        public IReadOnlyList<LogFileHeader> TempAndReserveLogs { get; private set; } = Array.Empty<LogFileHeader>();
        public IReadOnlyList<GenerationGap> Gaps { get; private set; } = Array.Empty<GenerationGap>();

        /// <summary>Files with log names whose headers could not be read, with the reason.</summary>
        public IReadOnlyList<EseFormatException> Unreadable { get; private set; } = Array.Empty<EseFormatException>();

        public long LowGeneration => Logs.Count == 0 ? 0 : Logs[0].Generation;
        public long HighGeneration => Logs.Count == 0 ? 0 : Logs[Logs.Count - 1].Generation;
        public bool IsContiguous => Gaps.Count == 0;

        public LogFileHeader? Find(long generation) => Logs.FirstOrDefault(l => l.Generation == generation);

        /// <summary>The generations of [low, high] that are not present.</summary>
        public IReadOnlyList<GenerationGap> MissingBetween(long low, long high)
        {
            var missing = new List<GenerationGap>();
            long expected = low;
            foreach (var g in Logs.Select(l => l.Generation).Where(g => g >= low && g <= high).Distinct().OrderBy(g => g))
            {
                if (g > expected) missing.Add(new GenerationGap(expected, g - 1));
                expected = g + 1;
            }
            if (expected <= high) missing.Add(new GenerationGap(expected, high));
            return missing;
        }

        /// <summary>Base names of the logs in a folder (edb, E00, USS...), most files first.</summary>
        public static IReadOnlyList<string> FindBaseNames(string folder) =>
            Directory.EnumerateFiles(folder)
                .Select(f => LogFileName.TryParse(f, out var n) ? n : null)
                .Where(n => n != null && (n.Kind == LogFileKind.Current || n.Kind == LogFileKind.Archived))
                .GroupBy(n => n!.BaseName, StringComparer.OrdinalIgnoreCase)
                .OrderByDescending(g => g.Count())
                .Select(g => g.Key)
                .ToList();

        /// <summary>Reads the headers of every log of the base name in the folder (the most common base name when none is given).</summary>
        public static LogSequence Scan(string folder, string? baseName = null)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The log folder '{folder}' does not exist.");
            baseName ??= FindBaseNames(folder).FirstOrDefault() ?? "edb";
            var logs = new List<LogFileHeader>();
            var others = new List<LogFileHeader>();
            var unreadable = new List<EseFormatException>();
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (!LogFileName.TryParse(file, out var name) || !name!.BaseName.Equals(baseName, StringComparison.OrdinalIgnoreCase)) continue;
                try
                {
                    var header = LogFileHeader.Read(file);
                    if (name.Kind == LogFileKind.Current || name.Kind == LogFileKind.Archived) logs.Add(header);
                    else others.Add(header);
                }
                catch (EseFormatException ex)
                {
                    unreadable.Add(ex);
                }
            }
            logs.Sort((a, b) => a.Generation != b.Generation ? a.Generation.CompareTo(b.Generation) : a.IsCurrent.CompareTo(b.IsCurrent));
            var gaps = new List<GenerationGap>();
            for (int i = 1; i < logs.Count; i++)
                if (logs[i].Generation > logs[i - 1].Generation + 1)
                {
                    gaps.Add(new GenerationGap(logs[i - 1].Generation + 1, logs[i].Generation - 1));
                    logs[i].MissingGenerationsBefore = logs[i].Generation - logs[i - 1].Generation - 1;
                }
            return new LogSequence
            {
                Folder = folder,
                BaseName = baseName,
                Logs = logs,
                TempAndReserveLogs = others.OrderBy(o => o.Name, StringComparer.OrdinalIgnoreCase).ToList(),
                Gaps = gaps,
                Unreadable = unreadable,
            };
        }
    }
}
