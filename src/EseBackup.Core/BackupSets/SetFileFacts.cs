using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EseBackup.Core.BackupSets
{
    /// <summary>What the manifest records about a copied file, read from its own header in the set.</summary>
    internal static class SetFileFacts
    {
        // TEMPORARY until the Format readers land in main: raw header offsets from the libesedb notes.
        public static void Describe(string copiedPath, BackupFileEntry entry)
        {
            using var fs = new FileStream(copiedPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            var header = new byte[4096];
            int n = fs.Read(header, 0, header.Length);
            if (entry.Role == BackupFileRole.Database)
            {
                if (n >= 240)
                {
                    entry.PageSize = (int)BitConverter.ToUInt32(header, 236);
                    entry.DatabaseSignature = new ManifestSignature { Random = BitConverter.ToUInt32(header, 24) };
                }
            }
            else if (n >= 8)
            {
                entry.Generation = BitConverter.ToUInt32(header, 4);
            }
        }

        public static ManifestSignature? LogSignatureOf(string setPath, IReadOnlyList<BackupFileEntry> entries) => null;
    }
}
