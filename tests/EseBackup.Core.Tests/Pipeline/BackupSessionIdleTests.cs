using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;
using Xunit;

namespace EseBackup.Core.Tests.Pipeline
{
    /// <summary>
    /// A session nobody touches for its idle timeout is aborted (the source really ends with abort), a stage
    /// at work keeps it alive, and the abort never starts under a running read. A fake monotonic clock drives
    /// the state machine; one test lets the real timer fire.
    /// </summary>
    [Collection("BackupSessions")]
    public sealed class BackupSessionIdleTests : TempFolderTest
    {
        static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
        TimeSpan now = TimeSpan.FromHours(1);

        public BackupSessionIdleTests() : base("idle")
        {
            var spec = new DatabaseFolderSpec();
            spec.Database.PageCount = 64;
            spec.Logs.FirstGeneration = 1;
            spec.Logs.LastGeneration = 3;
            spec.Logs.LogFileSize = 128 * 1024;
            spec.Logs.ReserveLogCount = 0;
            EseFixtureWriter.WriteDatabaseFolder(Dir, spec);
            BackupSessionRegistry.TakeIdleAborted();
        }

        BackupSession BeginWithFakeClock(SnapshotSource source)
        {
            var session = BackupSession.Begin(source, BackupKind.Full);
            session.ArmIdleTimeout(Timeout, () => now, startTimer: false);
            return session;
        }

        [Fact]
        public void An_untouched_session_is_aborted_after_its_timeout_and_its_source_leaves_backup_mode()
        {
            var source = new SnapshotSource(Dir);
            using var session = BeginWithFakeClock(source);

            now += Timeout - TimeSpan.FromSeconds(1);
            Assert.Equal(TimeSpan.FromSeconds(1), session.CheckIdle());
            Assert.Equal(Timeout - TimeSpan.FromSeconds(1), session.IdleTime);
            Assert.True(session.IsOpen);

            now += TimeSpan.FromSeconds(1);
            Assert.Null(session.CheckIdle());
            Assert.Equal(BackupSessionState.Aborted, session.State);
            Assert.True(session.AbortedForIdleness);
            Assert.Contains(session.Id.ToString(), session.AbortReason);
            Assert.Contains("idle", session.AbortReason);
            Assert.Equal(TimeSpan.Zero, session.IdleTime);

            // The source was ended with abort: it is out of backup mode, and the folder can be backed up again.
            Assert.Equal(JetError.JET_errNoBackup, Assert.Throws<JetException>(() => source.GetLogInfo()).Error);
            Assert.DoesNotContain(BackupSessionRegistry.OpenSessions, s => s.Id == session.Id);
            using (var again = BackupSession.Begin(new SnapshotSource(Dir), BackupKind.Full)) Assert.True(again.IsOpen);

            // Reported once for the module's warning; a stage touching the session learns why it ended.
            Assert.Equal(session.Id, Assert.Single(BackupSessionRegistry.TakeIdleAborted()).Id);
            Assert.Empty(BackupSessionRegistry.TakeIdleAborted());
            var ex = Assert.Throws<JetException>(() => session.GetAttachInfo());
            Assert.Equal(JetError.JET_errNoBackup, ex.Error);
            Assert.Contains($"backup session {session.Id} was idle", ex.Message);
        }

        [Fact]
        public void Every_protocol_call_counts_as_use()
        {
            using var session = BeginWithFakeClock(new SnapshotSource(Dir));
            now += Timeout - TimeSpan.FromMinutes(1);
            var databases = session.GetAttachInfo();
            Assert.Equal(TimeSpan.Zero, session.IdleTime);

            now += Timeout - TimeSpan.FromMinutes(1);
            var file = session.OpenFile(databases[0]);
            now += Timeout - TimeSpan.FromMinutes(1);
            session.ReadFile(file, new byte[64 * 1024], 0, 64 * 1024);
            now += Timeout - TimeSpan.FromMinutes(1);
            session.CloseFile(file);
            now += Timeout - TimeSpan.FromMinutes(1);
            Assert.Equal(TimeSpan.FromMinutes(1), session.CheckIdle());
            Assert.True(session.IsOpen);

            // Even a call refused for its order is a stage touching the session.
            Assert.Throws<JetException>(() => session.End());
            now += TimeSpan.FromMinutes(5);
            Assert.Equal(TimeSpan.FromMinutes(5), session.CheckIdle());
        }

