using System;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseBackupSession: the backup sessions open in this process.</summary>
    [Cmdlet(VerbsCommon.Get, "EseBackupSession")]
    [OutputType(typeof(BackupSession))]
    public sealed class GetEseBackupSessionCommand : EseCmdlet
    {
        /// <summary>Only the sessions with these ids.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[]? Id { get; set; }

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
                BeginItem();
                var match = open.FirstOrDefault(s => s.Id == id);
                if (match != null) WriteObject(match);
                else FailItem(new ErrorRecord(new ArgumentException($"No open backup session has id {id}."), "SessionNotFound", ErrorCategory.ObjectNotFound, id));
            }
        }
    }
}
