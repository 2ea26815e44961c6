using System;
using System.Diagnostics;
using System.IO;

namespace EseBackup.Core.Tests.Support
{
    /// <summary>Where the tests find the repository, the real ESE files beside it, and the libesedb oracle.</summary>
    public static class TestEnvironment
    {
        public static string RepoRoot { get; } = FindRepoRoot();

        /// <summary>../shared/fixtures/real-ese beside the checkout (CI has it; a fresh clone elsewhere may not).</summary>
        public static string RealEseRoot { get; } =
            Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures", "real-ese"));

        public static bool HasRealEse => Directory.Exists(RealEseRoot);

        public static string RealEseMissingReason =>
            $"Real ESE fixtures are absent: expected them at {RealEseRoot} (../shared/fixtures/real-ese beside the checkout).";

        public static bool IsCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

        public static string RealFile(string relativePath) => Path.Combine(RealEseRoot, relativePath);

        /// <summary>A fresh empty folder under the system temp folder, unique to the caller.</summary>
        public static string NewTempFolder(string hint = "esebackup")
        {
            var path = Path.Combine(Path.GetTempPath(), $"{hint}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(path);
            return path;
        }

        public static bool HasTool(string name)
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                if (dir.Length > 0 && File.Exists(Path.Combine(dir, name))) return true;
            }
            return false;
        }

        /// <summary>Runs a tool and returns its exit code, standard output and standard error.</summary>
        public static (int ExitCode, string Stdout, string Stderr) Run(string fileName, params string[] args)
        {
            var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout.Result, stderr);
        }

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "EseBackup.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find EseBackup.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A fact that needs ../shared/fixtures/real-ese; skipped with the reason when it is absent.</summary>
    public sealed class RealEseFactAttribute : FactAttribute
    {
        public RealEseFactAttribute() { if (!TestEnvironment.HasRealEse) Skip = TestEnvironment.RealEseMissingReason; }
    }

    /// <summary>A theory that needs ../shared/fixtures/real-ese; skipped with the reason when it is absent.</summary>
    public sealed class RealEseTheoryAttribute : TheoryAttribute
    {
        public RealEseTheoryAttribute() { if (!TestEnvironment.HasRealEse) Skip = TestEnvironment.RealEseMissingReason; }
    }

    /// <summary>
    /// A fact that needs libesedb-utils (esedbinfo/esedbexport) as an independent oracle. Outside CI it
    /// is skipped with the reason when the tools are missing; in CI (.ci/run installs them) it runs and
    /// fails loudly if they are missing.
    /// </summary>
    public sealed class EsedbOracleFactAttribute : FactAttribute
    {
        public EsedbOracleFactAttribute()
        {
            if (!TestEnvironment.HasTool("esedbinfo") && !TestEnvironment.IsCI)
                Skip = "libesedb-utils (esedbinfo, esedbexport) is not installed: apt-get install libesedb-utils. CI installs it.";
        }
    }

    /// <summary>
    /// A fact that needs xxhsum (Debian package xxhash), the reference C implementation of XxHash128, as
    /// the oracle for the hashes the manifests carry. Skipped with the reason outside CI when missing.
    /// </summary>
    public sealed class XxhsumOracleFactAttribute : FactAttribute
    {
        public XxhsumOracleFactAttribute()
        {
            if (!TestEnvironment.HasTool("xxhsum") && !TestEnvironment.IsCI)
                Skip = "xxhsum is not installed: apt-get install xxhash. CI installs it.";
        }
    }

    public sealed class EsedbOracleTheoryAttribute : TheoryAttribute
    {
        public EsedbOracleTheoryAttribute()
        {
            if (!TestEnvironment.HasTool("esedbinfo") && !TestEnvironment.IsCI)
                Skip = "libesedb-utils (esedbinfo, esedbexport) is not installed: apt-get install libesedb-utils. CI installs it.";
        }
    }
}

namespace EseBackup.Core.Tests.Support
{
    /// <summary>Needs both the real files and the esedbinfo oracle; skipped with the missing one named.</summary>
    public sealed class RealEseOracleTheoryAttribute : Xunit.TheoryAttribute
    {
        public RealEseOracleTheoryAttribute()
        {
            if (!TestEnvironment.HasRealEse) Skip = TestEnvironment.RealEseMissingReason;
            else if (!TestEnvironment.HasTool("esedbinfo") && !TestEnvironment.IsCI)
                Skip = "libesedb-utils (esedbinfo, esedbexport) is not installed: apt-get install libesedb-utils. CI installs it.";
        }
    }
}

namespace EseBackup.Core.Tests.Support
{
    /// <summary>A fact that makes FIFOs with mkfifo (Linux, macOS); skipped with the reason where there is none (Windows).</summary>
    public sealed class FifoFactAttribute : FactAttribute
    {
        public FifoFactAttribute()
        {
            if (!TestEnvironment.HasTool("mkfifo"))
                Skip = "mkfifo is not available (Windows has no FIFOs in the file system); the FIFO cases run on Linux and macOS.";
        }
    }

    public static class Fifo
    {
        /// <summary>Makes a FIFO at <paramref name="path"/> with mkfifo.</summary>
        public static string Make(string path)
        {
            var (code, _, err) = TestEnvironment.Run("mkfifo", path);
            if (code != 0) throw new InvalidOperationException($"mkfifo {path} failed: {err}");
            return path;
        }

        /// <summary>
        /// Runs <paramref name="action"/> with a deadline: a read that opened a FIFO would block forever, so the
        /// test fails after 20 s instead of hanging (the blocked thread is a background one and is then released
        /// by opening the FIFOs for writing).
        /// </summary>
        public static T WithinDeadline<T>(Func<T> action, params string[] fifos)
        {
            var task = System.Threading.Tasks.Task.Run(action);
            if (System.Threading.Tasks.Task.WhenAny(task, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(20))).Result != task)
            {
                foreach (var f in fifos)
                    System.Threading.Tasks.Task.Run(() => { try { using var w = new FileStream(f, FileMode.Open, FileAccess.Write); } catch (IOException) { } });
                throw new Xunit.Sdk.XunitException($"The call did not return within 20 s: it opened a FIFO ({string.Join(", ", fifos)}) and blocked.");
            }
            return task.GetAwaiter().GetResult();
        }

        public static void WithinDeadline(Action action, params string[] fifos) => WithinDeadline(() => { action(); return 0; }, fifos);
    }
}
