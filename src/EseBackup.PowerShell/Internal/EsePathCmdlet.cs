using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Completion;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// A cmdlet that reads ESE files named by -Path (wildcards) or -LiteralPath, from the pipeline too
    /// (FileInfo binds by FullName/PSPath). Each file is an item of the failure contract (EseCmdlet): one
    /// file that fails is a terminating error, a failing file among several a non-terminating one naming it.
    /// </summary>
    public abstract class EsePathCmdlet : EseCmdlet
    {
        protected const string PathSet = "Path";

        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseFileCompleter))]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias(PathAlias.PSPath, PathAlias.FullName, PathAlias.LP)]
        [ValidateNotNullOrEmpty]
        [PathArgument]
        [ArgumentCompleter(typeof(EseFileCompleter))]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The resolved file-system paths of this pipeline record.</summary>
        protected IEnumerable<string> InputPaths() => ResolvePathParameters(Path, LiteralPath);

        /// <summary>A file as itself; a folder as the files in it that <paramref name="belongs"/> accepts (an error when none does).</summary>
        protected IReadOnlyList<string> FilesOf(string path, Func<string, bool> belongs, string what, string errorId)
        {
            if (!Directory.Exists(path)) return new[] { path };
            var files = Directory.EnumerateFiles(path).Where(belongs).OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToList();
            if (files.Count == 0)
            {
                BeginItem();
                FailItem(new ErrorRecord(new FileNotFoundException($"The folder '{path}' holds no {what}."), errorId, ErrorCategory.ObjectNotFound, path));
            }
            else
            {
                WriteVerbose($"'{path}' is a folder: {files.Count} {what} in it ({string.Join(", ", files.Select(System.IO.Path.GetFileName))}).");
            }
            return files;
        }

        /// <summary>A database file as itself; a folder as the ESE databases in it (a service's data folder, a snapshot, a backup set).</summary>
        protected IReadOnlyList<string> DatabasesOf(string path) =>
            FilesOf(path, f => EseFileDetector.Detect(f) == EseFileKind.Database, "ESE database(s)", "NoDatabaseInFolder");

        /// <summary>Reads one file as one item; a format or I/O failure fails that item, naming the file.</summary>
        protected void ReadEach(string file, string errorId, Action read)
        {
            BeginItem();
            try
            {
                read();
            }
            catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                FailItem(ex, errorId, file);
            }
        }
    }
}
