using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Test-EseBackup: verifies backup sets against their manifests (sizes, hashes, page checksums, logs, chain).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "EseBackup", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Test-EseBackup.md")]
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
                if (!IsFolderItem(path, "a backup set folder or a folder holding backup sets")) continue;
                if (BackupSetInfo.IsSetFolder(path))
                {
                    VerifyOne(path, null);
                    continue;
                }
                var catalog = BackupSetCatalog.Scan(path);
                var sets = BackupSetInfo.List(catalog).OrderBy(s => s.Time).ToList();
                if (sets.Count == 0)
                {
                    BeginItem();
                    FailItem(new ErrorRecord(new DirectoryNotFoundException($"'{path}' holds no backup sets (folders named like 20240506-070809Z-full with a {BackupManifest.FileName})."),
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
            BeginItem();
            var progress = new ProgressWriter(this, (Quick ? "Checking backup set hashes: " : "Verifying backup set: ") + System.IO.Path.GetFileName(setPath));
            WriteVerbose($"Verifying '{setPath}'{(Quick ? " (-Quick: sizes and hashes only)" : ": sizes, hashes, page checksums, log headers and the chain")}.");
            try
            {
                var result = BackupSetVerifier.Verify(setPath, Quick.IsPresent,
                    onProblem: p => WriteProblem(new ErrorRecord(new BackupSetException(p), "BackupSet" + p.Kind, ErrorCategory.InvalidData, p)),
                    onProgress: p => progress.Report($"{System.IO.Path.GetFileName(p.CurrentFile)}: {p.BytesDone / 1048576} of {p.BytesTotal / 1048576} MiB", p.BytesDone, p.BytesTotal),
                    cancellation: _stop.Token, catalog: catalog);
                WriteVerbose($"'{result.Name}': {result.FilesChecked} file(s), {result.BytesChecked:N0} bytes, {result.PagesChecked:N0} page(s) checked in {result.Duration.TotalSeconds:0.0} s ({result.MegabytesPerSecond:0.0} MB/s); {(result.IsValid ? "valid" : $"{result.Problems.Count} problem(s)")}.");
                WriteObject(result);
                if (!result.IsValid)
                    FailItem(new ErrorRecord(new BackupSetException(new BackupSetProblem(result.Problems[0].Kind, setPath, result.Problems[0].File, Summary(result))),
                        "BackupSetVerificationFailed", ErrorCategory.InvalidData, result));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                FailItem(ex, "BackupSetReadFailed", setPath);
            }
            finally
            {
                progress.Complete();
            }
        }

        /// <summary>One line for a set that failed verification: how many problems, and the first.</summary>
        static string Summary(BackupSetVerificationResult result) =>
            $"Backup set '{result.Path}' failed verification with {result.Problems.Count} problem(s); the first: {result.Problems[0].Message}";

        protected override void StopProcessing() => _stop.Cancel();
    }
}
