using System;
using System.Buffers.Binary;
using System.IO;

namespace EseBackup.Core.Format
{
    /// <summary>The checkpoint file (edb.chk / E00.chk, CHECKPOINT header): what <c>eseutil /mk</c> prints.</summary>
    public sealed class CheckpointHeader
    {
        public const int HeaderSize = 4096;

        public string Path { get; set; } = "";
        public uint Checksum { get; set; }
        public bool HeaderChecksumValid { get; set; } = true;

        /// <summary>The oldest log position recovery has to replay from.</summary>
        public LogPosition CheckpointPosition { get; set; }
        public long CheckpointGeneration => CheckpointPosition.Generation;
        public LogPosition LastFullBackupCheckpoint { get; set; }
        public EseSignature LogSignature { get; set; } = new EseSignature(0, null);
        public LogPosition FullBackupPosition { get; set; }
        public DateTime? FullBackupTime { get; set; }
        public LogPosition IncrementalBackupPosition { get; set; }
        public DateTime? IncrementalBackupTime { get; set; }
        public LogPosition DatabaseConsistencyPosition { get; set; }
        public byte Version { get; set; }

        /// <summary>The newest log generation found beside the checkpoint with the same log signature (set by callers that scan the folder).</summary>
        public long? NewestLogGeneration { get; set; }

        public static CheckpointHeader Read(string path)
        {
            using var stream = RegularFile.OpenEseFile(path, "checkpoint file");
            long length = stream.Length;
            if (length == 0)
                throw new EseFormatException(path, EseFormatProblem.Empty, $"'{path}' is empty (0 bytes), not an ESE checkpoint file.");
            var h = new byte[HeaderSize];
            if (DatabaseHeader.ReadFully(stream, h, 0, h.Length) < HeaderSize)
                throw new EseFormatException(path, EseFormatProblem.TooShort, $"'{path}' is {length} bytes, shorter than a checkpoint header (4096 bytes): not an ESE checkpoint file.");
            var type = (EseHeaderFileType)BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(DatabaseHeader.FileTypeOffset));
            if (type == EseHeaderFileType.Database && h.AsSpan(4, 4).SequenceEqual(DatabaseHeader.Magic))
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE database, not a checkpoint file. Use Get-EseDatabaseInfo to read it.");
            if (type == EseHeaderFileType.Log)
                throw new EseFormatException(path, EseFormatProblem.WrongFileType, $"'{path}' is an ESE transaction log, not a checkpoint file. Use Get-EseLogFile to read it.");
            if (type != EseHeaderFileType.Checkpoint)
                throw new EseFormatException(path, EseFormatProblem.NotEse, $"'{path}' is not an ESE checkpoint file: its header does not carry the checkpoint file type.");
            if (!PageChecksum.VerifyLogHeader(h, out uint stored, out uint computed))
                throw new EseFormatException(path, EseFormatProblem.BadHeaderChecksum,
                    $"'{path}': the checkpoint header checksum is wrong (stored 0x{stored:X8}, computed 0x{computed:X8}). The checkpoint is damaged; ESE recovery can rebuild it from the logs.", -1);

            return new CheckpointHeader
            {
                Path = path,
                Checksum = stored,
                LastFullBackupCheckpoint = LogPosition.Read(h.AsSpan(4)),
                CheckpointPosition = LogPosition.Read(h.AsSpan(12)),
                LogSignature = EseSignature.Read(h.AsSpan(20)),
                FullBackupPosition = LogPosition.Read(h.AsSpan(615)),
                FullBackupTime = LogTime.Read(h.AsSpan(623)),
                IncrementalBackupPosition = LogPosition.Read(h.AsSpan(631)),
                IncrementalBackupTime = LogTime.Read(h.AsSpan(639)),
                Version = h[647],
                DatabaseConsistencyPosition = LogPosition.Read(h.AsSpan(648)),
            };
        }

        /// <summary>Writes the checkpoint header into the first 4 KiB and stamps its checksum (fixture writer).</summary>
        public void WriteTo(Span<byte> h)
        {
            if (h.Length < HeaderSize) throw new ArgumentException("A checkpoint header needs 4096 bytes.", nameof(h));
            h.Slice(0, HeaderSize).Clear();
            LastFullBackupCheckpoint.Write(h.Slice(4));
            CheckpointPosition.Write(h.Slice(12));
            LogSignature.Write(h.Slice(20));
            FullBackupPosition.Write(h.Slice(615));
            LogTime.Write(h.Slice(623), FullBackupTime);
            IncrementalBackupPosition.Write(h.Slice(631));
            LogTime.Write(h.Slice(639), IncrementalBackupTime);
            h[647] = Version;
            DatabaseConsistencyPosition.Write(h.Slice(648));
            BinaryPrimitives.WriteInt32LittleEndian(h.Slice(DatabaseHeader.FileTypeOffset), (int)EseHeaderFileType.Checkpoint);
            PageChecksum.StampLogHeader(h);
        }
    }
}
