using System;
using System.Collections.Generic;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Start-EseExternalBackup: begins a full or incremental external backup of a database folder no engine holds open.</summary>
    [Cmdlet(VerbsLifecycle.Start, "EseExternalBackup", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Start-EseExternalBackup.md")]
    [OutputType(typeof(BackupSession))]
    public sealed class StartEseExternalBackupCommand : BackupPathCmdlet
    {
        /// <summary>A live ESE instance in this process (Windows): an EseInstance from Open-EseInstance, a ManagedEsent Instance or JET_INSTANCE, or an IntPtr handle.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InstanceSet, ValueFromPipeline = true)]
        [InstanceArgument]
        [ValidateNotNull]
        public object? Instance { get; set; }

        /// <summary>Back up only the logs since the newest set of the chain in -Destination.</summary>
        [Parameter]
        public SwitchParameter Incremental { get; set; }

        /// <summary>Where sets are written; later stages use it when they are not given one. Binds from a Destination property of piped objects.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        public string? Destination { get; set; }

        /// <summary>Abort the session when no stage has touched it for this long (default 30 minutes).</summary>
        [Parameter]
        public TimeSpan IdleTimeout { get; set; } = BackupSession.DefaultIdleTimeout;

        protected override void BeginProcessing()
        {
            if (IdleTimeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "-IdleTimeout must be a positive time span (for example 00:30:00)."),
                    "InvalidIdleTimeout", ErrorCategory.InvalidArgument, IdleTimeout));
            }
            base.BeginProcessing();
        }

        protected override void BackUpOne(IReadOnlyList<string> paths, bool fromInstance)
        {
            var kind = Incremental ? BackupKind.Incremental : BackupKind.Full;
            var destination = Destination != null ? ResolveNewPath(Destination) : null;
            BackupSession session;
            try
            {
                session = fromInstance
                    ? BackupPipeline.Start(JetInstanceSource.FromHandleObject(BaseObjectOf(Instance!)), kind)
                    : BackupPipeline.StartSnapshot(paths, kind, destination);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                FailItem(BackupError(ex, fromInstance ? Instance : string.Join(", ", paths)));
                return;
            }
            session.DestinationRoot = destination;
            Hold(session);
            session.SetIdleTimeout(IdleTimeout);
            WriteSourceWarnings(session);
            WriteVerbose($"Started {kind.WithArticle()} backup of '{session.SourceKey}' (session {session.Id}).");
            EmitSession(session);
            Release(session);
        }
    }
}
