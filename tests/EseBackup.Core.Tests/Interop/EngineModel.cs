using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using EseBackup.Core.Interop;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>
    /// tests/native/esentmodel.c, the engine model: esent.dll's entry points with the engine's semantics over
    /// a real database folder. Compiled with the machine's cc into a temp folder and loaded in place of
    /// esent.dll through a DllImport resolver on the core assembly. A resolver can be set once per assembly per
    /// process, so this is a process-wide singleton; tests using it share the "esent" collection and never run
    /// in parallel.
    /// </summary>
    internal static unsafe class EngineModel
    {
        private static readonly object Gate = new object();
        private static IntPtr s_library;
        private static string? s_buildFailure;

        private static delegate* unmanaged<void> s_reset;
        private static delegate* unmanaged<void> s_clearCalls;
        private static delegate* unmanaged<byte*, int, int, void> s_inject;
        private static delegate* unmanaged<byte*, int> s_callCount;
        private static delegate* unmanaged<byte*, int, ulong> s_lastArg;
        private static delegate* unmanaged<byte*, int, char*, int, int> s_lastString;
        private static delegate* unmanaged<byte*, int, int> s_sequence;
        private static delegate* unmanaged<ulong, int> s_backupInProgress;
        private static delegate* unmanaged<int> s_instanceCount;

        /// <summary>Why the model cannot be used here, or null when it can.</summary>
        internal static string? UnavailableReason
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    return "The real esent.dll is present on Windows; WindowsEsentTests run against it instead of the engine model.";
                if (!TestEnvironment.HasTool("cc") && !TestEnvironment.IsCI)
                    return "No C compiler (cc) to build tests/native/esentmodel.c: apt-get install gcc. CI has one.";
                return null;
            }
        }

        internal static string SourcePath => Path.Combine(TestEnvironment.RepoRoot, "tests", "native", "esentmodel.c");

        /// <summary>Builds and installs the model once, then forgets every instance, injection and recorded call.</summary>
        internal static void Install()
        {
            lock (Gate)
            {
                if (s_buildFailure != null) throw new InvalidOperationException(s_buildFailure);
                if (s_library == IntPtr.Zero)
                {
                    var folder = TestEnvironment.NewTempFolder("esentmodel");
                    var output = Path.Combine(folder, "libesentmodel.so");
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
                EseInstance.CloseAll();
                s_reset();
            }
        }

        private static void Bind(IntPtr library)
        {
            IntPtr Export(string name) => NativeLibrary.GetExport(library, name);
            s_reset = (delegate* unmanaged<void>)Export("model_reset");
            s_clearCalls = (delegate* unmanaged<void>)Export("model_clear_calls");
            s_inject = (delegate* unmanaged<byte*, int, int, void>)Export("model_inject");
            s_callCount = (delegate* unmanaged<byte*, int>)Export("model_call_count");
            s_lastArg = (delegate* unmanaged<byte*, int, ulong>)Export("model_last_arg");
            s_lastString = (delegate* unmanaged<byte*, int, char*, int, int>)Export("model_last_string");
            s_sequence = (delegate* unmanaged<byte*, int, int>)Export("model_sequence");
            s_backupInProgress = (delegate* unmanaged<ulong, int>)Export("model_backup_in_progress");
            s_instanceCount = (delegate* unmanaged<int>)Export("model_instance_count");
        }

        private static byte[] Utf8(string name) => Encoding.UTF8.GetBytes(name + "\0");

        /// <summary>Forgets the recorded calls; the engine's state (instances, backups) stays.</summary>
        internal static void ClearCalls() => s_clearCalls();

        /// <summary>
        /// Makes the engine's own I/O fail at <paramref name="point"/> ("db-read", "log-read", "open",
        /// "truncate", "init", "roll") with <paramref name="error"/>, after <paramref name="skip"/> passes that succeed.
        /// </summary>
        internal static void Inject(string point, int error, int skip = 0)
        {
            fixed (byte* p = Utf8(point)) s_inject(p, error, skip);
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

        /// <summary>Every call since the last reset or <see cref="ClearCalls"/>, in order.</summary>
        internal static IReadOnlyList<string> Sequence()
        {
            var buffer = new byte[64 * 1024];
            int length;
            fixed (byte* b = buffer) length = s_sequence(b, buffer.Length);
            var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length - 1));
            return text.Length == 0 ? Array.Empty<string>() : text.Split(',');
        }

        /// <summary>Whether the engine holds a backup open on the instance (null: no such instance).</summary>
        internal static bool? BackupInProgress(IntPtr instance)
        {
            int state = s_backupInProgress((ulong)instance.ToInt64());
            return state < 0 ? null : state == 1;
        }

        /// <summary>Instances created and not yet terminated.</summary>
        internal static int InstanceCount => s_instanceCount();

        /// <summary>
        /// A database folder as a running service has it (database, logs 1-5 with edb.log current, checkpoint),
        /// written by the fixture writer under <paramref name="root"/>.
        /// </summary>
        internal static DatabaseFolderFixture WriteLiveFolder(string root, int pageSize = 8192, long lastGeneration = 5, long? checkpoint = null)
        {
            return EseFixtureWriter.WriteDatabaseFolder(root, new DatabaseFolderSpec
            {
                Database = new DatabaseSpec { PageSize = pageSize, RecordCount = 40 },
                Logs = new LogSetSpec { FirstGeneration = 1, LastGeneration = lastGeneration, LogFileSize = 64 * 1024, ReserveLogCount = 0 },
                CheckpointGeneration = checkpoint,
            });
        }

        /// <summary>Opens an instance over a folder <see cref="WriteLiveFolder"/> wrote (logs and checkpoint in the folder).</summary>
        internal static EseInstance Open(DatabaseFolderFixture folder, string? name = null) =>
            EseInstance.Open(folder.Folder, folder.Folder, "edb", new[] { folder.Database.Path }, new EseInstanceOptions { InstanceName = name });
    }

    /// <summary>The tests that share the engine model and the process-wide platform switch.</summary>
    [CollectionDefinition("esent", DisableParallelization = true)]
    public sealed class EsentCollection
    {
    }

    /// <summary>A fact that needs the engine model; skipped with the reason on Windows or without a C compiler outside CI.</summary>
    public sealed class EngineModelFactAttribute : FactAttribute
    {
        public EngineModelFactAttribute()
        {
            var reason = EngineModel.UnavailableReason;
            if (reason != null) Skip = reason;
        }
    }
}
