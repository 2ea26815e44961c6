using System;
using System.IO;

namespace EseBackup.Fixtures.Internal
{
    /// <summary>
    /// Writes pages of a database file by page number (file offset = (pgno + 1) × page size), gathering
    /// consecutive pages into one large buffer so long runs become few big sequential writes.
    /// </summary>
    internal sealed class PageFileWriter : IDisposable
    {
        const int TargetBufferBytes = 4 << 20;

        readonly Stream _stream;
        readonly int _pageSize;
        readonly byte[] _buffer;
        long _bufferFirstPgno = -1;
        int _bufferedPages;

        public PageFileWriter(Stream stream, int pageSize)
        {
            _stream = stream;
            _pageSize = pageSize;
            _buffer = new byte[Math.Max(pageSize, TargetBufferBytes / pageSize * pageSize)];
        }

        public int PageSize => _pageSize;

        /// <summary>Room for the next page in the buffer; fill it, then call <see cref="Commit"/> with its number.</summary>
        public (byte[] Buffer, int Offset) Next(long pgno)
        {
            if (_bufferedPages > 0 && (pgno != _bufferFirstPgno + _bufferedPages || (_bufferedPages + 1) * _pageSize > _buffer.Length)) Flush();
            if (_bufferedPages == 0) _bufferFirstPgno = pgno;
            return (_buffer, _bufferedPages * _pageSize);
        }

        /// <summary>Room for up to <paramref name="maxPages"/> consecutive pages from <paramref name="firstPgno"/>; commit with <see cref="CommitRun"/>.</summary>
        public (byte[] Buffer, int Offset, int Pages) NextRun(long firstPgno, long maxPages)
        {
            var (buffer, offset) = Next(firstPgno);
            int room = (_buffer.Length - offset) / _pageSize;
            return (buffer, offset, (int)Math.Min(room, maxPages));
        }

        public void CommitRun(long firstPgno, int pages)
        {
            if (firstPgno != _bufferFirstPgno + _bufferedPages) throw new InvalidOperationException($"Page {firstPgno} was not the page prepared.");
            _bufferedPages += pages;
        }

        public void Commit(long pgno)
        {
            if (pgno != _bufferFirstPgno + _bufferedPages) throw new InvalidOperationException($"Page {pgno} was not the page prepared.");
            _bufferedPages++;
        }

        /// <summary>Writes raw bytes for a whole file page index (used for the header and its shadow).</summary>
        public void WriteFilePage(long fileIndex, byte[] page)
        {
            Flush();
            _stream.Position = fileIndex * _pageSize;
            _stream.Write(page, 0, _pageSize);
        }

        public void Flush()
        {
            if (_bufferedPages == 0) return;
            long position = (_bufferFirstPgno + 1) * _pageSize;
            if (_stream.Position != position) _stream.Position = position;
            _stream.Write(_buffer, 0, _bufferedPages * _pageSize);
            _bufferedPages = 0;
        }

        public void Dispose() => Flush();
    }
}
