using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using EseBackup.Core.BackupSets.Stores;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets
{
    /// <summary>
    /// A lease on a folder the module is writing (a set in progress, a set a running backup builds on, a
    /// restore destination): a small file held open with an operating-system lock for as long as the work
    /// runs. The lock dies with the process (Linux/macOS: the flock .NET takes for FileShare.None; Windows:
    /// the handle's share mode), so a lease left by a killed process is detectably stale: it can be taken
    /// over, and nothing stays locked forever. Releasing marks the file released, deletes it, then drops the
    /// lock, so a process that opened the file just before the delete sees the mark and starts again
    /// instead of holding a lock on a name that no longer exists.
    /// </summary>
    public sealed class FolderLease : IStoreLease
    {
        /// <summary>The lease of a set folder is a file beside it: "." + set name + this suffix.</summary>
        public const string Suffix = ".lease";

        /// <summary>The lease of a restore destination, inside the destination.</summary>
        public const string RestoreLeaseName = ".esebackup-restore" + Suffix;

        private const string ReleasedMark = "released";
        private static readonly TimeSpan ProbeRetry = TimeSpan.FromMilliseconds(20);

        // On Windows the holder must allow delete so that it can remove its own lease; every other open is
        // refused by the share mode. On Unix anything but FileShare.None makes .NET take a shared flock.
        private static readonly FileShare HolderShare =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? FileShare.Delete : FileShare.None;

        private FileStream? _stream;

        private FolderLease(string path, FileStream stream)
        {
            LeasePath = path;
            _stream = stream;
        }

        /// <summary>The lease file.</summary>
        public string LeasePath { get; }

        string IStoreLease.Location => LeasePath;

        /// <summary>The lease file of the set folder <paramref name="setPath"/>.</summary>
        public static string PathForSet(string setPath)
        {
            var trimmed = setPath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            return Path.Combine(Path.GetDirectoryName(trimmed) ?? trimmed, "." + Path.GetFileName(trimmed) + Suffix);
        }

        /// <summary>True for the names of lease files: listings and verification skip them.</summary>
        public static bool IsLeaseFileName(string name) =>
            name.StartsWith(".", StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Creates the lease file, failing when any entry of that name exists (a live or stale lease, a
        /// link): the atomic claim of a new name. Null when the name is taken.
        /// </summary>
        public static FolderLease? TryClaimNew(string leasePath)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(leasePath, FileMode.CreateNew, FileAccess.ReadWrite, HolderShare);
            }
            catch (IOException ex) when (IsAlreadyExists(ex) || Exists(leasePath))
            {
                // Taken, even when its holder released and deleted it before we looked (a claim loop of another process
                // goes that fast); a lock race with a prober on the file we just created also lands here: the name is not ours.
                return null;
            }
            return Stamp(leasePath, stream);
        }

        /// <summary>
        /// Takes the lease, creating the file or taking over a stale one. Null when a live process holds it
        /// (after retrying for <paramref name="wait"/>, so that a short probe by another process does not count).
        /// Throws when the lease path is not a regular file (a link or folder planted there).
        /// </summary>
        public static FolderLease? TryAcquire(string leasePath, TimeSpan wait = default)
        {
            var deadline = DateTime.UtcNow + (wait < ProbeRetry ? ProbeRetry + ProbeRetry : wait);
            int releasedSeen = 0;
            while (true)
            {
                RefuseNonRegular(leasePath);
                FileStream? stream = null;
                try
                {
                    stream = new FileStream(leasePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, HolderShare);
                }
                catch (Exception ex) when (IsHeldError(ex))
                {
                    if (DateTime.UtcNow >= deadline) return null;
                    Thread.Sleep(ProbeRetry);
                    continue;
                }
                if (WasReleased(stream) && ++releasedSeen < 3)
                {
                    // We locked a file its holder had just released and deleted: open the name again. Seen again and
                    // again under the same name, it is the file of a holder killed between the mark and the delete: ours.
                    stream.Dispose();
                    Thread.Sleep(ProbeRetry);
                    continue;
                }
                return Stamp(leasePath, stream);
            }
        }

        /// <summary>
        /// True when a live process holds the lease at <paramref name="leasePath"/>; false when there is no lease
        /// or it is stale. Changes nothing (a stale file stays until someone takes the lease).
        /// </summary>
        public static bool IsHeld(string leasePath)
        {
            if (!File.Exists(leasePath)) return false;
            // A FIFO or device named like a lease would block the probe's open: never opened, counted as held (the set is kept).
            if (RegularFile.IsSpecial(RegularFile.KindOf(leasePath))) return true;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    using (new FileStream(leasePath, FileMode.Open, FileAccess.Read, HolderShare)) return false;
                }
                catch (FileNotFoundException) { return false; }
                catch (DirectoryNotFoundException) { return false; }
                catch (Exception ex) when (IsHeldError(ex))
                {
                    // Another prober may hold it for an instant; a holder keeps it.
                    Thread.Sleep(ProbeRetry);
                }
            }
            return true;
        }

        /// <summary>Marks the lease released, deletes its file and drops the lock.</summary>
        public void Dispose()
        {
            var stream = Interlocked.Exchange(ref _stream, null);
            if (stream == null) return;
            try
            {
                stream.SetLength(0);
                var mark = Encoding.ASCII.GetBytes(ReleasedMark);
                stream.Write(mark, 0, mark.Length);
                stream.Flush();
                File.Delete(LeasePath);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // The lock still goes with the handle; a file left behind is a stale lease the next taker reuses.
            }
            finally
            {
                stream.Dispose();
            }
        }

        public override string ToString() => LeasePath;

        private static FolderLease Stamp(string path, FileStream stream)
        {
            try
            {
                // For a person looking at a stale lease: who held it.
                var text = Encoding.UTF8.GetBytes($"pid {GetProcessId()} on {Environment.MachineName} since {DateTime.UtcNow:O}\n");
                stream.SetLength(0);
                stream.Write(text, 0, text.Length);
                stream.Flush();
            }
            catch (IOException)
            {
                // A full disk still leaves the lock itself working.
            }
            return new FolderLease(path, stream);
        }

        private static bool WasReleased(FileStream stream)
        {
            if (stream.Length != ReleasedMark.Length) return false;
            var buffer = new byte[ReleasedMark.Length];
            stream.Position = 0;
            int n = 0;
            while (n < buffer.Length)
            {
                int r = stream.Read(buffer, n, buffer.Length - n);
                if (r <= 0) break;
                n += r;
            }
            stream.Position = 0;
            return n == buffer.Length && Encoding.ASCII.GetString(buffer) == ReleasedMark;
        }

        private static void RefuseNonRegular(string path)
        {
            FileAttributes attributes;
            try { attributes = File.GetAttributes(path); }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException) { return; }
            if ((attributes & (FileAttributes.ReparsePoint | FileAttributes.Directory)) != 0 || !File.Exists(path))
                throw new IOException($"The lease file '{path}' is not a regular file (a link, folder or device is in its place); nothing is written through it.");
        }

        // A sharing violation (Windows) or a refused flock (Unix) is an IOException that is not "not found";
        // on Windows a lease being deleted answers access denied until its holder closes it.
        private static bool IsHeldError(Exception ex) =>
            (ex is IOException && !(ex is FileNotFoundException) && !(ex is DirectoryNotFoundException) && !(ex is PathTooLongException)) ||
            (ex is UnauthorizedAccessException && RuntimeInformation.IsOSPlatform(OSPlatform.Windows));

        /// <summary>The error CreateNew gives for a name that exists: EEXIST on Unix (the HResult is the errno), ERROR_FILE_EXISTS / ERROR_ALREADY_EXISTS on Windows.</summary>
        internal static bool IsAlreadyExists(IOException ex)
        {
            if (ex is FileNotFoundException || ex is DirectoryNotFoundException || ex is PathTooLongException) return false;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                int code = ex.HResult & 0xFFFF;
                return (ex.HResult & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000) && (code == 0x50 || code == 0xB7);
            }
            const int EEXIST = 17; // Linux and macOS
            return ex.HResult == EEXIST;
        }

        private static bool Exists(string path)
        {
            try { File.GetAttributes(path); return true; }
            catch (Exception) { return false; }
        }

        private static int GetProcessId()
        {
            using (var p = System.Diagnostics.Process.GetCurrentProcess()) return p.Id;
        }
    }
}
