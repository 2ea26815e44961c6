using System;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Completion;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Stop-EseExternalBackup: commits the backup set (manifest last) and ends the session, or aborts it.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "EseExternalBackup", SupportsShouldProcess = true, DefaultParameterSetName = "Commit",
        HelpUri = ProjectLinks.HelpBase + "Stop-EseExternalBackup.md")]
    [OutputType(typeof(BackupSet))]
    public sealed class StopEseExternalBackupCommand : BackupSessionCmdlet
    {
        /// <summary>The session from Read-EseBackupFile (or Start-EseExternalBackup, for -Abort).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public BackupSession? Session { get; set; }

        /// <summary>Truncate the logs the committed set covers, where the source allows it.</summary>
        [Parameter(ParameterSetName = "Commit")]
        public SwitchParameter TruncateLog { get; set; }

        /// <summary>End the session without committing a set (JET_bitBackupEndAbort).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Abort")]
        public SwitchParameter Abort { get; set; }

        protected override void ProcessRecord()
        {
            var session = Session!;
            BeginItem();
            if (Abort)
            {
                if (ConfirmOrAbort(session, "Abort the backup (no set is committed)"))
                {
                    session.Abort("Aborted by Stop-EseExternalBackup -Abort.");
                    WriteVerbose($"Aborted the backup of '{session.SourceKey}'.");
                }
                else if (session.IsOpen)
                {
                    WriteWarning($"The backup of '{session.SourceKey}' is still open (the source stays in backup mode). End it with Stop-EseExternalBackup; Get-EseBackupSession lists the open sessions.");
                }
                return;
            }

            var truncate = false;
            if (TruncateLog)
            {
                if (!session.Source.CanTruncateLogs)
                    WriteWarning($"Logs are not truncated: the source '{session.SourceKey}' is a snapshot or stopped-service folder, not the engine that owns the logs. The backup set is committed; no log was touched.");
                else
                    truncate = ConfirmOrAbort(session, "Truncate the logs covered by the committed backup set");
            }

            Hold(session);
            BackupStopResult result;
            try
            {
                result = BackupPipeline.Stop(session, truncate);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                session.Abort(ex.Message);
                FailItem(BackupError(ex, session));
                return;
            }
            finally
            {
                if (session.IsOpen) session.Abort("Stopping the backup did not complete.");
                Release(session);
            }
            WriteSetVerbose(result.Set, session);
            if (result.LogsTruncated) WriteVerbose("Logs covered by the set were truncated.");
            else if (truncate && result.TruncationRefused != null) WriteWarning(result.TruncationRefused);
            WriteObject(result.Set);
        }

        /// <summary>
        /// ShouldProcess, except that a confirmation that fails (a host that cannot ask, Ctrl+C at the
        /// prompt) is a failure path like any other: the session is aborted before the error goes on.
        /// A plain "No" leaves the session as it is.
        /// </summary>
        bool ConfirmOrAbort(BackupSession session, string action)
        {
            try
            {
                return ShouldProcess(session.SourceKey, action);
            }
            catch (Exception)
            {
                if (session.IsOpen) session.Abort($"'{action}' could not be confirmed; the backup was aborted so the source does not stay in backup mode.");
                throw;
            }
        }
    }
}
