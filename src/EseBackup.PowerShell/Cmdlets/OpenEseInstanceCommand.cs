using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>
    /// Open-EseInstance: starts an ESE instance in this process over a log folder (running soft recovery)
    /// and attaches databases, so a backup can be taken from it. Windows only (esent.dll).
    /// </summary>
    [Cmdlet(VerbsCommon.Open, "EseInstance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        HelpUri = ProjectLinks.HelpBase + "Open-EseInstance.md")]
    [OutputType(typeof(EseInstance))]
    public sealed class OpenEseInstanceCommand : EseCmdlet
    {
        private readonly List<string> _databases = new List<string>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias(PathAlias.FullName, PathAlias.PSPath)]
        [PathArgument]
        public string[] DatabasePath { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true)]
        [PathArgument]
        public string LogPath { get; set; } = "";

        [Parameter]
        [PathArgument]
        public string? SystemPath { get; set; }

        [Parameter]
        [ValidateLength(3, 3)]
        public string BaseName { get; set; } = "edb";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? InstanceName { get; set; }

        [Parameter]
        [ValidateSet("4096", "8192", "16384", "32768")]
        public int PageSize { get; set; }

        [Parameter]
        public SwitchParameter CircularLogging { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in DatabasePath)
            {
                // Literal: database names often contain brackets, and the engine needs exact paths.
                foreach (var resolved in ResolveExistingPaths(path, literal: true))
                {
                    if (Directory.Exists(resolved))
                    {
                        BeginItem();
                        FailItem(new ErrorRecord(new ArgumentException($"'{resolved}' is a folder; -DatabasePath takes database files."), "DatabasePathIsFolder", ErrorCategory.InvalidArgument, resolved));
                        continue;
                    }
                    _databases.Add(resolved);
                }
            }
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            if (_databases.Count == 0)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("No database to attach: every -DatabasePath failed to resolve."), "NoDatabase", ErrorCategory.InvalidArgument, DatabasePath));
                return;
            }
            var logs = ResolveNewPath(LogPath);
            var system = SystemPath == null ? logs : ResolveNewPath(SystemPath);
            var action = $"Start an ESE instance over logs '{logs}' (soft recovery replays them into the databases) and attach {_databases.Count} database(s)";
            if (!ShouldProcess(string.Join(", ", _databases), action)) return;

            var options = new EseInstanceOptions
            {
                InstanceName = InstanceName,
                CircularLogging = CircularLogging.IsPresent,
                PageSize = PageSize == 0 ? (int?)null : PageSize,
            };
            try
            {
                WriteVerbose($"Opening ESE instance: logs '{logs}', system '{system}', base name '{BaseName}'.");
                var instance = EseInstance.Open(logs, system, BaseName, _databases, options);
                WriteObject(instance);
            }
            catch (JetException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "OpenEseInstanceFailed", ErrorCategory.OpenError, (object?)ex.FilePath ?? logs));
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException || ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                ThrowTerminatingError(ToErrorRecord(ex, "OpenEseInstanceFailed", logs));
            }
        }
    }
}
