namespace EseBackup.Core.Interop
{
    /// <summary>JET_param* identifiers this module sets (values from esent.h / jethdr.w).</summary>
    internal static class JetParam
    {
        internal const uint SystemPath = 0;
        internal const uint TempPath = 1;
        internal const uint LogFilePath = 2;
        internal const uint BaseName = 3;
        internal const uint CircularLog = 17;
        internal const uint DatabasePageSize = 64;
        internal const uint CreatePathIfNotExist = 100;
    }

    /// <summary>JET_bit* grbits this module passes (values from esent.h / jethdr.w).</summary>
    internal static class JetGrbit
    {
        internal const uint None = 0;

        // JetBeginExternalBackupInstance.
        internal const uint BackupIncremental = 0x00000001;

        // JetEndExternalBackupInstance2.
        internal const uint BackupEndNormal = 0x0001;
        internal const uint BackupEndAbort = 0x0002;

        // JetTerm2.
        internal const uint TermComplete = 0x00000001;
        internal const uint TermAbrupt = 0x00000002;
        internal const uint TermStopBackup = 0x00000004;
        internal const uint TermDirty = 0x00000008;

        // JetCreateDatabase2.
        internal const uint DbOverwriteExisting = 0x00000200;
    }

    /// <summary>JET_DbInfo* levels for JetGetDatabaseFileInfo (values from esent.h / jethdr.w).</summary>
    internal static class JetDbInfo
    {
        internal const uint Filesize = 10;
        internal const uint Misc = 14;
        internal const uint PageSize = 17;
        internal const uint FileType = 19;
    }

    /// <summary>Sizes esent.h fixes.</summary>
    internal static class JetLimits
    {
        /// <summary>JET_BASE_NAME_LENGTH: "edb", "E00".</summary>
        internal const int BaseNameLength = 3;
    }
}
