using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// Reads one blob as a stream: ranges of a fixed size are downloaded ahead in parallel (a fixed number at
    /// once, each into its own buffer) and handed out in order, so memory is the same for any blob size. Every
    /// range is read under If-Match of the ETag seen at open: a blob replaced while it is read fails the read
    /// instead of mixing two versions. The first range is small and read-ahead starts once it is in, so
    /// opening a file for its header costs little; a seek back into the range being read keeps the read-ahead.
    /// </summary>
    internal sealed class BlobReadStream : Stream
    {
        private readonly BlobClient _blob;
        private readonly ETag _etag;
        private readonly string _location;
        private readonly int _rangeSize;
        private readonly int _ahead;
        private readonly Func<Exception, string, Exception> _wrap;
        private readonly Queue<Range> _pending = new Queue<Range>();
        private readonly Stack<byte[]> _freeBuffers = new Stack<byte[]>();
        private CancellationTokenSource _cancel = new CancellationTokenSource();
        private Range? _current;
        private int _currentOffset;
        private long _nextToSchedule;
        private long _position;
        private bool _disposed;

        public BlobReadStream(BlobClient blob, long length, ETag etag, string location, int rangeSize, int ahead, Func<Exception, string, Exception> wrap)
        {
            _blob = blob;
            Length = length;
            _etag = etag;
            _location = location;
            _rangeSize = rangeSize;
            _ahead = ahead;
            _wrap = wrap;
        }

        /// <summary>Buffers this stream allocated (for the memory tests: never more than read-ahead + 1).</summary>
        internal int BuffersAllocated { get; private set; }

        public override bool CanRead => !_disposed;
        public override bool CanSeek => !_disposed;
        public override bool CanWrite => false;
        public override long Length { get; }

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
            if (_disposed) throw new ObjectDisposedException(_location);
            int total = 0;
            while (count > 0 && _position < Length)
            {
                if (_current == null || _currentOffset >= _current.Length)
                {
                    if (_current != null) _freeBuffers.Push(_current.Buffer);
                    _current = NextRange();
                    _currentOffset = 0;
                }
                int n = Math.Min(count, _current.Length - _currentOffset);
                Buffer.BlockCopy(_current.Buffer, _currentOffset, buffer, offset, n);
                _currentOffset += n;
                _position += n;
                offset += n;
                count -= n;
                total += n;
            }
            return total;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            if (_disposed) throw new ObjectDisposedException(_location);
            long target = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? _position + offset : Length + offset;
            if (target < 0) throw new IOException("Cannot seek before the start of the blob.");
            if (target == _position) return _position;
            if (_current != null && target >= _current.Start && target < _current.Start + _current.Length)
            {
                // Back (or on) into the range in hand, e.g. to the start after reading a header: the read-ahead still follows it.
                _currentOffset = (int)(target - _current.Start);
                _position = target;
                return _position;
            }
            // Read-ahead is for sequential reading: a jump drops it and starts again at the new place.
            DropReadAhead();
            _position = target;
            _nextToSchedule = target;
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                // Downloads still running are cancelled, not waited for: a file opened for its header closes at once.
                _cancel.Cancel();
                _pending.Clear();
                _current = null;
                _freeBuffers.Clear();
            }
            base.Dispose(disposing);
        }

        private Range NextRange()
        {
            Schedule();
            var range = _pending.Dequeue();
            try
            {
                range.Task.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                _freeBuffers.Push(range.Buffer);
                throw;
            }
            // One range consumed: the next one starts while this one is read.
            Schedule();
            return range;
        }

        private void Schedule()
        {
            // The first range of a read from the start is small and alone (a header read stops there); then full ranges, several at once.
            bool firstFromStart = _nextToSchedule == 0 && _current == null;
            int limit = firstFromStart ? 1 : _ahead;
            while (_pending.Count < limit && _nextToSchedule < Length)
            {
                long offset = _nextToSchedule;
                int length = (int)Math.Min(firstFromStart ? Math.Min(_rangeSize, FirstRangeSize) : _rangeSize, Length - offset);
                byte[] buffer;
                if (_freeBuffers.Count > 0) buffer = _freeBuffers.Pop();
                else
                {
                    buffer = new byte[_rangeSize];
                    BuffersAllocated++;
                }
                _pending.Enqueue(new Range(buffer, offset, length, DownloadAsync(offset, buffer, length, _cancel.Token)));
                _nextToSchedule += length;
            }
        }

        private async Task DownloadAsync(long offset, byte[] buffer, int length, CancellationToken cancel)
        {
            try
            {
                var response = await _blob.DownloadStreamingAsync(new BlobDownloadOptions
                {
                    Range = new HttpRange(offset, length),
                    Conditions = new BlobRequestConditions { IfMatch = _etag },
                }, cancel).ConfigureAwait(false);
                using (var content = response.Value.Content)
                {
                    int filled = 0;
                    while (filled < length)
                    {
                        int n = await content.ReadAsync(buffer, filled, length - filled, cancel).ConfigureAwait(false);
                        if (n <= 0) break;
                        filled += n;
                    }
                    if (filled != length)
                        throw new IOException($"'{_location}' ended at {offset + filled} bytes, before the {Length} it had when opened.");
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                throw new IOException($"'{_location}' was replaced while it was read (its ETag changed); read it again.");
            }
            catch (RequestFailedException ex)
            {
                throw _wrap(ex, $"Reading '{_location}' at offset {offset}");
            }
        }

        private void DropReadAhead()
        {
            // The ranges in flight are cancelled and their buffers left to them (new ones are made as needed).
            _cancel.Cancel();
            _cancel = new CancellationTokenSource();
            _pending.Clear();
            if (_current != null) _freeBuffers.Push(_current.Buffer);
            _current = null;
            _currentOffset = 0;
        }

        /// <summary>The first range read from the start: enough for any header, small enough to cost nothing when only the header is read.</summary>
        private const int FirstRangeSize = 1024 * 1024;

        private sealed class Range
        {
            public Range(byte[] buffer, long start, int length, Task task)
            {
                Buffer = buffer;
                Start = start;
                Length = length;
                Task = task;
            }

            public byte[] Buffer { get; }
            public long Start { get; }
            public int Length { get; }
            public Task Task { get; }
        }
    }
}