        [Fact]
        public void A_stage_at_work_keeps_the_session_alive_and_idle_counts_from_when_it_finishes()
        {
            using var session = BeginWithFakeClock(new SnapshotSource(Dir));
            session.BeginActivity();
            session.BeginActivity(); // two stages of one pipeline hold it
            now += TimeSpan.FromHours(5);
            Assert.Equal(Timeout, session.CheckIdle());
            Assert.Equal(TimeSpan.Zero, session.IdleTime);
            session.EndActivity();
            now += TimeSpan.FromHours(5);
            Assert.NotNull(session.CheckIdle());
            session.EndActivity();

            now += Timeout - TimeSpan.FromTicks(1);
            Assert.True(session.CheckIdle() > TimeSpan.Zero);
            now += TimeSpan.FromTicks(1);
            Assert.Null(session.CheckIdle());
            Assert.True(session.AbortedForIdleness);
        }

        [Fact]
        public void A_clock_going_backwards_neither_aborts_nor_shows_negative_idle_time()
        {
            using var session = BeginWithFakeClock(new SnapshotSource(Dir));
            now -= TimeSpan.FromHours(3);
            Assert.Equal(TimeSpan.Zero, session.IdleTime);
            Assert.True(session.CheckIdle() > Timeout);
            Assert.True(session.IsOpen);
        }

        [Fact]
        public void A_session_ended_otherwise_is_never_reported_as_idle_aborted()
        {
            var session = BeginWithFakeClock(new SnapshotSource(Dir));
            session.Abort("Stopped by the test.");
            now += TimeSpan.FromDays(1);
            Assert.Null(session.CheckIdle());
            Assert.False(session.AbortedForIdleness);
            Assert.Equal("Stopped by the test.", session.AbortReason);
            Assert.Empty(BackupSessionRegistry.TakeIdleAborted());
        }

        [Fact]
        public void The_idle_abort_never_starts_while_a_read_is_running()
        {
            // Every look at the clock is a whole timeout later than the one before, so the checker aborts as soon
            // as no read is in progress. A read either runs to its end or is refused, before it touches the
            // source, with the idle error; never a read of a file the abort closed underneath it.
            for (int round = 0; round < 20; round++)
            {
                long ticks = 0;
                var session = BackupSession.Begin(new SnapshotSource(Dir), BackupKind.Full);
                var databases = session.GetAttachInfo();
                var file = session.OpenFile(databases[0]);
                session.ArmIdleTimeout(Timeout, () => TimeSpan.FromTicks(Interlocked.Add(ref ticks, Timeout.Ticks)), startTimer: false);
                int reads = 0;
                using var start = new Barrier(2);
                var reader = Task.Run(() =>
                {
                    var buffer = new byte[8192];
                    start.SignalAndWait();
                    while (true)
                    {
                        if (session.ReadFile(file, buffer, 0, buffer.Length) == 0)
                        {
                            // Start over on the same file until the checker wins.
                            session.CloseFile(file);
                            file = session.OpenFile(databases[0]);
                        }
                        reads++;
                    }
                });
                start.SignalAndWait();
                while (session.CheckIdle() != null) { }
                var ex = Assert.Throws<AggregateException>(() => reader.Wait(TimeSpan.FromSeconds(30))).InnerException;
                var jet = Assert.IsType<JetException>(ex);
                Assert.Equal(JetError.JET_errNoBackup, jet.Error);
                Assert.Contains("idle", jet.Message);
                Assert.True(session.AbortedForIdleness);
                BackupSessionRegistry.TakeIdleAborted();
            }
        }

        [Fact]
        public void The_timer_aborts_an_untouched_session_on_its_own()
        {
            var source = new SnapshotSource(Dir);
            var session = BackupSession.Begin(source, BackupKind.Full);
            using var ended = new ManualResetEventSlim();
            session.Ended += (_, _) => ended.Set();
            session.SetIdleTimeout(TimeSpan.FromMilliseconds(200));
            Assert.True(ended.Wait(TimeSpan.FromSeconds(30)), "the idle timer never aborted the session");
            Assert.True(session.AbortedForIdleness);
            Assert.Equal(JetError.JET_errNoBackup, Assert.Throws<JetException>(() => source.GetLogInfo()).Error);
            Assert.Contains(BackupSessionRegistry.TakeIdleAborted(), s => s.Id == session.Id);
        }

        [Fact]
        public void A_timeout_beyond_the_timer_limit_is_accepted_and_a_non_positive_one_refused()
        {
            using var session = BackupSession.Begin(new SnapshotSource(Dir), BackupKind.Full);
            session.SetIdleTimeout(TimeSpan.FromDays(400));
            Assert.Equal(TimeSpan.FromDays(400), session.IdleTimeout);
            Assert.Throws<ArgumentOutOfRangeException>(() => session.SetIdleTimeout(TimeSpan.Zero));
            Assert.True(session.IsOpen);
        }
    }
}
