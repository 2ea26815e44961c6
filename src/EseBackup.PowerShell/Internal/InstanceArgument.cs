using System;
using System.Collections;
using System.IO;
using System.Management.Automation;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Keeps what is plainly not an ESE instance out of -Instance, which takes any object (an EseInstance, a
    /// ManagedEsent Instance or JET_INSTANCE, a handle) and also binds from the pipeline by value. Without it a
    /// piped path string, file, folder or Import-Csv row would bind to -Instance before -Path / -LiteralPath.
    /// The refusal is an invalid cast, which PowerShell's pipeline binder skips quietly and then tries the path
    /// parameters; given on the command line it is an error that says what -Instance takes.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class InstanceArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string || value is FileSystemInfo || value is PSCustomObject || value is IDictionary || value is ScriptBlock)
            {
                var message = $"A value of type {value.GetType().Name} is not an ESE instance: -Instance takes an EseInstance from Open-EseInstance, a ManagedEsent Instance or JET_INSTANCE, or the instance handle. Name a database folder with -Path.";
                throw new ArgumentTransformationMetadataException(message, new PSInvalidCastException(message));
            }
            return inputData;
        }
    }
}
