using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// Writes one block blob as a stream, with no local copy: the bytes fill a block buffer; a full buffer is
    /// staged (Put Block) in the background while the next one fills, up to a fixed number of blocks at once.
    /// The stream owns at most concurrency + 1 buffers, so memory is the same for any file size; a writer that
    /// runs ahead of the network waits for a buffer. <see cref="Commit"/> stages the last block, waits for every
    /// block and commits the block list create-only (If-None-Match: *): until then nothing is visible under the
    /// name, and a failed or abandoned upload leaves only uncommitted blocks, which the service discards.
    /// </summary>
    internal sealed class BlockUploadStream : Stream
    {
        /// <summary>The service's limit of blocks in one blob.</summary>
        internal const int MaxBlocks = 50_000;

        private readonly BlockBlobClient _blob;
        private readonly string _location;
        private readonly int _blockSize;
        private readonly SemaphoreSlim _bufferSlots;
        private readonly Stack<byte[]> _freeBuffers = new Stack<byte[]>();
        private readonly List<string> _blockIds = new List<string>();
        private readonly List<Task> _staging = new List<Task>();
        private readonly string _uploadId = Guid.NewGuid().ToString("N");
        private readonly Func<Exception, string, Exception> _wrap;
        private byte[]? _current;
        private int _filled;
        private long _length;
        private Exception? _failure;
        private bool _committed;
        private bool _disposed;

        public BlockUploadStream(BlockBlobClient blob, string location, int blockSize, int concurrency, Func<Exception, string, Exception> wrap)
        {
            _blob = blob;
            _location = location;
            _blockSize = blockSize;
            _bufferSlots = new SemaphoreSlim(concurrency + 1, concurrency + 1);
            _wrap = wrap;
        }

        /// <summary>Buffers this stream allocated (for the memory tests: never more than concurrency + 1).</summary>
        internal int BuffersAllocated { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => !_disposed && !_committed;
        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException("A blob upload is written in order.");
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
            ThrowIfUnusable();
            while (count > 0)
            {
                if (_current == null)
                {
                    _current = RentBuffer();
                    _filled = 0;
                }
                int n = Math.Min(count, _blockSize - _filled);
                Buffer.BlockCopy(buffer, offset, _current, _filled, n);
                _filled += n;
                _length += n;
                offset += n;
                count -= n;
                if (_filled == _blockSize) StageCurrent();
            }
        }

        /// <summary>Stages what is left, waits for every block and commits the list create-only. Throws when any block failed or the name is taken.</summary>
        public void Commit()
        {
            ThrowIfUnusable();
            if (_current != null && _filled > 0) StageCurrent();
            else if (_current != null) { ReturnBuffer(_current); _current = null; }
            WaitForStaging();
            if (_failure != null) throw _failure;
            try
            {
                _blob.CommitBlockList(_blockIds, new CommitBlockListOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                });
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                throw new IOException($"'{_location}' already exists; the module never replaces a blob of a set.");
            }
            catch (Exception ex)
            {
                throw _wrap(ex, $"Committing '{_location}'");
            }
            _committed = true;
        }

        public override void Flush()
        {
            // Blocks go out as they fill; Commit makes the blob. Nothing to do here (a set writer may call Flush).
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                // Abandoned (not committed): the staged blocks stay uncommitted and are discarded by the service.
                try { WaitForStaging(); } catch (Exception) { /* the caller's failure is propagating */ }
                _current = null;
                _freeBuffers.Clear();
            }
            base.Dispose(disposing);
        }

        private void StageCurrent()
        {
            if (_blockIds.Count >= MaxBlocks)
                throw new IOException($"'{_location}' would need more than {MaxBlocks} blocks of {_blockSize / (1024 * 1024)} MiB; use a larger block size for files over {(long)MaxBlocks * _blockSize / (1L << 30)} GiB.");
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(_uploadId + _blockIds.Count.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));
            _blockIds.Add(id);
            var buffer = _current!;
            int length = _filled;
            _current = null;
            _filled = 0;
            lock (_staging)
            {
                _staging.RemoveAll(t => t.IsCompleted);
                _staging.Add(Task.Run(async () =>
                {
                    try
                    {
                        // A seekable stream: the SDK's retry policy rewinds it for another attempt.
                        using (var content = new MemoryStream(buffer, 0, length, writable: false))
                            await _blob.StageBlockAsync(id, content).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref _failure, _wrap(ex, $"Uploading a block of '{_location}'"), null);
                    }
                    finally
                    {
                        ReturnBuffer(buffer);
                    }
                }));
            }
        }

        private byte[] RentBuffer()
        {
            // Waits while every buffer is filling or in flight: the writer never runs more than the pool ahead.
            _bufferSlots.Wait();
            if (_failure != null)
            {
                _bufferSlots.Release();
                throw _failure;
            }
            lock (_freeBuffers)
            {
                if (_freeBuffers.Count > 0) return _freeBuffers.Pop();
                BuffersAllocated++;
            }
            return new byte[_blockSize];
        }

        private void ReturnBuffer(byte[] buffer)
        {
            lock (_freeBuffers) _freeBuffers.Push(buffer);
            _bufferSlots.Release();
        }

        private void WaitForStaging()
        {
            Task[] pending;
            lock (_staging) pending = _staging.ToArray();
            Task.WaitAll(pending);
        }

        private void ThrowIfUnusable()
        {
            if (_disposed) throw new ObjectDisposedException(_location);
            if (_committed) throw new InvalidOperationException($"'{_location}' is already committed.");
            if (_failure != null) throw _failure;
        }
    }
}
