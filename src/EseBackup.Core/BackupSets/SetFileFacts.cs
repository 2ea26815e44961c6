using System.Collections.Generic;
using System.IO;
using System.Linq;
using EseBackup.Core.Format;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What the manifest records about a copied file, read from its own header in the set.</summary>
    internal static class SetFileFacts
    {
        /// <summary>
        /// Fills in what the copied file's own header says (page size and database signature, or log generation),
        /// read from <paramref name="head"/>, its first bytes; returns the log signature that header carries (null when none).
        /// </summary>
        public static EseSignature? Describe(Stream head, string location, BackupFileEntry entry)
        {
            if (entry.Role == BackupFileRole.Database)
            {
                var header = DatabaseHeader.Read(head, location);
                entry.PageSize = header.PageSize;
                entry.DatabaseSignature = ToManifest(header.DatabaseSignature);
                return header.LogSignature.IsEmpty ? null : header.LogSignature;
            }
            var log = LogFileHeader.Read(head, location);
            entry.Generation = log.Generation;
            return log.LogSignature.IsEmpty ? null : log.LogSignature;
        }

        /// <summary>The log signature of the set: from its newest log's header, else from its first database's header.</summary>
        public static ManifestSignature? LogSignatureOf(IReadOnlyList<BackupFileEntry> entries, IReadOnlyDictionary<BackupFileEntry, EseSignature> signatures)
        {
            var newestLog = entries.Where(e => e.Role == BackupFileRole.Log).OrderByDescending(e => e.Generation).FirstOrDefault();
            if (newestLog != null && signatures.TryGetValue(newestLog, out var logSignature)) return ToManifest(logSignature);
            var db = entries.FirstOrDefault(e => e.Role == BackupFileRole.Database);
            if (db != null && signatures.TryGetValue(db, out var dbSignature)) return ToManifest(dbSignature);
            return null;
        }

        public static ManifestSignature? ToManifest(EseSignature? signature) =>
            signature == null || signature.IsEmpty
                ? null
                : new ManifestSignature { Random = signature.Random, CreationTime = signature.CreationTime, ComputerName = string.IsNullOrEmpty(signature.ComputerName) ? null : signature.ComputerName };
    }
}
