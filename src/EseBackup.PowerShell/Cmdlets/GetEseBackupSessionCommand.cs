using System.Management.Automation;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Completion;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseBackupSession: the backup sessions open in this process.</summary>
    [Cmdlet(VerbsCommon.Get, "EseBackupSession",
        HelpUri = ProjectLinks.HelpBase + "Get-EseBackupSession.md")]
    [OutputType(typeof(BackupSession))]
    public sealed class GetEseBackupSessionCommand : EseCmdlet
    {
        /// <summary>Only the sessions with these ids: a full id, or a unique prefix of its hex digits (the 8 the table shows).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionIdCompleter))]
        public string[]? Id { get; set; }

        protected override void BeginProcessing() => BackupSessionCmdlet.WarnIdleAborted(this);

        protected override void ProcessRecord()
        {
            var open = BackupSessionRegistry.OpenSessions;
            if (Id == null)
            {
                WriteObject(open, enumerateCollection: true);
                return;
            }
            foreach (var id in Id)
            {
                var matches = SessionIds.Matching(id, open);
                if (matches.Count == 1)
                {
                    BeginItem();
                    WriteObject(matches[0]);
                }
                else FailNotThere(SessionIds.NotOneSession(id, matches));
            }
        }
    }
}
