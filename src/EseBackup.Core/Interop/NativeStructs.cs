using System;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// JET_LOGINFO_W: cbSize, ulGenLow, ulGenHigh (three Windows unsigned longs) and
    /// WCHAR szBaseName[JET_BASE_NAME_LENGTH + 1]; 20 bytes, no padding.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
    internal unsafe struct NativeLogInfo
    {
        internal uint cbSize;
        internal uint ulGenLow;
        internal uint ulGenHigh;
        internal fixed char szBaseName[JetLimits.BaseNameLength + 1];

        internal static NativeLogInfo Create()
        {
            var info = new NativeLogInfo();
            info.cbSize = (uint)sizeof(NativeLogInfo);
            return info;
        }

        internal string BaseName
        {
            get
            {
                fixed (char* p = szBaseName)
                {
                    int length = 0;
                    while (length < JetLimits.BaseNameLength + 1 && p[length] != '\0') length++;
                    return new string(p, 0, length);
                }
            }
            set
            {
                if (value.Length > JetLimits.BaseNameLength)
                    throw new ArgumentException($"A log base name has at most {JetLimits.BaseNameLength} characters: '{value}'.", nameof(value));
                fixed (char* p = szBaseName)
                {
                    for (int i = 0; i <= JetLimits.BaseNameLength; i++) p[i] = i < value.Length ? value[i] : '\0';
                }
            }
        }
    }

    /// <summary>JET_RSTMAP_W: two WCHAR pointers (original database path, new database path).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeRestoreMap
    {
        internal IntPtr szDatabaseName;
        internal IntPtr szNewDatabaseName;
    }
}
