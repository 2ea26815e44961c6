using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.BackupSets
{
    /// <summary>Whether a complete full backup younger than a maximum age exists: the "test" of a desired-state check.</summary>
    public sealed class BackupFreshnessResult
    {
        public string Destination { get; set; } = "";
        public string? Source { get; set; }
        public TimeSpan MaxAge { get; set; }
        public bool IsCurrent { get; set; }
        /// <summary>
        /// The newest complete full set, through <see cref="GetNewestFullSet"/> (or the hidden <c>NewestFullSet</c>
        /// property the module's types.ps1xml adds): a whole set would make an export nest manifests and files.
        /// </summary>
        internal BackupSet? NewestFullSet { get; set; }
        public BackupSet? GetNewestFullSet() => NewestFullSet;
        /// <summary>Where the newest full set is (its folder), for exports.</summary>
        public string? NewestFullSetPath => NewestFullSet?.Path;
        /// <summary>When the newest full set ended, UTC (<see cref="UtcTime"/>).</summary>
        public DateTimeOffset? NewestFullTime => NewestFullSet?.EndTime;
        public TimeSpan? Age { get; set; }
        public int IncompleteSets { get; set; }
        public string Reason { get; set; } = "";
        public override string ToString() => Reason;
    }

    public static class BackupFreshness
    {
        /// <summary>
        /// Looks for the newest complete full set under <paramref name="destination"/> (of <paramref name="source"/>
        /// when given) and says whether it ended less than <paramref name="maxAge"/> before <paramref name="now"/>.
        /// </summary>
        public static BackupFreshnessResult Evaluate(string destination, TimeSpan maxAge, string? source = null, DateTime? now = null,
            Stores.BackupStoreCredentials? credentials = null) =>
            Evaluate(Stores.BackupStores.Open(destination, credentials), maxAge, source, now, Stores.BackupStores.Redact(destination));

        /// <inheritdoc cref="Evaluate(string, TimeSpan, string, DateTime?, Stores.BackupStoreCredentials)"/>
        public static BackupFreshnessResult Evaluate(Stores.IBackupStore store, TimeSpan maxAge, string? source = null, DateTime? now = null) =>
            Evaluate(store, maxAge, source, now, store.Location);

        static BackupFreshnessResult Evaluate(Stores.IBackupStore store, TimeSpan maxAge, string? source, DateTime? now, string destination)
        {
            var at = (now ?? DateTime.UtcNow).ToUniversalTime();
            var result = new BackupFreshnessResult { Destination = destination, Source = source, MaxAge = maxAge };
            if (!store.Exists())
            {
                result.Reason = $"The backup destination '{destination}' does not exist: there is no full backup.";
                return result;
            }
            var catalog = BackupSetCatalog.Scan(store);
            result.IncompleteSets = catalog.Incomplete.Count;
            var sourceFull = source == null ? null : Path.GetFullPath(source);
            var newest = catalog.Sets
                .Where(s => s.Kind == BackupKind.Full)
                .Where(s => sourceFull == null || SameSource(s.Source, sourceFull))
                .OrderByDescending(s => s.EndTime)
                .FirstOrDefault();
            if (newest == null)
            {
                result.Reason = $"No complete full backup{(source == null ? "" : $" of '{source}'")} is in '{destination}'.";
                return result;
            }
            result.NewestFullSet = newest;
            result.Age = UtcTime.From(at) - newest.EndTime;
            result.IsCurrent = result.Age.Value <= maxAge;
            result.Reason = result.IsCurrent
                ? $"The newest full backup '{newest.Name}' is {Describe(result.Age.Value)} old, within {Describe(maxAge)}."
                : $"The newest full backup '{newest.Name}' is {Describe(result.Age.Value)} old, older than {Describe(maxAge)}.";
            return result;
        }

        static bool SameSource(string recorded, string wanted)
        {
            try
            {
                return string.Equals(Path.GetFullPath(recorded).TrimEnd('/', '\\'), wanted.TrimEnd('/', '\\'), StringComparison.OrdinalIgnoreCase);
            }
            catch (ArgumentException)
            {
                return string.Equals(recorded, wanted, StringComparison.OrdinalIgnoreCase);
            }
        }

        static string Describe(TimeSpan t)
        {
            if (t.TotalHours >= 1) return Plural(Math.Round(t.TotalHours, 1), "hour");
            if (t.TotalMinutes >= 1) return Plural(Math.Round(t.TotalMinutes), "minute");
            return Plural(Math.Max(0, Math.Round(t.TotalSeconds)), "second");
        }

        static string Plural(double value, string unit) => value == 1 ? $"1 {unit}" : $"{value:0.#} {unit}s";
    }
}
