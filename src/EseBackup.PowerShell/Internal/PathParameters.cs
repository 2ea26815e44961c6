using System;
using System.Collections;
using System.IO;
using System.Management.Automation;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// The aliases every -LiteralPath carries, so that FileInfo objects (PSPath, FullName), this module's own
    /// objects and Import-Csv rows bind the same way to every cmdlet (Runbook.Tests checks that they do).
    /// </summary>
    public static class PathAlias
    {
        public const string PSPath = "PSPath";
        public const string FullName = "FullName";
        public const string LP = "LP";
    }

    /// <summary>
    /// Refuses a script block given where a path is expected. PowerShell would otherwise pass its text
    /// (`-Destination { $_.Destination }` made a folder named " $_.Destination "). A parameter that takes
    /// pipeline input by property name never sees one here: PowerShell evaluates the block per input object
    /// (delay-bind) before binding.
    /// </summary>
    /// <remarks>
    /// It also refuses a property bag (an Import-Csv row, a hashtable): its text "@{FullName=...}" is never a
    /// path. PowerShell tries a piped row by value with type coercion (on -Path) before it tries the row's
    /// properties with coercion (FullName, PSPath, LP on -LiteralPath), and once -Destination has bound from
    /// the row it does not look at -LiteralPath earlier. The refusal is an invalid cast, which the pipeline
    /// binder skips quietly, so the row then binds by its properties.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class PathArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (IsScriptBlock(inputData))
                throw new ArgumentTransformationMetadataException(
                    "A script block is not a path. Pass the path itself, or pipe objects whose property holds it (for example Import-Csv rows with a Path and a Destination column).");
            if (IsPropertyBag(inputData))
                throw PropertyBagIsNotAPath();
            if (Unwrap(inputData) is FileSystemInfo fileOrFolder)
                return WildcardPattern.Escape(fileOrFolder.FullName);
            if (Unwrap(inputData) is IEnumerable items && !(Unwrap(inputData) is string))
                foreach (var item in items)
                    if (IsScriptBlock(item))
                        throw new ArgumentTransformationMetadataException("A script block is not a path. Pass the paths themselves.");
            return inputData;
        }

        private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;

        private static bool IsScriptBlock(object? value) => Unwrap(value) is ScriptBlock;

        private static bool IsPropertyBag(object? value) => Unwrap(value) is PSCustomObject || Unwrap(value) is IDictionary;

        private static ArgumentTransformationMetadataException PropertyBagIsNotAPath()
        {
            const string message = "An object with properties is not a path: pipe it instead, and its Path (or FullName, PSPath, LP) property binds.";
            return new ArgumentTransformationMetadataException(message, new PSInvalidCastException(message));
        }
    }
}
