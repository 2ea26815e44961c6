using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// The name of a set folder: its start time in UTC with a <c>Z</c> marker, a number when several sets
    /// started in the same second, and its kind — <c>20261130-012345Z-full</c>, <c>20261130-012345Z-2-incr</c>.
    /// Names written before the marker existed (<c>20261130-012345-full</c>) carry UTC too and are still read.
    /// </summary>
    public sealed class SetFolderName
    {
        /// <summary>The time part of a name; <see cref="ZoneMarker"/> follows it in names this module writes now.</summary>
        public const string TimeFormat = "yyyyMMdd-HHmmss";
        public const string ZoneMarker = "Z";

        private static readonly Regex Pattern = new Regex(@"^(\d{8}-\d{6})(Z?)(?:-(\d+))?-(full|incr)$", RegexOptions.CultureInvariant);

        private SetFolderName(string name, DateTime startTime, int number, BackupKind kind, bool hasZoneMarker)
        {
            Name = name;
            StartTime = startTime;
            Number = number;
            Kind = kind;
            HasZoneMarker = hasZoneMarker;
        }

        public string Name { get; }

        /// <summary>The start time the name carries, whole seconds, <see cref="DateTimeKind.Utc"/>.</summary>
        public DateTime StartTime { get; }

        /// <summary>1 for the first set of its second (no number in the name), n for the name with <c>-n</c>.</summary>
        public int Number { get; }

        public BackupKind Kind { get; }

        /// <summary>False for a name written before the <c>Z</c> marker (its time is UTC all the same).</summary>
        public bool HasZoneMarker { get; }

        /// <summary>The name of the <paramref name="number"/>-th set of kind <paramref name="kind"/> started in the second of <paramref name="startTimeUtc"/>.</summary>
        public static string Format(DateTime startTimeUtc, BackupKind kind, int number)
        {
            if (startTimeUtc.Kind == DateTimeKind.Local) startTimeUtc = startTimeUtc.ToUniversalTime();
            if (number < 1) throw new ArgumentOutOfRangeException(nameof(number), number, "Set numbers start at 1.");
            var stamp = startTimeUtc.ToString(TimeFormat, CultureInfo.InvariantCulture) + ZoneMarker;
            var suffix = kind == BackupKind.Full ? "full" : "incr";
            return number == 1 ? $"{stamp}-{suffix}" : $"{stamp}-{number.ToString(CultureInfo.InvariantCulture)}-{suffix}";
        }

        /// <summary>Reads a set folder name of either form; null when <paramref name="name"/> is not one.</summary>
        public static SetFolderName? TryParse(string? name)
        {
            if (name == null) return null;
            var m = Pattern.Match(name);
            if (!m.Success) return null;
            if (!DateTime.TryParseExact(m.Groups[1].Value, TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
                return null;
            // Any number the writer's pattern ever accepted still names a set (one too large to count sorts last).
            int number = 1;
            if (m.Groups[3].Success && !int.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out number))
                number = int.MaxValue;
            return new SetFolderName(name, DateTime.SpecifyKind(time, DateTimeKind.Utc), number,
                m.Groups[4].Value == "full" ? BackupKind.Full : BackupKind.Incremental, m.Groups[2].Length > 0);
        }

        public static bool IsMatch(string? name) => TryParse(name) != null;

        /// <summary>
        /// Oldest first by what the names say (start time, then number), whichever form they have; names that are
        /// no set name, or say the same, by ordinal. Text order alone would put <c>…-2-full</c> before <c>…-full</c>
        /// and an old name beside a new one of the same second arbitrarily.
        /// </summary>
        public static readonly IComparer<string> Comparer = new NameComparer();

        private sealed class NameComparer : IComparer<string>
        {
            public int Compare(string? x, string? y)
            {
                var a = TryParse(x);
                var b = TryParse(y);
                if (a != null && b != null)
                {
                    int c = a.StartTime.CompareTo(b.StartTime);
                    if (c == 0) c = a.Number.CompareTo(b.Number);
                    if (c != 0) return c;
                }
                return string.CompareOrdinal(x, y);
            }
        }
    }
}
