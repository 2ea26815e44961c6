using System;
using System.IO;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What is wrong with a backup set (or with restoring it).</summary>
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum BackupProblemKind : long
    {
        MissingManifest,
        BadManifest,
        MissingFile,
        SizeMismatch,
        HashMismatch,
        BadPage,
        BadDatabaseHeader,
        BadLogHeader,
        GenerationMismatch,
        LogGap,
        ForeignLog,
        MissingParent,
        BrokenChain,
        UnsafePath,
        UnreadableFile,
        DestinationExists,
        BadLogSegment,
        BrokenLogChain,

        /// <summary>Another process holds the lease of the restore destination.</summary>
        DestinationInUse,

        /// <summary>A second set folder carries a set id another folder has (a copied set); it is not used.</summary>
        DuplicateSet,
    }

    /// <summary>One problem found in a backup set: the file and, where one is at fault, the page or log generation.</summary>
    public sealed class BackupSetProblem
    {
        public BackupSetProblem(BackupProblemKind kind, string setPath, string? file, string message, long? pageNumber = null, long? generation = null, long? sector = null)
        {
            Sector = sector;
            Kind = kind;
            SetPath = setPath;
            File = file;
            Message = message;
            PageNumber = pageNumber;
            Generation = generation;
        }

        public BackupProblemKind Kind { get; }
        public string SetPath { get; }

        /// <summary>The full path of the file at fault (the manifest for manifest problems; null for chain problems).</summary>
        public string? File { get; }

        /// <summary>ESE page number of a bad page (−1 header, 0 shadow header).</summary>
        public long? PageNumber { get; }

        /// <summary>The sector of a log segment at fault (segment index from the start of the log file).</summary>
        public long? Sector { get; }

        /// <summary>Log generation at fault (missing, foreign, gap).</summary>
        public long? Generation { get; }

        public string Message { get; }

        public override string ToString() => Message;
    }

    /// <summary>A backup set cannot be used (restore stops): carries the problem that stopped it.</summary>
    public sealed class BackupSetException : Exception
    {
        public BackupSetException(BackupSetProblem problem, Exception? inner = null) : base(problem.Message, inner)
        {
            Problem = problem;
        }

        public BackupSetProblem Problem { get; }
    }
}
