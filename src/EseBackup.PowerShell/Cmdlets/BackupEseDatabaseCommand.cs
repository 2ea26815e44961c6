using System;
using System.Collections.Generic;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Backup-EseDatabase: start, read and stop in one call; emits the committed backup set.</summary>
    /// <remarks>Each folder given or piped is its own backup; a failed backup fails as the failure contract says (EseCmdlet).</remarks>
    [Cmdlet(VerbsData.Backup, "EseDatabase", SupportsShouldProcess = true, DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Backup-EseDatabase.md")]
    [OutputType(typeof(BackupSet))]
    public sealed class BackupEseDatabaseCommand : BackupPathCmdlet
    {
        /// <summary>The folder under which the new set folder is created; binds from a Destination property of piped objects (Import-Csv rows).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        public string Destination { get; set; } = "";

        /// <summary>A live ESE instance in this process (Windows): an EseInstance from Open-EseInstance, a ManagedEsent Instance or JET_INSTANCE, or an IntPtr handle.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InstanceSet, ValueFromPipeline = true)]
        [InstanceArgument]
        [ValidateNotNull]
        public object? Instance { get; set; }

        /// <summary>Back up only the logs since the newest set of the chain in -Destination.</summary>
        [Parameter]
        public SwitchParameter Incremental { get; set; }

        /// <summary>Upper bound on the copy rate in MB/s; 0 (default) is no limit.</summary>
        [Parameter]
        [ValidateRange(0.0, 1000000.0)]
        public double ThrottleMBps { get; set; }

        /// <summary>Truncate the logs the committed set covers, where the source allows it.</summary>
        [Parameter]
        public SwitchParameter TruncateLog { get; set; }

        protected override void BackUpOne(IReadOnlyList<string> paths, bool fromInstance)
        {
            var kind = Incremental ? BackupKind.Incremental : BackupKind.Full;
            var destination = ResolveNewPath(Destination);
            var what = Describe(paths, Instance, fromInstance);
            if (!ShouldProcess(destination, $"Write {kind.WithArticle()} backup set of {what}"))
                return;

            BackupSession? session = null;
            var activity = $"Backing up {what}";
            try
            {
                session = fromInstance
                    ? BackupPipeline.Start(JetInstanceSource.FromHandleObject(BaseObjectOf(Instance!)), kind)
                    : BackupPipeline.StartSnapshot(paths, kind, destination);
                Hold(session);
                WriteSourceWarnings(session);
                BackupPipeline.Read(session, destination, new BackupCopyOptions { ThrottleMBps = ThrottleMBps, Progress = ProgressReporter(activity) }, Cancellation.Token);
                CompleteProgress(activity);
                WriteChoiceVerbose(session);
                if (TruncateLog && !session.Source.CanTruncateLogs)
                    WriteWarning($"Logs are not truncated: the source '{session.SourceKey}' is a snapshot or stopped-service folder, not the engine that owns the logs. No log was touched.");
                var truncate = TruncateLog && session.Source.CanTruncateLogs &&
                               ShouldProcess(session.SourceKey, "Truncate the logs covered by the committed backup set");
                var result = BackupPipeline.Stop(session, truncate);
                if (truncate && !result.LogsTruncated && result.TruncationRefused != null) WriteWarning(result.TruncationRefused);
                Release(session);
                WriteSetVerbose(result.Set, session);
                WriteObject(result.Set);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                session?.Abort(ex.Message);
                FailItem(BackupError(ex, (object?)session ?? destination));
            }
            finally
            {
                if (session != null && session.IsOpen) session.Abort("The backup did not complete.");
            }
        }
    }
}
