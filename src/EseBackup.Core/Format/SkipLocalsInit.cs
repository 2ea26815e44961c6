#if !NET5_0_OR_GREATER
namespace System.Runtime.CompilerServices
{
    /// <summary>The compiler honours this by name; netstandard2.0 lacks the type, so it is declared here.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Module, Inherited = false)]
    internal sealed class SkipLocalsInitAttribute : Attribute
    {
    }
}
#endif
