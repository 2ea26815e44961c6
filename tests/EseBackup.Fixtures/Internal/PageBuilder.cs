using System;
using System.Collections.Generic;
using EseBackup.Core.Format;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>Page-level constants and choices shared by every page of one database.</summary>
    internal sealed class PageFormat
    {
        public const uint FlagRoot = 0x0001, FlagLeaf = 0x0002, FlagParentOfLeaf = 0x0004, FlagEmpty = 0x0008;
        public const uint FlagSpaceTree = 0x0020, FlagIndex = 0x0040, FlagNewRecordFormat = 0x0800;
        public const uint FlagNewChecksum = 0x2000, FlagFlushRock = 0x8000;

        public PageFormat(int pageSize, bool newChecksumFormat, ulong dbTime)
        {
            if (!PageChecksum.IsValidPageSize(pageSize)) throw new ArgumentException($"Page size {pageSize} is not 4096, 8192, 16384 or 32768.");
            PageSize = pageSize;
            NewChecksumFormat = newChecksumFormat;
            DbTime = dbTime;
        }

        public int PageSize { get; }

        /// <summary>16 and 32 KiB pages have the extended 80-byte header and 15-bit tag fields.</summary>
        public bool IsLarge => PageSize > 8192;

        public int HeaderSize => IsLarge ? 80 : 40;

        public bool NewChecksumFormat { get; }

        public ulong DbTime { get; }

        /// <summary>Flags every page carries besides its tree-position flags.</summary>
        public uint CommonFlags => FlagNewRecordFormat | FlagFlushRock | (NewChecksumFormat ? FlagNewChecksum : 0);
    }

    /// <summary>
    /// Builds one page: header, lines (tag 0 = the external header, then key/data nodes) packed from the
    /// front, the tag array (2-byte size, 2-byte offset per line) growing from the back, then the checksum.
    /// </summary>
    internal sealed class PageBuilder
    {
        readonly PageFormat _format;
        readonly List<(byte[] Key, byte[] Data)> _nodes = new List<(byte[], byte[])>();
        byte[] _externalHeader = Array.Empty<byte>();
        int _lineBytes;

        public PageBuilder(PageFormat format) { _format = format; }

        public int Count => _nodes.Count;

        /// <summary>Bytes one node takes on a page, its tag included.</summary>
        public static int NodeCost(int keyLength, int dataLength) => 2 + keyLength + dataLength + 4;

        public int FreeBytes => _format.PageSize - _format.HeaderSize - _lineBytes - 4 * (_nodes.Count + 1);

        public void Reset(byte[]? externalHeader = null)
        {
            _nodes.Clear();
            _externalHeader = externalHeader ?? Array.Empty<byte>();
            _lineBytes = _externalHeader.Length;
        }

        public bool Fits(int keyLength, int dataLength) => NodeCost(keyLength, dataLength) <= FreeBytes;

        public bool TryAdd(byte[] key, byte[] data)
        {
            if (!Fits(key.Length, data.Length)) return false;
            _nodes.Add((key, data));
            _lineBytes += 2 + key.Length + data.Length;
            return true;
        }

        public void Add(byte[] key, byte[] data)
        {
            if (!TryAdd(key, data)) throw new InvalidOperationException($"A node of {key.Length + data.Length} bytes does not fit on a {_format.PageSize}-byte page.");
        }

        /// <summary>Writes the finished page into dest at offset and stamps its checksum.</summary>
        public void WriteTo(byte[] dest, int offset, uint pgno, uint objidFdp, uint treeFlags, uint prev = 0, uint next = 0)
        {
            int size = _format.PageSize;
            Array.Clear(dest, offset, size);
            int dataStart = offset + _format.HeaderSize;
            int tagCount = _nodes.Count + 1;

            int ib = 0;
            WriteTag(dest, offset, 0, ib, _externalHeader.Length);
            Buffer.BlockCopy(_externalHeader, 0, dest, dataStart, _externalHeader.Length);
            ib += _externalHeader.Length;
            for (int i = 0; i < _nodes.Count; i++)
            {
                var (key, data) = _nodes[i];
                int start = ib;
                Le.U16(dest, dataStart + ib, key.Length);
                Buffer.BlockCopy(key, 0, dest, dataStart + ib + 2, key.Length);
                Buffer.BlockCopy(data, 0, dest, dataStart + ib + 2 + key.Length, data.Length);
                ib += 2 + key.Length + data.Length;
                WriteTag(dest, offset, i + 1, start, ib - start);
            }

            Le.U64(dest, offset + 8, _format.DbTime);
            Le.U32(dest, offset + 16, prev);
            Le.U32(dest, offset + 20, next);
            Le.U32(dest, offset + 24, objidFdp);
            Le.U16(dest, offset + 28, size - _format.HeaderSize - ib - 4 * tagCount);
            Le.U16(dest, offset + 32, ib);
            Le.U16(dest, offset + 34, tagCount);
            Le.U32(dest, offset + 36, treeFlags | _format.CommonFlags);
            if (_format.IsLarge) Le.U32(dest, offset + 64, pgno);
            PageChecksum.Stamp(new Span<byte>(dest, offset, size), pgno);
        }

        void WriteTag(byte[] dest, int pageOffset, int itag, int ib, int cb)
        {
            int limit = _format.IsLarge ? 0x7fff : 0x1fff;
            if (ib > limit || cb > limit) throw new InvalidOperationException("Line offset or size exceeds the tag field.");
            int at = pageOffset + _format.PageSize - 4 * (itag + 1);
            Le.U16(dest, at, cb);
            Le.U16(dest, at + 2, ib);
        }
    }
}
