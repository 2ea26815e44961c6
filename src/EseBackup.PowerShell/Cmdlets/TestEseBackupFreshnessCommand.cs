using System;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>
    /// Test-EseBackupFreshness: is there a complete full backup younger than -MaxAge at -Destination?
    /// Returns $true/$false (the Test of a DSC resource or a monitoring probe); -Detailed gives the reason.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EseBackupFreshness",
        HelpUri = ProjectLinks.HelpBase + "Test-EseBackupFreshness.md")]
    [OutputType(typeof(bool), typeof(BackupFreshnessResult))]
    public sealed class TestEseBackupFreshnessCommand : EseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [PathArgument]
        public string Destination { get; set; } = "";

        /// <summary>A TimeSpan, or text such as '24h' or '7d' (AgeText); at least a second.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [AgeArgument]
        public TimeSpan MaxAge { get; set; }

        /// <summary>Only full backups of this source folder count.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        [PathArgument]
        public string? SourcePath { get; set; }

        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override void ProcessRecord()
        {
            var result = BackupFreshness.Evaluate(ResolveNewPath(Destination), MaxAge, SourcePath == null ? null : ResolveNewPath(SourcePath));
            WriteVerbose(result.Reason);
            if (Detailed) WriteObject(result);
            else WriteObject(result.IsCurrent);
        }
    }
}
