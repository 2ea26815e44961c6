using System;
using System.Collections.Generic;

namespace EseBackup.Core.Protocol
{
    // Int64-based on purpose: PowerShell's ConvertTo-Json writes such enums by name (it writes other enums as numbers), so
    // exports say "Full", not 0, without -EnumsAsStrings (tests/pester/Export.Tests.ps1).
    public enum BackupKind : long
    {
        Full,
        Incremental,
    }

    /// <summary>A backup kind in running text.</summary>
    public static class BackupKindText
    {
        /// <summary>"a full" or "an incremental", for sentences such as "Started an incremental backup".</summary>
        public static string WithArticle(this BackupKind kind) =>
            kind == BackupKind.Incremental ? "an incremental" : "a " + kind.ToString().ToLowerInvariant();
    }

    /// <summary>How a backup ends: JET_bitBackupEndNormal or JET_bitBackupEndAbort.</summary>
    public enum BackupEndMode
    {
        Normal,
        Abort,
    }

    /// <summary>A file opened for backup reading (JetOpenFileInstance).</summary>
    public sealed class BackupFileHandle
    {
        public BackupFileHandle(string path, long size, object? token = null)
        {
            Path = path;
            Size = size;
            Token = token;
        }

        /// <summary>The path the source named (attach info or log info).</summary>
        public string Path { get; }

        /// <summary>The file size reported at open (JetOpenFileInstance's low/high size).</summary>
        public long Size { get; }

        /// <summary>What the source needs to find its open file again (a stream, a JET handle).</summary>
        public object? Token { get; }
    }

    /// <summary>
    /// The JET external backup protocol, one method per JET call. A source enforces the order an ESE
    /// engine enforces and fails with <see cref="JetException"/> carrying the JET error it would return.
    /// </summary>
    public interface IBackupSource : IDisposable
    {
        /// <summary>What is being backed up, for manifests and messages (a folder, an instance name).</summary>
        string Description { get; }

        /// <summary>Whether <see cref="TruncateLog"/> can free logs (false for snapshots).</summary>
        bool CanTruncateLogs { get; }

        /// <summary>JetBeginExternalBackupInstance (JET_bitBackupIncremental for incremental).</summary>
        void BeginBackup(BackupKind kind);

        /// <summary>JetGetAttachInfoInstance: the database files to copy (empty for an incremental).</summary>
        IReadOnlyList<string> GetAttachInfo();

        /// <summary>JetOpenFileInstance.</summary>
        BackupFileHandle OpenFile(string path);

        /// <summary>JetReadFileInstance: fills buffer[offset..offset+count) and returns the bytes read, 0 at end of file. Pages are checksum-verified.</summary>
        int ReadFile(BackupFileHandle file, byte[] buffer, int offset, int count);

        /// <summary>JetCloseFileInstance.</summary>
        void CloseFile(BackupFileHandle file);

        /// <summary>JetGetLogInfoInstance2: the logs that make the copied databases consistent.</summary>
        LogInfo GetLogInfo();

        /// <summary>JetGetTruncateLogInfoInstance: the logs truncation would delete.</summary>
        IReadOnlyList<string> GetTruncateLogInfo();

        /// <summary>JetTruncateLogInstance.</summary>
        void TruncateLog();

        /// <summary>JetEndExternalBackupInstance2 with JET_bitBackupEndNormal or JET_bitBackupEndAbort.</summary>
        void EndBackup(BackupEndMode mode);
    }

    /// <summary>JET_LOGINFO plus the file names: the log generation range a backup needs.</summary>
    public sealed class LogInfo
    {
        public LogInfo(IReadOnlyList<string> files, long lowGeneration, long highGeneration, string baseName)
        {
            Files = files;
            LowGeneration = lowGeneration;
            HighGeneration = highGeneration;
            BaseName = baseName;
        }

        public IReadOnlyList<string> Files { get; }
        public long LowGeneration { get; }
        public long HighGeneration { get; }

        /// <summary>The log base name: "edb", "E00", "USS".</summary>
        public string BaseName { get; }

        /// <summary>One line for a table cell or an Export-Csv row: <c>edb generations 3-7 (5 logs)</c>.</summary>
        public override string ToString() =>
            Files.Count == 0 ? $"{BaseName}: no logs" : $"{BaseName} generations {LowGeneration}-{HighGeneration} ({Files.Count} log{(Files.Count == 1 ? "" : "s")})";
    }
}
