using System;
using System.Diagnostics;
using System.Management.Automation;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Write-Progress for one activity: a new ProgressRecord for every update (a host, a transcript or
    /// Receive-Job that keeps the records keeps each state, not the last one N times), at most four a second,
    /// with the time remaining estimated from the rate so far. Call from the pipeline thread.
    /// </summary>
    public sealed class ProgressWriter
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastTick = -1;

        public ProgressWriter(Cmdlet cmdlet, string activity, int activityId = 1)
        {
            _cmdlet = cmdlet;
            _activity = activity;
            _activityId = activityId;
        }

        /// <summary>Reports <paramref name="done"/> of <paramref name="total"/> bytes (total 0 or less: unknown).</summary>
        public void Report(string status, long done, long total, string? currentOperation = null, bool force = false)
        {
            long tick = _clock.ElapsedMilliseconds / 250;
            if (tick == _lastTick && !force) return;
            _lastTick = tick;
            var record = new ProgressRecord(_activityId, _activity, string.IsNullOrEmpty(status) ? " " : status)
            {
                PercentComplete = total > 0 ? (int)Math.Min(100, Math.Max(0, done * 100 / total)) : -1,
                SecondsRemaining = SecondsRemaining(done, total, _clock.Elapsed),
            };
            if (!string.IsNullOrEmpty(currentOperation)) record.CurrentOperation = currentOperation;
            _cmdlet.WriteProgress(record);
        }

        /// <summary>Ends the activity (a completed record, also new).</summary>
        public void Complete() =>
            _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });

        /// <summary>Seconds left at the rate so far; -1 (unknown) before a second has passed or a byte was done.</summary>
        public static int SecondsRemaining(long done, long total, TimeSpan elapsed)
        {
            if (total <= 0 || done <= 0 || elapsed.TotalSeconds < 1 || done >= total) return -1;
            var rate = done / elapsed.TotalSeconds;
            var seconds = (total - done) / rate;
            return seconds > int.MaxValue ? int.MaxValue : (int)Math.Ceiling(seconds);
        }
    }
}
