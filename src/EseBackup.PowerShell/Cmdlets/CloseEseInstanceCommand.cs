using System;
using System.Management.Automation;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Cmdlets
{
    /// <summary>
    /// Close-EseInstance: detaches the databases Open-EseInstance attached, ends its session and shuts the
    /// instance down cleanly. An instance wrapped from a caller's handle is only released, never shut down.
    /// </summary>
    [Cmdlet(VerbsCommon.Close, "EseInstance",
        HelpUri = ProjectLinks.HelpBase + "Close-EseInstance.md")]
    [OutputType(typeof(void))]
    public sealed class CloseEseInstanceCommand : EseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public EseInstance[] Instance { get; set; } = Array.Empty<EseInstance>();

        protected override void ProcessRecord()
        {
            foreach (var instance in Instance)
            {
                if (instance == null) continue;
                if (instance.IsClosed)
                {
                    WriteVerbose($"ESE instance '{instance.Name}' is already closed.");
                    continue;
                }
                WriteVerbose(instance.OwnsInstance
                    ? $"Closing ESE instance '{instance.Name}': detaching {instance.Databases.Count} database(s) and shutting down."
                    : $"Releasing ESE instance '{instance.Name}': it belongs to the code that created it and keeps running.");
                BeginItem();
                try
                {
                    instance.Close();
                }
                catch (JetException ex)
                {
                    FailItem(new ErrorRecord(ex, "CloseEseInstanceFailed", ErrorCategory.CloseError, instance));
                }
                catch (AggregateException ex)
                {
                    // Every inner failure is told; the last one is the item's failure.
                    for (var i = 0; i < ex.InnerExceptions.Count - 1; i++)
                        WriteError(new ErrorRecord(ex.InnerExceptions[i], "CloseEseInstanceFailed", ErrorCategory.CloseError, instance));
                    FailItem(new ErrorRecord(ex.InnerExceptions[ex.InnerExceptions.Count - 1], "CloseEseInstanceFailed", ErrorCategory.CloseError, instance));
                }
                catch (PlatformNotSupportedException ex)
                {
                    FailItem(ToErrorRecord(ex, "CloseEseInstanceFailed", instance));
                }
            }
        }
    }
}
