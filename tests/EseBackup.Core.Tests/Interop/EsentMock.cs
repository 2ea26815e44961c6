using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using EseBackup.Core.Interop;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>
    /// tests/native/esentmock.c, compiled with the machine's cc into a temp folder and loaded in place of
    /// esent.dll through a DllImport resolver on the core assembly. A resolver can be set once per assembly
    /// per process, so this is a process-wide singleton; tests using it share the "esent" collection and
    /// never run in parallel.
    /// </summary>
    internal static unsafe class EsentMock
    {
        private static readonly object Gate = new object();
        private static IntPtr s_library;
        private static string? s_buildFailure;

        private static delegate* unmanaged<void> s_reset;
        private static delegate* unmanaged<byte*, int, void> s_setResult;
        private static delegate* unmanaged<byte*, int> s_callCount;
        private static delegate* unmanaged<byte*, int, ulong> s_lastArg;
        private static delegate* unmanaged<byte*, int, char*, int, int> s_lastString;
        private static delegate* unmanaged<byte*, int, int> s_sequence;
        private static delegate* unmanaged<int, char*, uint, void> s_setList;
        private static delegate* unmanaged<int, void> s_setTooSmall;
        private static delegate* unmanaged<uint, uint, char*, void> s_setLogInfo;
        private static delegate* unmanaged<ulong, ulong, ulong, void> s_setHandles;
        private static delegate* unmanaged<uint, uint, byte*, uint, uint, void> s_setFile;
        private static delegate* unmanaged<int, void> s_setDbInfo;

        /// <summary>Why the mock cannot be used here, or null when it can.</summary>
        internal static string? UnavailableReason
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    return "The real esent.dll is present on Windows; WindowsEsentTests run against it instead of the mock.";
                if (!TestEnvironment.HasTool("cc") && !TestEnvironment.IsCI)
                    return "No C compiler (cc) to build tests/native/esentmock.c: apt-get install gcc. CI has one.";
                return null;
            }
        }

        internal static string SourcePath => Path.Combine(TestEnvironment.RepoRoot, "tests", "native", "esentmock.c");

        /// <summary>Builds and installs the mock once, then clears its recorded calls and scripts.</summary>
        internal static void Install()
        {
            lock (Gate)
            {
                if (s_buildFailure != null) throw new InvalidOperationException(s_buildFailure);
                if (s_library == IntPtr.Zero)
                {
                    var folder = TestEnvironment.NewTempFolder("esentmock");
                    var output = Path.Combine(folder, "libesentmock.so");
                    var (exit, stdout, stderr) = TestEnvironment.Run("cc", "-shared", "-fPIC", "-O1", "-o", output, SourcePath);
                    if (exit != 0)
                    {
                        s_buildFailure = $"cc could not build {SourcePath} (exit {exit}): {stdout}{stderr}";
                        throw new InvalidOperationException(s_buildFailure);
                    }
                    var library = NativeLibrary.Load(output);
                    Bind(library);
                    NativeLibrary.SetDllImportResolver(typeof(EseInstance).Assembly, (name, assembly, searchPath) =>
                        name == EsentNative.EsentDll ? s_library : IntPtr.Zero);
                    s_library = library;
                }
                EsentPlatform.TestLibraryInstalled = true;
                s_reset();
            }
        }

        private static void Bind(IntPtr library)
        {
            IntPtr Export(string name) => NativeLibrary.GetExport(library, name);
            s_reset = (delegate* unmanaged<void>)Export("mock_reset");
            s_setResult = (delegate* unmanaged<byte*, int, void>)Export("mock_set_result");
            s_callCount = (delegate* unmanaged<byte*, int>)Export("mock_call_count");
            s_lastArg = (delegate* unmanaged<byte*, int, ulong>)Export("mock_last_arg");
            s_lastString = (delegate* unmanaged<byte*, int, char*, int, int>)Export("mock_last_string");
            s_sequence = (delegate* unmanaged<byte*, int, int>)Export("mock_sequence");
            s_setList = (delegate* unmanaged<int, char*, uint, void>)Export("mock_set_list");
            s_setTooSmall = (delegate* unmanaged<int, void>)Export("mock_set_buffer_too_small_mode");
            s_setLogInfo = (delegate* unmanaged<uint, uint, char*, void>)Export("mock_set_loginfo");
            s_setHandles = (delegate* unmanaged<ulong, ulong, ulong, void>)Export("mock_set_handles");
            s_setFile = (delegate* unmanaged<uint, uint, byte*, uint, uint, void>)Export("mock_set_file");
            s_setDbInfo = (delegate* unmanaged<int, void>)Export("mock_set_db_info");
        }

        private static byte[] Utf8(string name) => Encoding.UTF8.GetBytes(name + "\0");

        internal static void SetResult(string function, int err)
        {
            fixed (byte* n = Utf8(function)) s_setResult(n, err);
        }

        internal static int CallCount(string function)
        {
            fixed (byte* n = Utf8(function)) return s_callCount(n);
        }

        internal static ulong LastArg(string function, int index)
        {
            fixed (byte* n = Utf8(function)) return s_lastArg(n, index);
        }

        /// <summary>The exact UTF-16 code units of string argument <paramref name="index"/>, null when a NULL pointer was passed.</summary>
        internal static string? LastString(string function, int index)
        {
            var buffer = new char[1024];
            int length;
            fixed (byte* n = Utf8(function))
            fixed (char* b = buffer)
            {
                length = s_lastString(n, index, b, buffer.Length);
            }
            if (length == -2) throw new InvalidOperationException($"{function} was never called.");
            return length < 0 ? null : new string(buffer, 0, length);
        }

        /// <summary>Every call since the last reset, in order.</summary>
        internal static IReadOnlyList<string> Sequence()
        {
            var buffer = new byte[64 * 1024];
            int length;
            fixed (byte* b = buffer) length = s_sequence(b, buffer.Length);
            var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length - 1));
            return text.Length == 0 ? Array.Empty<string>() : text.Split(',');
        }

        internal const int AttachList = 0, LogList = 1, TruncateList = 2;

        /// <summary>Scripts a list as the engine writes it: each string null-terminated, then one more null.</summary>
        internal static void SetList(int which, IEnumerable<string> items)
        {
            var text = new StringBuilder();
            foreach (var item in items) text.Append(item).Append('\0');
            text.Append('\0');
            SetRawList(which, text.ToString());
        }

        internal static void SetRawList(int which, string raw)
        {
            fixed (char* p = raw) s_setList(which, p, (uint)(raw.Length * 2));
        }

        internal static void SetBufferTooSmallMode(bool on) => s_setTooSmall(on ? 1 : 0);

        internal static void SetLogInfo(uint low, uint high, string baseName)
        {
            fixed (char* p = baseName + "\0") s_setLogInfo(low, high, p);
        }

        internal static void SetHandles(ulong instance, ulong session, ulong file) => s_setHandles(instance, session, file);

        internal static void SetFile(uint sizeLow, uint sizeHigh, byte[] content, uint maxPerRead)
        {
            fixed (byte* p = content) s_setFile(sizeLow, sizeHigh, p, (uint)content.Length, maxPerRead);
        }

        internal static void SetDatabaseInfo(int value) => s_setDbInfo(value);
    }

    /// <summary>The tests that share the mock library and the process-wide platform switch.</summary>
    [CollectionDefinition("esent", DisableParallelization = true)]
    public sealed class EsentCollection
    {
    }

    /// <summary>A fact that needs the esent mock; skipped with the reason on Windows or without a C compiler outside CI.</summary>
    public sealed class EsentMockFactAttribute : FactAttribute
    {
        public EsentMockFactAttribute()
        {
            var reason = EsentMock.UnavailableReason;
            if (reason != null) Skip = reason;
        }
    }
}
