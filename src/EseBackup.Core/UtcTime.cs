using System;
using System.Globalization;

namespace EseBackup.Core
{
    /// <summary>
    /// The module's one time convention: every time it produces is a UTC instant (a <see cref="DateTimeOffset"/>
    /// with offset zero) and every time it shows is written <c>yyyy-MM-dd HH:mm:ssZ</c> — the zone set folder
    /// names carry too (<c>20261130-012345Z-full</c>).
    /// </summary>
    public static class UtcTime
    {
        /// <summary>The text form of an instant: <c>2026-11-30 01:23:45Z</c>.</summary>
        public const string Format = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";

        /// <summary>To the minute, for tables that must fit 80 columns: <c>2026-11-30 01:23Z</c>.</summary>
        public const string MinuteFormat = "yyyy'-'MM'-'dd HH':'mm'Z'";

        /// <summary>
        /// A time the module recorded (manifest, session, file system) as a UTC instant. A time without a kind is
        /// UTC: the module writes nothing else (a hand-edited manifest without its <c>Z</c> is read the same way).
        /// </summary>
        public static DateTimeOffset From(DateTime time) =>
            time.Kind == DateTimeKind.Local
                ? new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero)
                : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc), TimeSpan.Zero);

        public static DateTimeOffset? From(DateTime? time) => time == null ? (DateTimeOffset?)null : From(time.Value);

        /// <summary>The same instant with offset zero.</summary>
        public static DateTimeOffset From(DateTimeOffset time) => time.ToUniversalTime();

        public static string Text(DateTimeOffset time) => time.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture);

        public static string Text(DateTimeOffset? time) => time == null ? "" : Text(time.Value);

        /// <summary>
        /// A time from an ESE header: UTC when the engine flagged it so (every current engine does), else the local
        /// clock of the machine that wrote it, whose zone is unknown and which is said so.
        /// </summary>
        public static string HeaderText(DateTime? time)
        {
            if (time == null) return "";
            var t = time.Value;
            return t.Kind == DateTimeKind.Unspecified
                ? t.ToString("yyyy'-'MM'-'dd HH':'mm':'ss", CultureInfo.InvariantCulture) + " (writer's local time)"
                : Text(From(t));
        }
    }
}
