using System;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Completion;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Read-EseBackupFile: copies every database and log of a backup session into a new backup set, verifying every page.</summary>
    [Cmdlet(VerbsCommunications.Read, "EseBackupFile",
        HelpUri = ProjectLinks.HelpBase + "Read-EseBackupFile.md")]
    [OutputType(typeof(BackupSession))]
    public sealed class ReadEseBackupFileCommand : BackupSessionCmdlet
    {
        /// <summary>The session from Start-EseExternalBackup.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public BackupSession? Session { get; set; }

        /// <summary>The folder under which the new set folder is created (default: the session's -Destination).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        public string? Destination { get; set; }

        /// <summary>Upper bound on the copy rate in MB/s; 0 (default) is no limit.</summary>
        [Parameter]
        [ValidateRange(0.0, 1000000.0)]
        public double ThrottleMBps { get; set; }

        protected override void ProcessRecord()
        {
            var session = Session!;
            BeginItem();
            var destination = Destination != null ? ResolveNewPath(Destination) : session.DestinationRoot;
            if (destination == null)
            {
                session.Abort("No destination was given for the backup set.");
                FailItem(new ErrorRecord(new ArgumentException("Give -Destination here or to Start-EseExternalBackup: the folder where the backup set is written. The session was aborted."),
                    "NoDestination", ErrorCategory.InvalidArgument, session));
                return;
            }
            var activity = $"Backing up {session.SourceKey}";
            Hold(session);
            bool read = false;
            try
            {
                var options = new BackupCopyOptions { ThrottleMBps = ThrottleMBps, Progress = ProgressReporter(activity) };
                var writer = BackupPipeline.Read(session, destination, options, Cancellation.Token);
                WriteChoiceVerbose(session);
                WriteVerbose($"Wrote them into '{writer.SetPath}'.");
                read = true;
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                session.Abort(ex.Message);
                FailItem(BackupError(ex, session));
                return;
            }
            finally
            {
                if (!read) session.Abort("Reading the backup files did not complete.");
                CompleteProgress(activity);
            }
            EmitSession(session);
            Release(session);
        }
    }
}
