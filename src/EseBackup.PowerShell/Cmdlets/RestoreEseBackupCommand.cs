using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Restore-EseBackup: lays a backup set and the sets it builds on out as databases + logs, verified as it copies.</summary>
    /// <remarks>-Path / -LiteralPath name the set to restore (the last of its chain); each set given or piped is its own restore.</remarks>
    [Cmdlet(VerbsData.Restore, "EseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Restore-EseBackup.md")]
    [OutputType(typeof(RestoreResult))]
    public sealed class RestoreEseBackupCommand : BackupSetPathCmdlet
    {
        readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>The folder the databases and logs go to (created when missing); binds from a Destination property of piped objects (Import-Csv rows).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        public string Destination { get; set; } = "";

        /// <summary>Restore logs only up to this generation (sets beyond it are not used).</summary>
        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long ToGeneration { get; set; }

        /// <summary>Replace databases and logs of the same names in the destination.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>After restoring, replay the logs into the databases through the engine (Windows only).</summary>
        [Parameter]
        public SwitchParameter Recover { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var setPath in InputPaths()) RestoreOne(setPath);
        }

        void RestoreOne(string setPath)
        {
            BeginItem();
            var destination = ResolveNewPath(Destination);
            if (Recover && !RestoreRecovery.IsAvailable)
            {
                FailItem(new ErrorRecord(new PlatformNotSupportedException(RestoreRecovery.NotSupportedMessage), "RecoverRequiresWindows", ErrorCategory.NotImplemented, setPath));
                return;
            }
            RestorePlan plan;
            try
            {
                plan = RestorePlan.Create(setPath, destination, MyInvocation.BoundParameters.ContainsKey(nameof(ToGeneration)) ? ToGeneration : (long?)null);
            }
            catch (Exception ex) when (ex is BackupSetException || ex is ArgumentException || ex is IOException || ex is UnauthorizedAccessException)
            {
                FailItem(ToRecord(ex, setPath));
                return;
            }

            var chain = string.Join(" + ", plan.Chain.Sets.Select(s => s.Name));
            var logs = plan.LogGenerationHigh > 0 ? $", logs {plan.LogGenerationLow}-{plan.LogGenerationHigh}" : ", no logs";
            if (!ShouldProcess(destination, $"Restore {plan.Files.Count} file(s), {plan.TotalBytes / 1048576.0:N1} MiB, from {chain}{logs}{(Force && plan.ExistingTargets.Count > 0 ? $", replacing {plan.ExistingTargets.Count} existing file(s)" : "")}"))
                return;

            var others = plan.OtherEseFilesInDestination;
            if (others.Count > 0)
                WriteWarning($"The destination '{destination}' also holds {string.Join(", ", others.Select(System.IO.Path.GetFileName))}, which this restore does not write. " +
                    "Recovery reads every log and the checkpoint in the folder; remove files of other restores or log streams before replaying the logs.");

            var progress = new ProgressWriter(this, "Restoring " + chain);
            WriteVerbose($"Restoring {chain} into '{destination}': {plan.Files.Count} file(s), {plan.TotalBytes:N0} bytes{logs}.");
            try
            {
                var result = BackupRestorer.Restore(plan, Force.IsPresent,
                    p => progress.Report($"{System.IO.Path.GetFileName(p.CurrentFile)}: {p.BytesDone / 1048576} of {p.BytesTotal / 1048576} MiB", p.BytesDone, p.BytesTotal),
                    _stop.Token);
                if (result.ReportProblem != null) WriteWarning(result.ReportProblem);
                if (Recover) RestoreRecovery.Recover(plan, result);
                WriteObject(result);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is BackupSetException || ex is IOException || ex is UnauthorizedAccessException || ex is PlatformNotSupportedException || ex is Core.Protocol.JetException)
            {
                FailItem(ToRecord(ex, setPath));
            }
            finally
            {
                progress.Complete();
            }
        }

        static ErrorRecord ToRecord(Exception ex, string setPath)
        {
            if (ex is BackupSetException bse)
            {
                var category = bse.Problem.Kind switch
                {
                    BackupProblemKind.DestinationExists => ErrorCategory.ResourceExists,
                    BackupProblemKind.DestinationInUse => ErrorCategory.ResourceBusy,
                    BackupProblemKind.UnsafePath => ErrorCategory.SecurityError,
                    BackupProblemKind.MissingManifest or BackupProblemKind.MissingFile or BackupProblemKind.MissingParent => ErrorCategory.ObjectNotFound,
                    _ => ErrorCategory.InvalidData,
                };
                return new ErrorRecord(ex, "BackupSet" + bse.Problem.Kind, category, bse.Problem.File ?? setPath);
            }
            return ToErrorRecord(ex, ex is ArgumentException ? "InvalidRestoreArgument" : "RestoreFailed", setPath);
        }

        protected override void StopProcessing() => _stop.Cancel();
    }
}
