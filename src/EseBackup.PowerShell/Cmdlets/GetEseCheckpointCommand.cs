using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseCheckpoint: the checkpoint file (eseutil /mk), with the newest log generation beside it.</summary>
    [Cmdlet(VerbsCommon.Get, "EseCheckpoint", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CheckpointHeader))]
    public sealed class GetEseCheckpointCommand : EseCmdlet
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
                var files = Directory.Exists(path)
                    ? Directory.EnumerateFiles(path, "*.chk").Where(LogFileName.IsCheckpointName).OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToList()
                    : new[] { path }.ToList();
                if (files.Count == 0)
                {
                    WriteError(new ErrorRecord(new FileNotFoundException($"The folder '{path}' holds no ESE checkpoint file (*.chk)."), "NoCheckpointInFolder", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                foreach (var file in files)
                {
                    try
                    {
                        var checkpoint = CheckpointHeader.Read(file);
                        checkpoint.NewestLogGeneration = NewestLogBeside(file, checkpoint);
                        WriteObject(checkpoint);
                    }
                    catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
                    {
                        WriteEngineError(ex, "InvalidCheckpoint", file);
                    }
                }
            }
        }

        static long? NewestLogBeside(string checkpointPath, CheckpointHeader checkpoint)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(checkpointPath))!;
            var baseName = System.IO.Path.GetFileNameWithoutExtension(checkpointPath);
            var logs = LogSequence.Scan(folder, baseName).Logs.Where(l => l.LogSignature.Equals(checkpoint.LogSignature)).ToList();
            return logs.Count == 0 ? (long?)null : logs.Max(l => l.Generation);
        }
    }
}
