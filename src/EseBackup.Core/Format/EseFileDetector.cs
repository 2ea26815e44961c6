using System;
using System.Buffers.Binary;
using System.IO;

namespace EseBackup.Core.Format
{
    public enum EseFileKind
    {
        Unknown,
        Database,
        Log,
        /// <summary>A zero-filled reserve or temp log (no header yet).</summary>
        ReserveLog,
        Checkpoint,
    }

    /// <summary>Recognises ESE files by their content (header file type, signature) and, for zero-filled logs, by name.</summary>
    public static class EseFileDetector
    {
        public static EseFileKind Detect(string path)
        {
            if (!File.Exists(path)) return EseFileKind.Unknown;
            try
            {
                using var stream = RegularFile.OpenRead(path);
                var h = new byte[4096];
                int got = DatabaseHeader.ReadFully(stream, h, 0, h.Length);
                LogFileName.TryParse(path, out var name);
                if (got < h.Length) return EseFileKind.Unknown;
                if (PageChecksum.IsAllZero(h))
                {
                    if (name != null) return name.Kind == LogFileKind.Reserve || name.Kind == LogFileKind.Temp ? EseFileKind.ReserveLog : EseFileKind.Unknown;
                    // A zeroed header page: the engine still attaches from an intact shadow (ErrUtilReadShadowedHeader).
                    return DatabaseHeader.HasIntactShadowHeader(stream) ? EseFileKind.Database : EseFileKind.Unknown;
                }
                var type = (EseHeaderFileType)BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(DatabaseHeader.FileTypeOffset));
                switch (type)
                {
                    case EseHeaderFileType.Database:
                        return h.AsSpan(4, 4).SequenceEqual(DatabaseHeader.Magic) ? EseFileKind.Database : EseFileKind.Unknown;
                    case EseHeaderFileType.Log:
                        return PageChecksum.VerifyLogHeader(h, out _, out _) ? EseFileKind.Log : EseFileKind.Unknown;
                    case EseHeaderFileType.Checkpoint:
                        return PageChecksum.VerifyLogHeader(h, out _, out _) ? EseFileKind.Checkpoint : EseFileKind.Unknown;
                    default:
                        return EseFileKind.Unknown;
                }
            }
            catch (IOException)
            {
                return EseFileKind.Unknown;
            }
            catch (UnauthorizedAccessException)
            {
                return EseFileKind.Unknown;
            }
        }
    }
}
