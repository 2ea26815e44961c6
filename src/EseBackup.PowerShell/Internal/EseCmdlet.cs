using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// What every EseBackup cmdlet shares: resolving PowerShell paths to file-system paths and turning
    /// engine exceptions into ErrorRecords with the right category and target. No ESE logic here.
    /// </summary>
    public abstract class EseCmdlet : PSCmdlet
    {
        /// <summary>Resolves a path that may contain wildcards to existing file-system paths; writes an error per miss.</summary>
        protected IEnumerable<string> ResolveExistingPaths(string path, bool literal)
        {
            var results = new List<string>();
            try
            {
                if (literal)
                {
                    var resolved = GetUnresolvedProviderPathFromPSPath(path);
                    if (File.Exists(resolved) || Directory.Exists(resolved)) results.Add(resolved);
                    else WriteNotFound(path);
                }
                else
                {
                    foreach (var p in GetResolvedProviderPathFromPSPath(path, out var provider))
                    {
                        if (provider.Name != "FileSystem")
                        {
                            WriteError(new ErrorRecord(new ArgumentException($"'{path}' is not a file-system path."), "NotAFileSystemPath", ErrorCategory.InvalidArgument, path));
                            continue;
                        }
                        results.Add(p);
                    }
                }
            }
            catch (ItemNotFoundException)
            {
                WriteNotFound(path);
            }
            return results;
        }

        /// <summary>The file-system paths named by a -Path (wildcards) or -LiteralPath parameter.</summary>
        protected IEnumerable<string> ResolveInputPaths(string[]? path, string[]? literalPath)
        {
            if (literalPath != null)
                foreach (var p in literalPath)
                    foreach (var r in ResolveExistingPaths(p, literal: true)) yield return r;
            if (path != null)
                foreach (var p in path)
                    foreach (var r in ResolveExistingPaths(p, literal: false)) yield return r;
        }

        /// <summary>Writes an engine exception as a non-terminating error about one target.</summary>
        protected void WriteEngineError(Exception ex, string errorId, object? target) => WriteError(ToErrorRecord(ex, errorId, target));

        /// <summary>A file-system path for something that may not exist yet (a destination).</summary>
        protected string ResolveNewPath(string path) => GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>An [object] parameter receives PowerShell's PSObject wrapper (a variable, the pipeline): the value inside it.</summary>
        protected static object BaseObjectOf(object value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        protected void WriteNotFound(string path)
        {
            WriteError(new ErrorRecord(
                new FileNotFoundException($"Cannot find path '{path}' because it does not exist.", path),
                "PathNotFound", ErrorCategory.ObjectNotFound, path));
        }

        /// <summary>An ErrorRecord for an exception thrown by the engine, categorised by its type.</summary>
        protected static ErrorRecord ToErrorRecord(Exception ex, string errorId, object? target)
        {
            var category = ex switch
            {
                EseFormatException => ErrorCategory.InvalidData,
                JetException jet => CategoryOf(jet.Error),
                FileNotFoundException => ErrorCategory.ObjectNotFound,
                DirectoryNotFoundException => ErrorCategory.ObjectNotFound,
                UnauthorizedAccessException => ErrorCategory.PermissionDenied,
                PlatformNotSupportedException => ErrorCategory.NotImplemented,
                OperationCanceledException => ErrorCategory.OperationStopped,
                InvalidOperationException => ErrorCategory.InvalidOperation,
                ArgumentException => ErrorCategory.InvalidArgument,
                IOException => ErrorCategory.WriteError,
                _ => ErrorCategory.NotSpecified,
            };
            return new ErrorRecord(ex, errorId, category, target);
        }

        /// <summary>The PowerShell category of a JET error: what kind of trouble it is for the person reading it.</summary>
        protected static ErrorCategory CategoryOf(JetError error)
        {
            switch (error)
            {
                case JetError.JET_errReadVerifyFailure:
                case JetError.JET_errDatabaseCorrupted:
                case JetError.JET_errBadLogSignature:
                case JetError.JET_errBadDbSignature:
                case JetError.JET_errBadCheckpointSignature:
                case JetError.JET_errCheckpointCorrupt:
                case JetError.JET_errInvalidLogSequence:
                case JetError.JET_errDatabaseLogSetMismatch:
                    return ErrorCategory.InvalidData;
                case JetError.JET_errBackupInProgress:
                case JetError.JET_errRestoreInProgress:
                    return ErrorCategory.ResourceBusy;
                case JetError.JET_errNoBackup:
                case JetError.JET_errInvalidBackupSequence:
                case JetError.JET_errBackupNotAllowedYet:
                case JetError.JET_errLoggingDisabled:
                    return ErrorCategory.InvalidOperation;
                case JetError.JET_errMissingFullBackup:
                case JetError.JET_errMissingLogFile:
                case JetError.JET_errMissingPreviousLogFile:
                case JetError.JET_errRequiredLogFilesMissing:
                case JetError.JET_errMissingFileToBackup:
                case JetError.JET_errFileNotFound:
                    return ErrorCategory.ObjectNotFound;
                case JetError.JET_errFileAccessDenied:
                    return ErrorCategory.PermissionDenied;
                case JetError.JET_errDiskFull:
                    return ErrorCategory.WriteError;
                case JetError.JET_errDiskIO:
                    return ErrorCategory.ReadError;
                case JetError.JET_errInvalidParameter:
                case JetError.JET_errInvalidPath:
                    return ErrorCategory.InvalidArgument;
                default:
                    return ErrorCategory.NotSpecified;
            }
        }
    }
}
