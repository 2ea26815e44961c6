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
        /// <summary>Only the sessions with these ids: a full id, or a unique prefix of its hex digits (the 8 the table shows).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
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
                BeginItem();
                var matches = Guid.TryParse(id, out var full)
                    ? open.Where(s => s.Id == full).ToList()
                    : open.Where(s => s.Id.ToString("N").StartsWith(id.Replace("-", ""), StringComparison.OrdinalIgnoreCase)).ToList();
                if (matches.Count == 1) WriteObject(matches[0]);
                else if (matches.Count == 0)
                    FailItem(new ErrorRecord(new ArgumentException($"No open backup session has id {id}."), "SessionNotFound", ErrorCategory.ObjectNotFound, id));
                else
                    FailItem(new ErrorRecord(new ArgumentException($"'{id}' is the start of {matches.Count} open session ids ({string.Join(", ", matches.Select(m => m.Id))}); give more digits."),
                        "AmbiguousSessionId", ErrorCategory.InvalidArgument, id));
            }
        }
    }
}
