using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Format;
using EseBackup.Core.Protocol;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// What every EseBackup cmdlet shares: resolving PowerShell paths to file-system paths and turning
    /// engine exceptions into ErrorRecords with the right category and target. No ESE logic here.
    /// </summary>
    /// <remarks>
    /// The failure contract every cmdlet follows (about_EseBackup, "ERRORS IN SCRIPTS"): a cmdlet works on
    /// items (a backup, a restore, a set or file verified or read; for a job, a path that names nothing). When it was
    /// given one item and that item fails, the error is terminating, so <c>try/catch</c> sees it and the next
    /// line does not run; when it was given several, each failure is a non-terminating error and the other
    /// items go on. Because the pipeline does not say whether more input follows, the first failure is held
    /// until the next item starts (then it is written) or input ends (then it is thrown).
    /// A derived cmdlet calls <see cref="BeginItem"/> when an item starts and <see cref="FailItem"/> when
    /// it fails, and calls <c>base.EndProcessing()</c> if it overrides EndProcessing. A query (Get-) cmdlet reports
    /// a path or id that names nothing as Get-Item does, never terminating (<see cref="FailNotThere"/>).
    /// </remarks>
    public abstract class EseCmdlet : PSCmdlet
    {
        private int _items;
        private ErrorRecord? _heldFailure;

        /// <summary>How many items this call has started so far.</summary>
        protected int ItemCount => _items;

        /// <summary>An item starts: a failure held for the previous one is now one among several.</summary>
        protected void BeginItem()
        {
            if (++_items > 1) ReleaseHeldFailure();
        }

        /// <summary>The current item failed (see the failure contract above).</summary>
        protected void FailItem(ErrorRecord record)
        {
            if (_items == 0) _items = 1;
            if (_items == 1 && _heldFailure == null)
            {
                _heldFailure = record;
                return;
            }
            ReleaseHeldFailure();
            WriteError(record);
        }

        /// <summary>Throws the held failure when this call had one item; writes it when it had several.</summary>
        protected override void EndProcessing()
        {
            var held = _heldFailure;
            _heldFailure = null;
            if (held == null) return;
            if (_items <= 1) ThrowTerminatingError(held);
            WriteError(held);
        }

        /// <summary>
        /// A query (a Get- cmdlet: it reports what is there) rather than a job (a backup, restore, verification or
        /// retention asked for). The two answer "the path names nothing" differently; see <see cref="FailNotThere"/>.
        /// </summary>
        private bool IsQuery =>
            GetType().GetCustomAttributes(typeof(CmdletAttribute), inherit: false) is CmdletAttribute[] attrs && attrs.Length == 1
            && attrs[0].VerbName == VerbsCommon.Get;

        /// <summary>
        /// Something named (a path, a session id) is not there, or not one thing. A query writes it as Get-Item, Get-ChildItem and
        /// Get-Process -Id do: always non-terminating, so -ErrorAction SilentlyContinue hides it, $? is False and
        /// -ErrorAction Stop (or $ErrorActionPreference = 'Stop') makes it a terminating error for catch. For a
        /// job it is the job's failure (failure contract): terminating when it was the only item, as Import-Csv
        /// and Compress-Archive fail when the file they need is missing.
        /// </summary>
        protected void FailNotThere(ErrorRecord record)
        {
            BeginItem();
            if (IsQuery) WriteError(record);
            else FailItem(record);
        }

        /// <summary>
        /// Writes one problem a verification found (a bad page, a bad log segment, a hash mismatch) as a
        /// non-terminating error, unless errors stop this command (-ErrorAction Stop, or $ErrorActionPreference =
        /// 'Stop' as runbooks set it). Then the first problem would end the command before the item's own failure,
        /// which carries the whole result, is thrown: catch would see one problem instead of the result with all of
        /// them. The problems are on the result either way.
        /// </summary>
        protected void WriteProblem(ErrorRecord record)
        {
            if (!ErrorsStop()) WriteError(record);
        }

        private bool ErrorsStop()
        {
            var preference = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound) ? bound : GetVariableValue("ErrorActionPreference");
            try
            {
                return preference != null && (ActionPreference)LanguagePrimitives.ConvertTo(preference, typeof(ActionPreference)) == ActionPreference.Stop;
            }
            catch (PSInvalidCastException)
            {
                return false;
            }
        }

        private void ReleaseHeldFailure()
        {
            var held = _heldFailure;
            _heldFailure = null;
            if (held != null) WriteError(held);
        }

        /// <summary>
        /// Resolves a path to existing file-system paths. -Path expands wildcards; a pattern that matches
        /// nothing but names an existing item literally (a folder called 'Data [prod]') is that item. A path
        /// that names nothing is an error (<see cref="FailNotThere"/>).
        /// </summary>
        protected IReadOnlyList<string> ResolveExistingPaths(string path, bool literal)
        {
            var results = new List<string>();
            try
            {
                if (literal)
                {
                    var resolved = GetUnresolvedProviderPathFromPSPath(path);
                    if (Exists(resolved)) results.Add(resolved);
                    else FailNotFound(path, literal);
                    return results;
                }
                foreach (var p in GetResolvedProviderPathFromPSPath(path, out var provider))
                {
                    if (provider.Name != "FileSystem")
                    {
                        BeginItem();
                        FailItem(new ErrorRecord(new ArgumentException($"'{path}' is not a file-system path."), "NotAFileSystemPath", ErrorCategory.InvalidArgument, path));
                        continue;
                    }
                    results.Add(p);
                }
                if (results.Count == 0)
                {
                    var asLiteral = GetUnresolvedProviderPathFromPSPath(path);
                    if (Exists(asLiteral))
                    {
                        WriteVerbose($"-Path '{path}' matches nothing as a wildcard pattern; using the item of that exact name ('{asLiteral}'). Use -LiteralPath to say so.");
                        results.Add(asLiteral);
                    }
                    else FailNotFound(path, literal);
                }
            }
            catch (ItemNotFoundException)
            {
                FailNotFound(path, literal);
            }
            catch (Exception ex) when (ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is NotSupportedException)
            {
                BeginItem();
                FailItem(ToErrorRecord(ex, "NotAFileSystemPath", path));
            }
            return results;
        }

        private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

        /// <summary>
        /// The file-system paths named by -Path (wildcards) and -LiteralPath, without repeats. The two share one
        /// parameter set (PathParameters.cs says why); naming neither is a failed item.
        /// </summary>
        protected IReadOnlyList<string> ResolvePathParameters(string[]? path, string[]? literalPath)
        {
            var results = new List<string>();
            if ((path == null || path.Length == 0) && (literalPath == null || literalPath.Length == 0))
            {
                BeginItem();
                FailItem(new ErrorRecord(new ArgumentException("Name what to work on with -Path or -LiteralPath, or pipe objects with a Path, FullName, PSPath or LP property."),
                    "NoPath", ErrorCategory.InvalidArgument, null));
                return results;
            }
            foreach (var p in path ?? Array.Empty<string>())
                results.AddRange(ResolveExistingPaths(p, literal: false));
            foreach (var p in literalPath ?? Array.Empty<string>())
                results.AddRange(ResolveExistingPaths(p, literal: true));
            return results.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>Fails the current item with an engine exception about one target.</summary>
        protected void FailItem(Exception ex, string errorId, object? target) => FailItem(ToErrorRecord(ex, errorId, target));

        /// <summary>A file-system path for something that may not exist yet (a destination).</summary>
        protected string ResolveNewPath(string path) => GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>An [object] parameter receives PowerShell's PSObject wrapper (a variable, the pipeline): the value inside it.</summary>
        protected static object BaseObjectOf(object value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        /// <summary>A path that names nothing, with a hint when wildcards may be why.</summary>
        private void FailNotFound(string path, bool literal)
        {
            var hint = !literal && WildcardPattern.ContainsWildcardCharacters(path)
                ? " -Path treats * ? [ ] as wildcards and nothing matched; -LiteralPath takes the name as written."
                : "";
            FailNotThere(new ErrorRecord(
                new ItemNotFoundException($"Cannot find path '{path}' because it does not exist.{hint}"),
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
