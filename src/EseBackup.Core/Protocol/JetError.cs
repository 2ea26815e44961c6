namespace EseBackup.Core.Protocol
{
    /// <summary>
    /// The JET error codes the backup protocol and the engine backend can return, with the numbers esent.h
    /// gives them (checked against microsoft/Extensible-Storage-Engine dev/ese/published/inc/jethdr.w, the
    /// source esent.h is generated from). Only the codes this module produces or maps are listed; unknown
    /// numbers are kept as numbers by <see cref="JetException"/>.
    /// </summary>
    public enum JetError
    {
        JET_errSuccess = 0,

        // Logging / recovery / backup (-500 .. -699).
        JET_errNoBackupDirectory = -503,
        JET_errBackupDirectoryNotEmpty = -504,
        JET_errBackupInProgress = -505,
        JET_errRestoreInProgress = -506,
        JET_errMissingPreviousLogFile = -509,
        JET_errBadLogVersion = -514,
        JET_errInvalidLogSequence = -515,
        JET_errLoggingDisabled = -516,
        JET_errNoBackup = -520,
        JET_errInvalidBackupSequence = -521,
        JET_errBackupNotAllowedYet = -523,
        JET_errInvalidBackup = -526,
        JET_errMissingLogFile = -528,
        JET_errBadLogSignature = -530,
        JET_errBadDbSignature = -531,
        JET_errBadCheckpointSignature = -532,
        JET_errCheckpointCorrupt = -533,
        JET_errDatabaseLogSetMismatch = -539,
        JET_errCheckpointFileNotFound = -542,
        JET_errRequiredLogFilesMissing = -543,
        JET_errSoftRecoveryOnBackupDatabase = -544,
        JET_errDatabaseDirtyShutdown = -550,
        JET_errMissingRestoreLogFiles = -557,
        JET_errMissingFullBackup = -560,
        JET_errMissingFileToBackup = -569,
        JET_errLogSequenceChecksumMismatch = -590,
        JET_errLogReadVerifyFailure = -612,
        JET_errLogFileNotCopied = -616,
        JET_errBackupAbortByServer = -801,
        JET_errInvalidGrbit = -900,

        // API / engine state (-1000 .. -1199).
        JET_errTermInProgress = -1000,
        JET_errInvalidParameter = -1003,
        JET_errOutOfMemory = -1011,
        JET_errReadVerifyFailure = -1018,
        JET_errPageNotInitialized = -1019,
        JET_errDiskIO = -1022,
        JET_errInvalidPath = -1023,
        JET_errInvalidSystemPath = -1024,
        JET_errInvalidLogDirectory = -1025,
        JET_errInvalidDatabase = -1028,
        JET_errNotInitialized = -1029,
        JET_errAlreadyInitialized = -1030,
        JET_errFileAccessDenied = -1032,
        JET_errBufferTooSmall = -1038,
        JET_errInstanceNameInUse = -1086,
        JET_errInstanceUnavailable = -1090,
        JET_errInvalidSesid = -1104,
        JET_errInvalidInstance = -1115,
        JET_errDirtyShutdown = -1116,

        // Databases (-1200 .. -1299).
        JET_errDatabaseDuplicate = -1201,
        JET_errDatabaseInUse = -1202,
        JET_errDatabaseNotFound = -1203,
        JET_errDatabaseCorrupted = -1206,
        JET_errPageSizeMismatch = -1213,
        JET_errDatabaseSharingViolation = -1215,

        // Tables, columns, records (used by the engine backend's own tests).
        JET_errObjectNotFound = -1305,
        JET_errColumnNotFound = -1507,
        JET_errRecordNotFound = -1601,
        JET_errNoCurrentRecord = -1603,

        // Files and disks.
        JET_errDiskFull = -1808,
        JET_errPermissionDenied = -1809,
        JET_errFileNotFound = -1811,
        JET_errFileInvalidType = -1812,
        JET_errFileAlreadyExists = -1814,
        JET_errFileIOBeyondEOF = -4001,
    }
}
