using System;
using System.Collections.Generic;
using System.Linq;

namespace EseBackup.Core.Protocol
{
    /// <summary>
    /// Every open backup session in this process, keyed by its source. It is what makes a second backup of
    /// the same source fail with JET_errBackupInProgress, what Get-EseBackupSession lists, and what the
    /// module aborts when it is removed or the process exits, so a forgotten session never stays open.
    /// </summary>
    public static class BackupSessionRegistry
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, BackupSession> BySource = new Dictionary<string, BackupSession>(BackupSession.PathComparer);
        private static readonly Queue<BackupSession> IdleAborted = new Queue<BackupSession>();
        private const int IdleAbortedKept = 100;

        static BackupSessionRegistry()
        {
            // A process that exits with a session open still ends it (snapshot sources release their files).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => AbortAll("The process is exiting.");
        }

        /// <summary>The sessions open now, oldest first.</summary>
        public static IReadOnlyList<BackupSession> OpenSessions
        {
            get { lock (Gate) return BySource.Values.OrderBy(s => s.StartTime).ToList(); }
        }

        public static BackupSession? Find(Guid id)
        {
            lock (Gate) return BySource.Values.FirstOrDefault(s => s.Id == id);
        }

        /// <summary>Aborts every open session; returns how many were aborted.</summary>
        public static int AbortAll(string reason)
        {
            var open = OpenSessions;
            foreach (var s in open) s.Abort(reason);
            return open.Count;
        }

        /// <summary>
        /// Sessions aborted for idleness since the last call. The abort happens on a timer thread, where no
        /// pipeline can hear of it; the module's next command reports each one once as a warning.
        /// </summary>
        public static IReadOnlyList<BackupSession> TakeIdleAborted()
        {
            lock (Gate)
            {
                var list = IdleAborted.ToList();
                IdleAborted.Clear();
                return list;
            }
        }

        internal static void NoteIdleAbort(BackupSession session)
        {
            lock (Gate)
            {
                IdleAborted.Enqueue(session);
                if (IdleAborted.Count > IdleAbortedKept) IdleAborted.Dequeue();
            }
        }

        internal static void Register(BackupSession session)
        {
            lock (Gate)
            {
                if (BySource.TryGetValue(session.SourceKey, out var existing))
                {
                    throw new JetException(JetError.JET_errBackupInProgress,
                        $"{existing.Kind} backup of '{session.SourceKey}' is already in progress (session {existing.Id}, started {existing.StartTime:u}); end or abort it first.",
                        session.SourceKey);
                }
                BySource.Add(session.SourceKey, session);
            }
        }

        internal static void Unregister(BackupSession session)
        {
            lock (Gate)
            {
                if (BySource.TryGetValue(session.SourceKey, out var existing) && ReferenceEquals(existing, session))
                    BySource.Remove(session.SourceKey);
            }
        }
    }
}
