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
    /// (FileInfo binds by FullName/PSPath). Each file's failure is a non-terminating error naming it.
    /// </summary>
    public abstract class EsePathCmdlet : EseCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EseFileCompleter))]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ArgumentCompleter(typeof(EseFileCompleter))]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>The resolved file-system paths of this pipeline record.</summary>
        protected IEnumerable<string> InputPaths() =>
            ResolveInputPaths(ParameterSetName == PathSet ? Path : null, ParameterSetName == LiteralSet ? LiteralPath : null);

        /// <summary>A file as itself; a folder as the files in it that <paramref name="belongs"/> accepts (an error when none does).</summary>
        protected IReadOnlyList<string> FilesOf(string path, Func<string, bool> belongs, string what, string errorId)
        {
            if (!Directory.Exists(path)) return new[] { path };
            var files = Directory.EnumerateFiles(path).Where(belongs).OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToList();
            if (files.Count == 0)
                WriteError(new ErrorRecord(new FileNotFoundException($"The folder '{path}' holds no {what}."), errorId, ErrorCategory.ObjectNotFound, path));
            return files;
        }

        /// <summary>Runs a read of one file; a format or I/O failure becomes an error about that file and the next file goes on.</summary>
        protected void ReadEach(string file, string errorId, Action read)
        {
            try
            {
                read();
            }
            catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteEngineError(ex, errorId, file);
            }
        }
    }
}
