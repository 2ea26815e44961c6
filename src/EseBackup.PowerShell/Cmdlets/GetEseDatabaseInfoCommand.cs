using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseDatabaseInfo: the database header as an object (eseutil /mh).</summary>
    [Cmdlet(VerbsCommon.Get, "EseDatabaseInfo", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Get-EseDatabaseInfo.md")]
    [OutputType(typeof(DatabaseHeader))]
    public sealed class GetEseDatabaseInfoCommand : EsePathCmdlet
    {
        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                foreach (var file in DatabasesOf(path))
                {
                    ReadEach(file, "InvalidDatabaseHeader", () =>
                    {
                        var header = DatabaseHeader.Read(file);
                        if (header.ReadFromShadow)
                            WriteWarning($"'{file}': the database header (page 0) is damaged; these values come from the shadow header (page 1).");
                        WriteVerbose($"'{file}': {header.State}, page size {header.PageSize}, logs required {header.RequiredLogs}.");
                        WriteObject(header);
                    });
                }
            }
        }
    }
}
