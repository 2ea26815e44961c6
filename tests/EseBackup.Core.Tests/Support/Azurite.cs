using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace EseBackup.Core.Tests.Support
{
    /// <summary>
    /// Azurite, the Azure Storage emulator (npm package pinned in tools/azurite, installed by `npm ci` there; .ci/run
    /// does it when node is present): a real Blob service on 127.0.0.1, in memory, started on a free port for a
    /// test class and stopped after it (it ignores SIGTERM, so its process is killed).
    /// </summary>
    public sealed class AzuriteServer : IDisposable
    {
        /// <summary>Azurite's development account, published in its README (not a secret of anyone's).</summary>
        public const string AccountName = "devstoreaccount1";
        public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private readonly Process _process;
        private readonly string _workFolder;

        public AzuriteServer()
        {
            if (!IsInstalled) throw new InvalidOperationException(MissingReason);
            _workFolder = TestEnvironment.NewTempFolder("azurite");
            Exception? last = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                Port = FreePort();
                var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _workFolder };
                foreach (var a in new[] { MainScript, "--inMemoryPersistence", "--disableTelemetry", "--silent",
                    "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                    psi.ArgumentList.Add(a);
                var process = Process.Start(psi)!;
                var said = new System.Text.StringBuilder();
                process.OutputDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
                process.ErrorDataReceived += (_, e) => { lock (said) said.AppendLine(e.Data); };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (WaitListening(process, Port, TimeSpan.FromSeconds(60)))
                {
                    _process = process;
                    return;
                }
                last = new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{Port} (exit code {(process.HasExited ? process.ExitCode : -1)}): {said}");
                Kill(process);
            }
            throw last!;
        }

        public int Port { get; }

        public string BlobEndpoint => $"http://127.0.0.1:{Port}/{AccountName}";

        public string ConnectionString =>
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

        /// <summary>A container URL (no credential) under this server.</summary>
        public string ContainerUrl(string container, string? prefix = null) =>
            $"{BlobEndpoint}/{container}" + (string.IsNullOrEmpty(prefix) ? "" : "/" + prefix);

        /// <summary>The process id (for tests that stop the service under a running client).</summary>
        public int ProcessId => _process.Id;

        public void Dispose()
        {
            Kill(_process);
            try { Directory.Delete(_workFolder, recursive: true); } catch (IOException) { }
        }

        public static string PackageFolder => Path.Combine(TestEnvironment.RepoRoot, "tools", "azurite");

        public static string MainScript => Path.Combine(PackageFolder, "node_modules", "azurite", "dist", "src", "blob", "main.js");

        public static bool IsInstalled => File.Exists(MainScript) && TestEnvironment.HasTool("node");

        public static string MissingReason =>
            $"Azurite is not installed: expected {MainScript} (run 'npm ci' in tools/azurite; .ci/run does it when node and npm are present).";

        private static void Kill(Process process)
        {
            try
            {
                // Azurite ignores SIGTERM; in memory, there is nothing to lose by killing it.
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static bool WaitListening(Process process, int port, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout && !process.HasExited)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException)
                {
                    Thread.Sleep(100);
                }
            }
            return false;
        }
    }

    /// <summary>
    /// A fact that needs Azurite (tools/azurite). Skipped with the reason when it is not installed, except in CI on a
    /// machine with node, where .ci/run installs it: there a missing Azurite fails instead of hiding the tests.
    /// </summary>
    public sealed class AzuriteFactAttribute : FactAttribute
    {
        public AzuriteFactAttribute()
        {
            if (!AzuriteServer.IsInstalled && !(TestEnvironment.IsCI && TestEnvironment.HasTool("node")))
                Skip = AzuriteServer.MissingReason;
        }
    }
}

namespace EseBackup.Core.Tests.Support
{
    /// <summary>One Azurite per test class, started by the first test that needs it (never when every test is skipped).</summary>
    public sealed class AzuriteFixture : IDisposable
    {
        private readonly Lazy<AzuriteServer> _server = new Lazy<AzuriteServer>(() => new AzuriteServer(), LazyThreadSafetyMode.ExecutionAndPublication);

        public AzuriteServer Server => _server.Value;

        public void Dispose()
        {
            if (_server.IsValueCreated) _server.Value.Dispose();
        }
    }
}
