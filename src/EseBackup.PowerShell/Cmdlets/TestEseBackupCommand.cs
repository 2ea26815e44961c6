using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Test-EseBackup: verifies backup sets against their manifests (sizes, hashes, page checksums, logs, chain).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "EseBackup", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(BackupSetVerificationResult))]
    public sealed class TestEseBackupCommand : BackupSetPathCmdlet
    {
        readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Only sizes and hashes (no page checksums or log headers).</summary>
        [Parameter]
        public SwitchParameter Quick { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in InputPaths())
            {
                if (!Directory.Exists(path))
                {
                    WriteError(new ErrorRecord(new ArgumentException($"'{path}' is not a folder: name a backup set folder or a folder holding backup sets."),
                        "NotABackupSetFolder", ErrorCategory.InvalidArgument, path));
                    continue;
                }
                if (BackupSetInfo.IsSetFolder(path))
                {
                    VerifyOne(path, null);
                    continue;
                }
                var catalog = BackupSetCatalog.Scan(path);
                var sets = BackupSetInfo.List(catalog).OrderBy(s => s.Time).ToList();
                if (sets.Count == 0)
                {
                    WriteError(new ErrorRecord(new DirectoryNotFoundException($"'{path}' holds no backup sets (folders named like 20240506-070809-full with a {BackupManifest.FileName})."),
                        "NoBackupSets", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                foreach (var s in sets)
                {
                    if (Stopping) return;
                    VerifyOne(s.Path, catalog);
                }
            }
        }

        void VerifyOne(string setPath, BackupSetCatalog? catalog)
        {
            var progress = new ProgressRecord(1, Quick ? "Checking backup set hashes" : "Verifying backup set", System.IO.Path.GetFileName(setPath));
            var clock = Stopwatch.StartNew();
            long lastTick = -1;
            try
            {
                var result = BackupSetVerifier.Verify(setPath, Quick.IsPresent,
                    onProblem: p => WriteError(new ErrorRecord(new BackupSetException(p), "BackupSet" + p.Kind, ErrorCategory.InvalidData, p)),
                    onProgress: p =>
                    {
                        long tick = clock.ElapsedMilliseconds / 250;
                        if (tick == lastTick) return;
                        lastTick = tick;
                        progress.PercentComplete = p.PercentComplete;
                        progress.StatusDescription = $"{System.IO.Path.GetFileName(p.CurrentFile)}: {p.BytesDone / 1048576} of {p.BytesTotal / 1048576} MiB";
                        WriteProgress(progress);
                    },
                    cancellation: _stop.Token, catalog: catalog);
                WriteObject(result);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteEngineError(ex, "BackupSetReadFailed", setPath);
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }

        protected override void StopProcessing() => _stop.Cancel();
    }
}
