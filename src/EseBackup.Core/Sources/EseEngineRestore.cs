using System;
using System.Collections.Generic;
using System.IO;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;

namespace EseBackup.Core.Sources
{
    /// <summary>
    /// Restore through the engine itself (Windows only): hard recovery of database copies from backed-up
    /// logs (JetExternalRestore2), and restore of a folder made by the engine's own backup (JetRestoreInstance).
    /// </summary>
    public static class EseEngineRestore
    {
        /// <summary>
        /// Replays the logs in <paramref name="backupLogFolder"/> (the generations of <paramref name="logRange"/>)
        /// and then those in <paramref name="logFolder"/> into database copies already placed at their new paths.
        /// </summary>
        /// <param name="backupLogFolder">Where the backed-up log files are.</param>
        /// <param name="logRange">The generation range and base name the backup reported (GetLogInfo).</param>
        /// <param name="databaseMap">Original database path (as the backup named it) to the copy to recover.</param>
        /// <param name="logFolder">The log folder of the restored instance (created when missing).</param>
        /// <param name="checkpointFolder">Where the checkpoint file goes (created when missing).</param>
        /// <param name="targetInstanceLogFolder">
        /// The log folder of a running instance whose logs should be rolled forward too; given together with
        /// <paramref name="targetInstanceCheckpointFolder"/> or not at all (the engine refuses one without the other).
        /// The target instance name esent.h still declares is deprecated and always passed as null.
        /// </param>
        public static void RecoverFromExternalBackup(
            string backupLogFolder,
            LogInfo logRange,
            IEnumerable<KeyValuePair<string, string>> databaseMap,
            string logFolder,
            string checkpointFolder,
            string? targetInstanceLogFolder = null,
            string? targetInstanceCheckpointFolder = null)
        {
            EsentPlatform.EnsureAvailable();
            if ((targetInstanceLogFolder == null) != (targetInstanceCheckpointFolder == null))
                throw new ArgumentException("Give both the target instance log folder and its checkpoint folder, or neither.", nameof(targetInstanceCheckpointFolder));
            if (logRange == null) throw new ArgumentNullException(nameof(logRange));
            if (databaseMap == null) throw new ArgumentNullException(nameof(databaseMap));
            if (!Directory.Exists(backupLogFolder))
                throw new DirectoryNotFoundException($"The backup log folder '{backupLogFolder}' does not exist.");
            var map = new List<KeyValuePair<string, string>>(databaseMap);
            foreach (var entry in map)
            {
                if (!File.Exists(entry.Value))
                    throw new FileNotFoundException($"The database copy '{entry.Value}' to recover does not exist.", entry.Value);
            }
            Directory.CreateDirectory(logFolder);
            Directory.CreateDirectory(checkpointFolder);
            Esent.ExternalRestore(
                WithSeparator(Path.GetFullPath(checkpointFolder)), WithSeparator(Path.GetFullPath(logFolder)), map,
                WithSeparator(Path.GetFullPath(backupLogFolder)), logRange.LowGeneration, logRange.HighGeneration, logRange.BaseName,
                targetInstanceLogFolder, targetInstanceCheckpointFolder);
        }

        /// <summary>
        /// JetRestoreInstance: restores <paramref name="backupFolder"/> (made by the engine's JetBackupInstance)
        /// into a new instance over <paramref name="logFolder"/> and <paramref name="systemFolder"/>, then terminates it.
        /// </summary>
        public static void RestoreEngineBackup(string backupFolder, string logFolder, string systemFolder, string baseName, string? destinationFolder = null)
        {
            EsentPlatform.EnsureAvailable();
            if (!Directory.Exists(backupFolder))
                throw new DirectoryNotFoundException($"The backup folder '{backupFolder}' does not exist.");
            if (baseName == null || baseName.Length != JetLimits.BaseNameLength)
                throw new ArgumentException($"The log base name must have exactly {JetLimits.BaseNameLength} characters: '{baseName}'.", nameof(baseName));
            Directory.CreateDirectory(logFolder);
            Directory.CreateDirectory(systemFolder);
            var name = "EseBackup-restore-" + Guid.NewGuid().ToString("N");
            var raw = Esent.CreateInstance(name, name);
            using var handle = new JetInstanceHandle(raw, ownsHandle: true);
            Esent.SetParameter(raw, JetParam.SystemPath, IntPtr.Zero, WithSeparator(Path.GetFullPath(systemFolder)));
            Esent.SetParameter(raw, JetParam.LogFilePath, IntPtr.Zero, WithSeparator(Path.GetFullPath(logFolder)));
            Esent.SetParameter(raw, JetParam.BaseName, IntPtr.Zero, baseName);
            Esent.RestoreInstance(raw, Path.GetFullPath(backupFolder), destinationFolder == null ? null : Path.GetFullPath(destinationFolder));
            int err = handle.Terminate(JetGrbit.TermComplete);
            Esent.Check(err, "JetTerm2");
        }

        private static string WithSeparator(string folder) =>
            folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + Path.DirectorySeparatorChar;
    }
}
