using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace EseBackup.Core.Format
{
    /// <summary>What is at a path, judged without opening it (lstat, not stat: a link is a link).</summary>
    public enum FileEntryKind
    {
        Missing,
        Regular,
        Directory,
        SymbolicLink,
        Fifo,
        CharacterDevice,
        BlockDevice,
        Socket,
        /// <summary>Not a regular file, kind unknown (Windows device attribute; Unix without the runtime's lstat and 0 bytes long).</summary>
        Special,
    }

    /// <summary>
    /// Looks at a file before it is opened. Opening a FIFO for reading blocks until a writer comes (forever,
    /// for a hostile one) and a device can stream without end, so every reader of databases, logs,
    /// checkpoints, set files and manifests opens only regular files, through <see cref="OpenRead"/>.
    /// </summary>
    public static class RegularFile
    {
        /// <summary>The kind of entry at <paramref name="path"/>, without following a final link and without opening it.</summary>
        public static FileEntryKind KindOf(string path)
        {
            if (!IsWindows)
            {
                var unix = UnixKindOf(path);
                if (unix != null) return unix.Value;
            }
            FileAttributes attributes;
            try { attributes = File.GetAttributes(path); }
            catch (FileNotFoundException) { return FileEntryKind.Missing; }
            catch (DirectoryNotFoundException) { return FileEntryKind.Missing; }
            if ((attributes & FileAttributes.ReparsePoint) != 0) return FileEntryKind.SymbolicLink;
            if ((attributes & FileAttributes.Directory) != 0) return FileEntryKind.Directory;
            if ((attributes & FileAttributes.Device) != 0) return FileEntryKind.Special;
            // Without lstat (a Unix runtime that lacks it) a FIFO, socket or device reports 0 bytes; so does an
            // empty file, which no reader here accepts either. Neither is opened.
            if (!IsWindows && new FileInfo(path).Length == 0) return FileEntryKind.Special;
            return FileEntryKind.Regular;
        }

        /// <summary>Null when <paramref name="path"/> is a regular file (not a link); else what it is, for an error message.</summary>
        public static string? Problem(string path)
        {
            var kind = KindOf(path);
            return kind == FileEntryKind.Regular ? null : Describe(kind);
        }

        /// <summary>"a FIFO (named pipe)", "a symbolic link", ... for messages.</summary>
        public static string Describe(FileEntryKind kind) => kind switch
        {
            FileEntryKind.Missing => "missing",
            FileEntryKind.Regular => "a regular file",
            FileEntryKind.Directory => "a directory",
            FileEntryKind.SymbolicLink => "a symbolic link",
            FileEntryKind.Fifo => "a FIFO (named pipe)",
            FileEntryKind.CharacterDevice => "a character device",
            FileEntryKind.BlockDevice => "a block device",
            FileEntryKind.Socket => "a socket",
            _ => "a special file (a device, pipe or socket; or empty)",
        };

        /// <summary>True for a FIFO, device, socket or unknown special entry: never to be opened.</summary>
        public static bool IsSpecial(FileEntryKind kind) =>
            kind == FileEntryKind.Fifo || kind == FileEntryKind.CharacterDevice || kind == FileEntryKind.BlockDevice ||
            kind == FileEntryKind.Socket || kind == FileEntryKind.Special;

        /// <summary>
        /// Opens <paramref name="path"/> for reading when it is a regular file or a link to one; throws
        /// <see cref="NotRegularFileException"/> naming it for a FIFO, device, socket or directory (never opened).
        /// A link is followed here; callers that refuse links check <see cref="KindOf"/> first.
        /// </summary>
        public static FileStream OpenRead(string path, FileShare share = FileShare.ReadWrite | FileShare.Delete, int bufferSize = 4096, FileOptions options = FileOptions.None)
        {
            ThrowIfNotRegular(path);
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, share, bufferSize, options);
            // Swapped for a pipe between the look and the open (and a writer was there, or the open would still
            // block): a pipe cannot seek, a regular file can.
            if (!stream.CanSeek)
            {
                stream.Dispose();
                throw new NotRegularFileException(path, FileEntryKind.Special, "not a regular file (it cannot seek)");
            }
            return stream;
        }

        /// <summary>
        /// Opens an ESE database, log or checkpoint (<paramref name="what"/>) for a header or page reader: a
        /// directory, FIFO, device or socket becomes an <see cref="EseFormatException"/> naming the file, never an open.
        /// </summary>
        internal static FileStream OpenEseFile(string path, string what, int bufferSize = 4096, FileOptions options = FileOptions.None)
        {
            try
            {
                return OpenRead(path, FileShare.ReadWrite | FileShare.Delete, bufferSize, options);
            }
            catch (NotRegularFileException ex)
            {
                throw new EseFormatException(path, ex.Kind == FileEntryKind.Directory ? EseFormatProblem.NotEse : EseFormatProblem.NotRegularFile,
                    $"'{path}' is {ex.What}, not an ESE {what}; it was not opened.", null, ex);
            }
        }

        /// <summary>Throws <see cref="NotRegularFileException"/> unless <paramref name="path"/> is (a link to) a regular file; a missing file is left to the open.</summary>
        public static void ThrowIfNotRegular(string path)
        {
            var kind = KindOf(path);
            if (kind == FileEntryKind.SymbolicLink)
            {
                // Judge what the link points at (stat): the caller decided links are acceptable here.
                kind = TargetKindOf(path);
            }
            if (kind == FileEntryKind.Directory || IsSpecial(kind))
                throw new NotRegularFileException(path, kind, Describe(kind));
        }

        static FileEntryKind TargetKindOf(string path)
        {
            if (Directory.Exists(path)) return FileEntryKind.Directory;
            if (!File.Exists(path)) return FileEntryKind.Missing;
            var resolved = ResolveFinalTarget(path);
            return resolved == null ? FileEntryKind.Special : KindOf(resolved);
        }

        static string? ResolveFinalTarget(string path)
        {
#if NET8_0_OR_GREATER
            try { return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path; }
            catch (IOException) { return null; }
#else
            return path;
#endif
        }

        static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        // The runtime's own lstat (System.Native, shipped with every .NET Core runtime on Unix). Its FileStatus
        // starts with Flags then Mode, and the mode's type bits are normalised to the S_IF* values below on
        // every Unix, so no per-architecture struct stat layout is needed. Absent (e.g. Mono): null.
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        static extern unsafe int SystemNativeLStat(byte* path, byte* fileStatus);

        static bool lstatUnavailable;

        static unsafe FileEntryKind? UnixKindOf(string path)
        {
            if (lstatUnavailable) return null;
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            // FileStatus is about 120 bytes; 512 leaves room for fields later runtimes add at its end.
            byte* status = stackalloc byte[512];
            int result;
            try
            {
                fixed (byte* p = bytes) result = SystemNativeLStat(p, status);
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                lstatUnavailable = true;
                return null;
            }
            if (result != 0) return File.Exists(path) || Directory.Exists(path) ? (FileEntryKind?)null : FileEntryKind.Missing;
            int mode = *(int*)(status + 4);
            switch (mode & 0xF000)
            {
                case 0x8000: return FileEntryKind.Regular;
                case 0x4000: return FileEntryKind.Directory;
                case 0xA000: return FileEntryKind.SymbolicLink;
                case 0x1000: return FileEntryKind.Fifo;
                case 0x2000: return FileEntryKind.CharacterDevice;
                case 0x6000: return FileEntryKind.BlockDevice;
                case 0xC000: return FileEntryKind.Socket;
                default: return FileEntryKind.Special;
            }
        }
    }

    /// <summary>A path where a regular file belongs holds a FIFO, device, socket or directory; it was not opened.</summary>
    public sealed class NotRegularFileException : IOException
    {
        public NotRegularFileException(string path, FileEntryKind kind, string what)
            : base($"'{path}' is {what}, not a regular file; it was not opened.")
        {
            FilePath = path;
            Kind = kind;
            What = what;
        }

        public string FilePath { get; }
        public FileEntryKind Kind { get; }

        /// <summary>What is there instead ("a FIFO (named pipe)", "a directory", ...).</summary>
        public string What { get; }
    }
}
