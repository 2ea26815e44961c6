using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Get-EseCheckpoint: the checkpoint file (eseutil /mk), with the newest log generation beside it.</summary>
    [Cmdlet(VerbsCommon.Get, "EseCheckpoint", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Get-EseCheckpoint.md")]
    [OutputType(typeof(CheckpointHeader))]
    public sealed class GetEseCheckpointCommand : EsePathCmdlet
    {
        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                foreach (var file in FilesOf(path, LogFileName.IsCheckpointName, "ESE checkpoint file (*.chk)", "NoCheckpointInFolder"))
                {
                    ReadEach(file, "InvalidCheckpoint", () =>
                    {
                        var checkpoint = CheckpointHeader.Read(file);
                        checkpoint.NewestLogGeneration = NewestLogBeside(file, checkpoint);
                        WriteObject(checkpoint);
                    });
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
