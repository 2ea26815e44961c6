using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What the manifest records about a copied file, read from its own header in the set.</summary>
    internal static class SetFileFacts
    {
        public static void Describe(string copiedPath, BackupFileEntry entry)
        {
            if (entry.Role == BackupFileRole.Database)
            {
                var header = DatabaseHeader.Read(copiedPath);
                entry.PageSize = header.PageSize;
                entry.DatabaseSignature = ToManifest(header.DatabaseSignature);
            }
            else
            {
                entry.Generation = LogFileHeader.Read(copiedPath).Generation;
            }
        }

        /// <summary>The log signature of the set: from its newest log's header, else from its first database's header.</summary>
        public static ManifestSignature? LogSignatureOf(string setPath, IReadOnlyList<BackupFileEntry> entries)
        {
            var newestLog = entries.Where(e => e.Role == BackupFileRole.Log).OrderByDescending(e => e.Generation).FirstOrDefault();
            if (newestLog != null)
            {
                var sig = LogFileHeader.Read(BackupManifest.ResolveInside(setPath, newestLog.Path)).LogSignature;
                if (!sig.IsEmpty) return ToManifest(sig);
            }
            var db = entries.FirstOrDefault(e => e.Role == BackupFileRole.Database);
            if (db != null)
            {
                var sig = DatabaseHeader.Read(BackupManifest.ResolveInside(setPath, db.Path)).LogSignature;
                if (!sig.IsEmpty) return ToManifest(sig);
            }
            return null;
        }

        public static ManifestSignature? ToManifest(EseSignature? signature) =>
            signature == null || signature.IsEmpty
                ? null
                : new ManifestSignature { Random = signature.Random, CreationTime = signature.CreationTime, ComputerName = string.IsNullOrEmpty(signature.ComputerName) ? null : signature.ComputerName };
    }
}
