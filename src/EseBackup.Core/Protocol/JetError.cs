namespace EseBackup.Core.Protocol
{
    /// <summary>
    /// The JET error codes the backup protocol can return, with the numbers esent.h gives them.
    /// Only the codes this module produces or maps are listed; unknown numbers are kept as numbers.
    /// </summary>
    public enum JetError
    {
        JET_errSuccess = 0,
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
        JET_errRequiredLogFilesMissing = -543,
        JET_errDatabaseDirtyShutdown = -550,
        JET_errMissingFullBackup = -560,
        JET_errMissingFileToBackup = -569,
        JET_errBackupAbortByServer = -801,
        JET_errInvalidParameter = -1003,
        JET_errOutOfMemory = -1011,
        JET_errReadVerifyFailure = -1018,
        JET_errPageNotInitialized = -1019,
        JET_errDiskIO = -1022,
        JET_errInvalidPath = -1023,
        JET_errInvalidDatabase = -1028,
        JET_errNotInitialized = -1030,
        JET_errFileAccessDenied = -1032,
        JET_errInstanceUnavailable = -1090,
        JET_errDatabaseCorrupted = -1206,
        JET_errDiskFull = -1808,
        JET_errFileNotFound = -1811,
        JET_errFileIOBeyondEOF = -4001,
    }
}
