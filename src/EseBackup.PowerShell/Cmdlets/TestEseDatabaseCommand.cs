using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.Format;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>Test-EseDatabase: verifies every page checksum of a database (eseutil /k).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "EseDatabase", DefaultParameterSetName = PathSet,
        HelpUri = ProjectLinks.HelpBase + "Test-EseDatabase.md")]
    [OutputType(typeof(DatabaseVerificationResult))]
    public sealed class TestEseDatabaseCommand : EsePathCmdlet
    {
        readonly CancellationTokenSource _stop = new CancellationTokenSource();

        protected override void ProcessRecord()
        {
            // A folder is verified as the databases in it, as Get-EseDatabaseInfo reads them.
            foreach (var path in InputPaths())
                foreach (var database in DatabasesOf(path))
                    Verify(database);
        }

        void Verify(string path)
        {
            BeginItem();
            var progress = new ProgressWriter(this, "Verifying page checksums: " + System.IO.Path.GetFileName(path));
            WriteVerbose($"Verifying every page checksum of '{path}'.");
            try
            {
                var result = DatabaseVerifier.Verify(path,
                    onBadPage: bad => WriteProblem(new ErrorRecord(
                        new EseFormatException(path, EseFormatProblem.BadPageChecksum, bad.Describe(), bad.PageNumber), "BadPageChecksum", ErrorCategory.InvalidData, bad)),
                    onProgress: (done, total) => progress.Report($"{done / 1048576} of {total / 1048576} MiB", done, total),
                    cancellation: _stop.Token);
                if (!result.ShadowHeaderMatches && result.HeaderChecksumValid)
                    WriteWarning($"'{path}': the shadow header (page 1) differs from the database header (page 0).");
                WriteVerbose($"'{path}': {result.PagesChecked:N0} page(s) of {result.PageSize} bytes checked ({result.ValidPages:N0} valid, {result.UninitializedPages:N0} never written, {result.BadPageCount:N0} bad), {result.BytesRead:N0} bytes in {result.Duration.TotalSeconds:0.0} s ({result.MegabytesPerSecond:0.0} MB/s).");
                WriteObject(result);
                if (result.BadPageCount > 0 || !result.HeaderChecksumValid)
                    FailItem(new ErrorRecord(new EseFormatException(path, EseFormatProblem.BadPageChecksum, $"'{result.Path}': page checksum verification failed: {result.ProblemSummary}.", result.BadPages.FirstOrDefault()?.PageNumber),
                        "DatabaseVerificationFailed", ErrorCategory.InvalidData, result));
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: PowerShell is already stopping the pipeline.
            }
            catch (Exception ex) when (ex is EseFormatException || ex is IOException || ex is UnauthorizedAccessException)
            {
                FailItem(ex, ex is EseFormatException ? "InvalidDatabase" : "DatabaseReadFailed", path);
            }
            finally
            {
                progress.Complete();
            }
        }

        protected override void StopProcessing() => _stop.Cancel();
    }
}
