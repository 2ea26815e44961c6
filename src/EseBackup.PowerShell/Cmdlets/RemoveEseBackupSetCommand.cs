using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Remove-EseBackupSet: applies a retention rule to the sets in a folder, never removing a set a kept set builds on.</summary>
    [Cmdlet(VerbsCommon.Remove, "EseBackupSet", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(BackupSetInfo))]
    public sealed class RemoveEseBackupSetCommand : EseCmdlet
    {
        /// <summary>The folder holding the backup sets (a backup destination).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Keep the newest N complete sets (and the sets they build on).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int KeepLast { get; set; }

        /// <summary>Remove sets that ended before this time: a TimeSpan (age) or a DateTime.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? OlderThan { get; set; }

        /// <summary>Also remove incomplete sets (no manifest) older than the newest complete set.</summary>
        [Parameter]
        public SwitchParameter IncludeIncomplete { get; set; }

        protected override void ProcessRecord()
        {
            var root = ResolveExistingPaths(Path, literal: true).FirstOrDefault();
            if (root == null) return;
            if (!Directory.Exists(root))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{root}' is not a folder: name the folder holding the backup sets."), "NotABackupSetFolder", ErrorCategory.InvalidArgument, root));
                return;
            }
            bool hasKeep = MyInvocation.BoundParameters.ContainsKey(nameof(KeepLast));
            DateTime? cutoff = null;
            if (OlderThan != null)
            {
                cutoff = ToCutoff(OlderThan);
                if (cutoff == null)
                {
                    WriteError(new ErrorRecord(new ArgumentException($"-OlderThan '{OlderThan}' is neither a TimeSpan (an age, e.g. (New-TimeSpan -Days 30) or '30.00:00:00') nor a DateTime."),
                        "InvalidOlderThan", ErrorCategory.InvalidArgument, OlderThan));
                    return;
                }
            }
            if (!hasKeep && cutoff == null)
            {
                WriteError(new ErrorRecord(new ArgumentException("Name a retention rule: -KeepLast <N> and/or -OlderThan <TimeSpan or DateTime>."), "NoRetentionRule", ErrorCategory.InvalidArgument, root));
                return;
            }

            var decisions = BackupRetention.Plan(BackupSetInfo.List(root), hasKeep ? KeepLast : (int?)null, cutoff, IncludeIncomplete.IsPresent, BackupRetention.IsInUse);
            foreach (var d in decisions.Where(d => !d.Remove)) WriteVerbose($"Keeping {d.Set.Name}: {d.Reason}.");
            if (!decisions.Any(d => d.Remove))
                WriteVerbose($"Nothing to remove under '{root}': the rule keeps all {decisions.Count()} set(s).");
            foreach (var d in decisions.Where(d => d.Remove).OrderBy(d => d.Set.Time))
            {
                var what = d.Set.IsComplete ? $"{d.Set.Kind} backup set from {d.Set.Time.ToLocalTime():g}" : "incomplete backup set";
                if (!ShouldProcess(d.Set.Path, $"Remove {what} ({d.Reason})")) continue;
                try
                {
                    BackupRetention.Delete(d.Set);
                    WriteObject(d.Set);
                }
                catch (BackupSetInUseException ex)
                {
                    // A backup started building on it after the plan was made: it stays, and says so.
                    WriteError(new ErrorRecord(ex, "BackupSetInUse", ErrorCategory.ResourceBusy, d.Set.Path));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteEngineError(ex, "BackupSetRemoveFailed", d.Set.Path);
                }
            }
        }

        static DateTime? ToCutoff(object value)
        {
            var v = value is PSObject pso ? pso.BaseObject : value;
            switch (v)
            {
                case TimeSpan age: return DateTime.UtcNow - age;
                case DateTime time: return time.ToUniversalTime();
                case DateTimeOffset offset: return offset.UtcDateTime;
                case string s:
                    if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts)) return DateTime.UtcNow - ts;
                    if (DateTime.TryParse(s, CultureInfo.CurrentCulture, DateTimeStyles.AssumeLocal, out var dt)) return dt.ToUniversalTime();
                    return null;
                default: return null;
            }
        }
    }
}
