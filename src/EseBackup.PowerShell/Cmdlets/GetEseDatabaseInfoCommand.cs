using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseDatabaseInfo: the database header as an object (eseutil /mh).</summary>
    [Cmdlet(VerbsCommon.Get, "EseDatabaseInfo", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DatabaseHeader))]
    public sealed class GetEseDatabaseInfoCommand : EseCmdlet
    {
        const string PathSet = "Path";
        const string LiteralSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            foreach (var path in ResolveInputPaths(ParameterSetName == PathSet ? Path : null, ParameterSetName == LiteralSet ? LiteralPath : null))
            {
                // A folder gives every database in it (a service's data folder, a snapshot, a backup set).
                var files = Directory.Exists(path)
                    ? Directory.EnumerateFiles(path).Where(f => EseFileDetector.Detect(f) == EseFileKind.Database).OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToList()
                    : new[] { path }.ToList();
                if (files.Count == 0)
                {
                    WriteError(new ErrorRecord(new FileNotFoundException($"The folder '{path}' holds no ESE database."), "NoDatabaseInFolder", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                foreach (var file in files)
                {
                    try
                    {
                        var header = DatabaseHeader.Read(file);
                        if (header.ReadFromShadow)
                            WriteWarning($"'{file}': the database header (page 0) is damaged; these values come from the shadow header (page 1).");
                        WriteObject(header);
                    }
                    catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
                    {
                        WriteEngineError(ex, "InvalidDatabaseHeader", file);
                    }
                }
            }
        }
    }
}
