using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using EseBackup.Core.BackupSets;
using EseBackup.Core.Protocol;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// What the backup pipeline stages share: the sessions a stage holds are aborted when the stage fails,
    /// when the user presses Ctrl+C (StopProcessing), and when a later stage fails or stops the pipeline
    /// (the exception then surfaces from WriteObject). No backup logic here.
    /// </summary>
    public abstract class BackupSessionCmdlet : EseCmdlet
    {
        private readonly List<BackupSession> _held = new List<BackupSession>();
        private readonly object _heldGate = new object();

        /// <summary>Cancelled on Ctrl+C.</summary>
        protected CancellationTokenSource Cancellation { get; } = new CancellationTokenSource();

        protected override void BeginProcessing()
        {
            WarnIdleAborted(this);
            base.BeginProcessing();
        }

        /// <summary>Sessions the idle timer aborted since the module last spoke: a warning each (the timer thread has no pipeline).</summary>
        internal static void WarnIdleAborted(Cmdlet cmdlet)
        {
            foreach (var s in BackupSessionRegistry.TakeIdleAborted())
                cmdlet.WriteWarning($"The {s.Kind.ToString().ToLowerInvariant()} backup of '{s.SourceKey}' was aborted: {s.AbortReason}.");
        }

        /// <summary>
        /// Marks a session as this stage's responsibility until it is released or the stage ends. A held
        /// session is in use: its idle timeout does not run meanwhile.
        /// </summary>
        protected void Hold(BackupSession session)
        {
            lock (_heldGate)
            {
                if (_held.Contains(session)) return;
                _held.Add(session);
            }
            session.BeginActivity();
        }

        /// <summary>What the source left out and why it matters (a damaged or foreign log beside the ones backed up): shown, not only noted in the manifest.</summary>
        protected void WriteSourceWarnings(BackupSession session)
        {
            if (session.Source is Core.Sources.SnapshotSource snapshot)
                foreach (var warning in snapshot.Warnings) WriteWarning(warning);
        }

        /// <summary>-Verbose, once the files are read: what the backup chose (databases, log range) and why.</summary>
        protected void WriteChoiceVerbose(BackupSession session)
        {
            WriteVerbose($"Read for the {session.Kind.ToString().ToLowerInvariant()} backup of '{session.SourceKey}' (session {session.Id}): database(s) {string.Join(", ", session.Databases)}; {session.FilesRead} file(s), {session.BytesRead:N0} bytes.");
            var logs = session.Logs;
            if (logs != null)
                WriteVerbose(logs.HighGeneration > 0
                    ? $"Logs of base name '{logs.BaseName}': generations {logs.LowGeneration}-{logs.HighGeneration} ({logs.Files.Count} file(s)), from the oldest generation a database needs through the newest present."
                    : "No logs are needed or present.");
        }

        /// <summary>-Verbose: the committed set (parent, files, bytes, throughput) and what its source left out.</summary>
        protected void WriteSetVerbose(BackupSet set, BackupSession session)
        {
            var seconds = ((session.EndTime ?? DateTime.UtcNow) - session.StartTime).TotalSeconds;
            var rate = seconds > 0 ? set.TotalBytes / 1048576.0 / seconds : 0;
            if (set.ParentSetId != null) WriteVerbose($"Incremental set builds on set {set.ParentSetId} (chain {set.ChainId}).");
            WriteVerbose($"Committed '{set.Path}': {set.Files.Count} file(s), {set.TotalBytes:N0} bytes in {seconds:0.0} s ({rate:0.0} MiB/s), logs {set.LogGenerationLow}-{set.LogGenerationHigh}.");
            foreach (var note in set.GetManifest().Notes) WriteVerbose("Left out: " + note);
        }

        protected void Release(BackupSession session)
        {
            bool held;
            lock (_heldGate) held = _held.Remove(session);
            if (held) session.EndActivity();
        }

        /// <summary>Emits a session; if a later stage fails or stops the pipeline meanwhile, the session is aborted.</summary>
        protected void EmitSession(BackupSession session)
        {
            try
            {
                WriteObject(session);
            }
            catch (Exception)
            {
                session.Abort("A later stage of the pipeline failed or stopped the pipeline.");
                throw;
            }
        }

        /// <summary>Ctrl+C: cancel the copy and abort every session this stage holds.</summary>
        protected override void StopProcessing()
        {
            Cancellation.Cancel();
            AbortHeld("The pipeline was stopped (Ctrl+C or a downstream command stopped it).");
            base.StopProcessing();
        }

        protected void AbortHeld(string reason)
        {
            List<BackupSession> held;
            lock (_heldGate)
            {
                held = new List<BackupSession>(_held);
                _held.Clear();
            }
            foreach (var s in held)
            {
                s.Abort(reason);
                s.EndActivity();
            }
        }

        /// <summary>An ErrorRecord for a backup failure: the JET error name as id, the failing file as target.</summary>
        protected static ErrorRecord BackupError(Exception ex, object? target)
        {
            if (ex is JetException jet)
                return new ErrorRecord(jet, jet.ErrorName, CategoryOf(jet.Error), (object?)jet.FilePath ?? target);
            if (ex is BackupDestinationException dest)
                return new ErrorRecord(dest, "BackupDestinationFailed", ErrorCategory.WriteError, dest.Path);
            return ToErrorRecord(ex, ex.GetType().Name, target);
        }

        /// <summary>Write-Progress for a copy: bytes and files, percent and time remaining when the total is known; a new record each time.</summary>
        protected IProgress<BackupProgress> ProgressReporter(string activity, int activityId = 1)
        {
            var writer = new ProgressWriter(this, activity, activityId);
            return new InlineProgress(p =>
            {
                var status = p.FilesTotal >= 0
                    ? $"{Mib(p.BytesDone)} of {Mib(p.BytesTotal)} MiB, file {Math.Min(p.FilesDone + 1, Math.Max(p.FilesTotal, 1))} of {p.FilesTotal}"
                    : $"{Mib(p.BytesDone)} MiB, {p.FilesDone} file(s) done";
                writer.Report(status, p.BytesDone, p.FilesTotal >= 0 ? p.BytesTotal : 0,
                    $"{System.IO.Path.GetFileName(p.CurrentFile)}: {Mib(p.CurrentFileBytes)} of {Mib(p.CurrentFileSize)} MiB", force: true);
            });
        }

        protected void CompleteProgress(string activity, int activityId = 1) => new ProgressWriter(this, activity, activityId).Complete();

        private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Reports on the pipeline thread that copies (Write-Progress must come from it).</summary>
        private sealed class InlineProgress : IProgress<BackupProgress>
        {
            private readonly Action<BackupProgress> _report;
            private DateTime _last = DateTime.MinValue;

            public InlineProgress(Action<BackupProgress> report) => _report = report;

            public void Report(BackupProgress value)
            {
                // Progress is drawn a few times a second at most; drawing per chunk would slow the copy.
                var now = DateTime.UtcNow;
                if ((now - _last).TotalMilliseconds < 200 && value.CurrentFileBytes < value.CurrentFileSize) return;
                _last = now;
                _report(value);
            }
        }
    }
}
