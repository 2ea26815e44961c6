using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Remove-EseBackupSet: applies a retention rule to the sets in a folder, never removing a set a kept set builds on.</summary>
    [Cmdlet(VerbsCommon.Remove, "EseBackupSet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
        HelpUri = ProjectLinks.HelpBase + "Remove-EseBackupSet.md")]
    [OutputType(typeof(BackupSetInfo))]
    public sealed class RemoveEseBackupSetCommand : EseCmdlet
    {
        /// <summary>The folder holding the backup sets (a backup destination).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias(PathAlias.PSPath, PathAlias.FullName, PathAlias.LP)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        public string Path { get; set; } = "";

        /// <summary>Keep the newest N complete sets (and the sets they build on).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepLast { get; set; }

        /// <summary>Remove sets that ended before this time: a TimeSpan (age) or a DateTime.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? OlderThan { get; set; }

        /// <summary>Also remove incomplete sets (no manifest) older than the newest complete set.</summary>
        [Parameter]
        public SwitchParameter IncludeIncomplete { get; set; }

        /// <summary>Allow a rule that would leave a destination without a complete full backup.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        // Destinations in the order named, with the set folders named in each (null: the whole destination).
        readonly List<KeyValuePair<string, HashSet<string>?>> _targets = new List<KeyValuePair<string, HashSet<string>?>>();

        protected override void ProcessRecord()
        {
            var root = ResolveExistingPaths(Path, literal: true).FirstOrDefault();
            if (root == null) return;
            if (!Directory.Exists(root))
            {
                BeginItem();
                FailItem(new ErrorRecord(new ArgumentException($"'{root}' is not a folder: name the folder holding the backup sets."), "NotABackupSetFolder", ErrorCategory.InvalidArgument, root));
                return;
            }
            root = System.IO.Path.GetFullPath(root).TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar);
            // A set folder (piped from Get-EseBackupSet, or named): the rule is decided over its whole destination,
            // where the chains and the newest sets are; deciding per set folder would bypass chain protection.
            string? setFolder = null;
            if (BackupSetInfo.IsSetFolder(root))
            {
                setFolder = root;
                root = System.IO.Path.GetDirectoryName(root) ?? root;
            }
            int at = _targets.FindIndex(t => string.Equals(t.Key, root, StringComparison.Ordinal));
            if (at < 0)
            {
                _targets.Add(new KeyValuePair<string, HashSet<string>?>(root, setFolder == null ? null : new HashSet<string>(StringComparer.Ordinal)));
                at = _targets.Count - 1;
            }
            if (setFolder == null) _targets[at] = new KeyValuePair<string, HashSet<string>?>(root, null);
            else _targets[at].Value?.Add(setFolder);
        }

        protected override void EndProcessing()
        {
            if (_targets.Count == 0)
            {
                base.EndProcessing(); // a path that named nothing fails here (failure contract, EseCmdlet)
                return;
            }
            bool hasKeep = MyInvocation.BoundParameters.ContainsKey(nameof(KeepLast));
            DateTime? cutoff = null;
            if (OlderThan != null)
            {
                try
                {
                    cutoff = ToCutoff(OlderThan);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidOlderThan", ErrorCategory.InvalidArgument, OlderThan));
                }
            }
            if (!hasKeep && cutoff == null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Name a retention rule: -KeepLast <N> and/or -OlderThan <TimeSpan or DateTime>."), "NoRetentionRule", ErrorCategory.InvalidArgument, _targets[0].Key));
                return;
            }
            foreach (var target in _targets) Apply(target.Key, target.Value, hasKeep, cutoff);
            base.EndProcessing();
        }

        /// <summary>Decides the rule over all sets of <paramref name="root"/>; removes only the named set folders when some were named.</summary>
        void Apply(string root, HashSet<string>? named, bool hasKeep, DateTime? cutoff)
        {
            if (named != null)
                WriteVerbose($"The rule is decided over all backup sets in '{root}' (chains and the newest sets are there); only the {named.Count} set folder(s) given are removed when it removes them.");
            var decisions = BackupRetention.Plan(BackupSetInfo.List(root), hasKeep ? KeepLast : (int?)null, cutoff, IncludeIncomplete.IsPresent, BackupRetention.IsInUse);
            foreach (var d in decisions.Where(d => d.Set.IsUnreadable))
                WriteWarning($"Backup set '{d.Set.Path}' cannot be read ({d.Set.Reason}); no rule removes it, and the sets it may build on are kept.");
            foreach (var d in decisions.Where(d => !d.Remove)) WriteVerbose($"Keeping {d.Set.Name}: {d.Reason}.");
            if (!decisions.Any(d => d.Remove))
                WriteVerbose($"Nothing to remove under '{root}': the rule keeps all {decisions.Count()} set(s).");
            // An age limit alone can remove every complete full set, leaving nothing to restore from: only with -Force.
            // (-KeepLast, at least 1, always keeps a newest set and the full set it builds on.)
            var fullsRemoved = decisions.Where(d => d.Remove && d.Set.IsComplete && d.Set.Kind == BackupKind.Full && (named == null || named.Contains(d.Set.Path))).ToList();
            if (!hasKeep && fullsRemoved.Count > 0 && !decisions.Any(d => !d.Remove && d.Set.IsComplete && d.Set.Kind == BackupKind.Full) && !Force)
            {
                BeginItem();
                FailItem(new ErrorRecord(new InvalidOperationException(
                        $"The rule would remove every complete full backup in '{root}' ({string.Join(", ", fullsRemoved.Select(d => d.Set.Name))}), leaving nothing to restore from. Nothing was removed. Add -KeepLast, or -Force to remove them anyway."),
                    "WouldRemoveEveryFullBackup", ErrorCategory.InvalidOperation, root));
                return;
            }
            var blocked = named == null ? new Dictionary<string, string>() : BackupRetention.NeededByRemaining(decisions, named);
            foreach (var d in decisions.Where(d => d.Remove).OrderBy(d => d.Set.Time))
            {
                if (named != null && !named.Contains(d.Set.Path))
                {
                    WriteVerbose($"Not removing {d.Set.Name}: the rule would, but it was not among the sets given.");
                    continue;
                }
                if (blocked.TryGetValue(d.Set.Path, out var neededBy))
                {
                    WriteWarning($"Not removing {d.Set.Name}: set '{neededBy}' builds on it and stays (it was not among the sets given).");
                    continue;
                }
                var what = d.Set.IsComplete ? $"{d.Set.Kind.ToString()!.ToLowerInvariant()} backup set that ended {UtcTime.Text(d.Set.Time)}" : "incomplete backup set";
                if (!ShouldProcess(d.Set.Path, $"Remove {what} ({d.Reason})")) continue;
                BeginItem();
                try
                {
                    BackupRetention.Delete(d.Set);
                    WriteObject(d.Set);
                }
                catch (BackupSetInUseException ex)
                {
                    // A backup started building on it after the plan was made: it stays, and says so.
                    FailItem(new ErrorRecord(ex, "BackupSetInUse", ErrorCategory.ResourceBusy, d.Set.Path));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    FailItem(ex, "BackupSetRemoveFailed", d.Set.Path);
                }
            }
        }

        /// <summary>-OlderThan as a UTC limit: an age (AgeText: a TimeSpan, '30d', '12h'...) or a point in time.</summary>
        static DateTime ToCutoff(object value)
        {
            var v = value is PSObject pso ? pso.BaseObject : value;
            switch (v)
            {
                case DateTime time: return time.ToUniversalTime();
                case DateTimeOffset offset: return offset.UtcDateTime;
                case string s when AgeText.TryParse(s) == null && DateTime.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.AssumeLocal, out var dt):
                    return dt.ToUniversalTime();
                default:
                    if (AgeText.TryParse(v) == null)
                        throw new ArgumentException($"-OlderThan '{value}' is neither an age ({AgeText.Examples}) nor a date.");
                    return DateTime.UtcNow - AgeText.Parse(v, "OlderThan");
            }
        }
    }
}
