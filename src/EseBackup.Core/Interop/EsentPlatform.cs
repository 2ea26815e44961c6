using System;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// Where esent.dll can exist. Every engine entry point asks here first, so on Linux and macOS the caller
    /// gets a clear <see cref="PlatformNotSupportedException"/> instead of a DllNotFoundException.
    /// </summary>
    internal static class EsentPlatform
    {
        internal const string NotSupportedMessage =
            "Backing up a live ESE instance requires Windows (esent.dll), which this platform does not have. " +
            "Back up a database folder that no engine holds open (a stopped service or a volume snapshot) instead.";

        private static volatile bool s_testLibraryInstalled;

        /// <summary>
        /// Set by the marshalling tests after they point "esent.dll" at their mock library with a DllImport
        /// resolver; lets the calls through on platforms without the real library.
        /// </summary>
        internal static bool TestLibraryInstalled
        {
            get => s_testLibraryInstalled;
            set => s_testLibraryInstalled = value;
        }

        internal static bool IsAvailable => TestLibraryInstalled || RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        internal static void EnsureAvailable()
        {
            if (!IsAvailable) throw new PlatformNotSupportedException(NotSupportedMessage);
        }
    }
}
