using System;
using System.Globalization;
using System.Management.Automation;
using EseBackup.Core;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Text for people, used by the views in EseBackup.format.ps1xml (a view calls
    /// <c>[EseBackup.PowerShell.Internal.DisplayFormat]::Size($_.FileSize)</c>). Objects keep their raw numbers and
    /// times, so sorting, filtering and serialisation are never affected; only the default display is. Every time is
    /// shown in the module's one convention, UTC with a Z (<see cref="UtcTime"/>), as set folder names carry it.
    /// </summary>
    public static class DisplayFormat
    {
        private static readonly string[] Units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

        /// <summary>A byte count in binary units with one decimal: 512 B, 1.5 KiB, 2.0 GiB.</summary>
        public static string Size(long bytes)
        {
            if (bytes < 0) return "-" + Size(bytes == long.MinValue ? long.MaxValue : -bytes);
            if (bytes < 1024) return bytes.ToString(CultureInfo.CurrentCulture) + " B";
            double value = bytes;
            int unit = 0;
            while (value >= 1024 && unit < Units.Length - 1)
            {
                value /= 1024;
                unit++;
            }
            // 1023.96 KiB would print as "1024.0 KiB": move up a unit instead.
            if (Math.Round(value, 1) >= 1024 && unit < Units.Length - 1)
            {
                value /= 1024;
                unit++;
            }
            return value.ToString("0.0", CultureInfo.CurrentCulture) + " " + Units[unit];
        }

        /// <summary>A length of time, largest units first and two at most: 45 s, 12 min 5 s, 3 h 20 min, 2 d 4 h. Null shows empty.</summary>
        public static string Duration(TimeSpan? span)
        {
            if (span is null) return string.Empty;
            var t = span.Value;
            var sign = t < TimeSpan.Zero ? "-" : "";
            if (t < TimeSpan.Zero) t = t.Duration();
            // Whole seconds, rounded: 0.7 s shows as 1 s, as the sentences in results (Reason) count them.
            t = TimeSpan.FromSeconds(Math.Round(t.TotalSeconds, MidpointRounding.AwayFromZero));
            if (t.TotalDays >= 1) return sign + Pair((long)t.TotalDays, "d", t.Hours, "h");
            if (t.TotalHours >= 1) return sign + Pair(t.Hours, "h", t.Minutes, "min");
            if (t.TotalMinutes >= 1) return sign + Pair(t.Minutes, "min", t.Seconds, "s");
            return sign + t.Seconds.ToString(CultureInfo.CurrentCulture) + " s";
        }

        private static string Pair(long major, string majorUnit, int minor, string minorUnit) =>
            minor == 0
                ? string.Format(CultureInfo.CurrentCulture, "{0} {1}", major, majorUnit)
                : string.Format(CultureInfo.CurrentCulture, "{0} {1} {2} {3}", major, majorUnit, minor, minorUnit);

        /// <summary>A log generation range as "low-high"; empty when the set holds no logs (high is 0).</summary>
        public static string Generations(long low, long high) =>
            high <= 0 ? string.Empty : string.Format(CultureInfo.CurrentCulture, "{0}-{1}", low, high);

        /// <summary>The first 8 hex digits of an id: enough to tell sessions apart in a table.</summary>
        public static string ShortId(Guid id) => id.ToString("N").Substring(0, 8);

        /// <summary>A time the module recorded, in its one convention (<see cref="UtcTime"/>): 2026-11-30 01:23:45Z. Null shows empty.</summary>
        public static string Utc(object? time) => AsInstant(time) is DateTimeOffset t ? UtcTime.Text(t) : string.Empty;

        /// <summary>The same to the minute (2026-11-30 01:23Z), for tables that must fit 80 columns.</summary>
        public static string UtcMinute(object? time) =>
            AsInstant(time) is DateTimeOffset t ? t.ToUniversalTime().ToString(UtcTime.MinuteFormat, CultureInfo.InvariantCulture) : string.Empty;

        /// <summary>
        /// A time from an ESE header: UTC with its Z when the engine flagged it so; a time stored without the flag is
        /// the writing machine's local clock and says so (<see cref="UtcTime.HeaderText"/>). Null shows empty.
        /// </summary>
        public static string HeaderTime(object? time)
        {
            var value = time is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : time;
            return value is DateTime d ? UtcTime.HeaderText(d) : Utc(value);
        }

        /// <summary>A header time to the minute: 2026-11-30 01:23Z, or "… local" when the engine did not flag it UTC.</summary>
        public static string HeaderMinute(object? time)
        {
            var value = time is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : time;
            return value is DateTime d && d.Kind == DateTimeKind.Unspecified
                ? d.ToString("yyyy'-'MM'-'dd HH':'mm", CultureInfo.InvariantCulture) + " local"
                : UtcMinute(value);
        }

        /// <summary>
        /// The instant a view was given: a DateTimeOffset, a DateTime (UTC unless it says local), or what Start-Job and
        /// Import-Clixml make of a DateTimeOffset (a property bag whose UtcDateTime survives, or, serialised too deep,
        /// its text with the offset); null for anything else.
        /// </summary>
        private static DateTimeOffset? AsInstant(object? time)
        {
            if (time is PSObject pso)
                time = pso.BaseObject is PSCustomObject ? pso.Properties["UtcDateTime"]?.Value ?? pso.ToString() : pso.BaseObject;
            return time switch
            {
                DateTimeOffset o => o,
                DateTime d => UtcTime.From(d),
                PSObject inner => AsInstant(inner),
                string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var o) => o,
                string s when DateTimeOffset.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.None, out var o) => o,
                _ => null,
            };
        }
    }
}
