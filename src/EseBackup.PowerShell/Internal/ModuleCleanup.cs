using System.Management.Automation;
using EseBackup.Core.Protocol;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Remove-Module ends every backup session still open in this process (a Start or Read never followed
    /// by Stop): a forgotten session must not keep a source in backup mode.
    /// </summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            BackupSessionRegistry.AbortAll("The EseBackup module was removed.");
        }
    }
}
