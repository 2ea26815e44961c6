using System;
using System.IO;
using System.Management.Automation;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseBackupSet: the backup sets in a folder (complete and incomplete), newest first.</summary>
    [Cmdlet(VerbsCommon.Get, "EseBackupSet", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Get-EseBackupSet.md")]
    [OutputType(typeof(BackupSetInfo))]
    public sealed class GetEseBackupSetCommand : BackupSetPathCmdlet
    {

        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                if (!IsFolderItem(path, "a backup destination folder or a backup set folder")) continue;
                BeginItem();
                try
                {
                    foreach (var set in BackupSetInfo.List(path))
                    {
                        if (set.IsUnreadable) WriteWarning($"Backup set '{set.Path}' cannot be read: {set.Reason}");
                        WriteObject(set);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    FailItem(ex, "BackupSetListFailed", path);
                }
            }
        }
    }
}
