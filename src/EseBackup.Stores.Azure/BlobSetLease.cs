using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// The blob store's lease of a set (in progress, built on, being removed): a blob lease on a small marker blob
    /// beside the set (".&lt;set&gt;.lease", the name the folder store gives its lease file). The lease is taken for
    /// a fixed duration and renewed in the background at a third of it, so a killed holder's lease expires by
    /// itself: detectably stale, then taken over by the next taker. Releasing deletes the marker under the lease
    /// (one atomic step: the marker and the lease go together).
    /// </summary>
    internal sealed class BlobSetLease : IDisposable
    {
        private static readonly TimeSpan ProbeRetry = TimeSpan.FromMilliseconds(250);

        private readonly BlobClient _marker;
        private readonly BlobLeaseClient _lease;
        private readonly TimeSpan _duration;
        private readonly Timer _timer;
        private readonly object _gate = new object();
        private readonly Stopwatch _sinceRenewal = Stopwatch.StartNew();
        private bool _disposed;
        private volatile bool _lost;

        private BlobSetLease(BlobClient marker, BlobLeaseClient lease, TimeSpan duration, string location)
        {
            _marker = marker;
            _lease = lease;
            _duration = duration;
            Location = location;
            var period = TimeSpan.FromTicks(duration.Ticks / 3);
            _timer = new Timer(_ => Renew(), null, period, period);
        }

        /// <summary>The marker blob's URL (no SAS).</summary>
        public string Location { get; }

        /// <summary>True once a renewal found the lease gone (expired while this process was stalled, or broken): the set is no longer ours.</summary>
        public bool IsLost => _lost || (!_disposed && _sinceRenewal.Elapsed >= _duration);

        /// <summary>Creates the marker new and leases it: null when any blob has its name (a live or stale lease).</summary>
        public static BlobSetLease? TryClaimNew(BlobClient marker, TimeSpan duration, string location)
        {
            try
            {
                marker.Upload(new BinaryData(Stamp()), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                return null;
            }
            var lease = marker.GetBlobLeaseClient();
            try
            {
                lease.Acquire(duration);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 404 || ex.Status == 412)
            {
                return null; // someone took (or removed) the name between our create and our lease: not ours
            }
            return new BlobSetLease(marker, lease, duration, location);
        }

        /// <summary>
        /// Takes the lease: creates the marker, or leases one whose holder is gone (its lease expired). Null when a
        /// live holder keeps it for all of <paramref name="wait"/>.
        /// </summary>
        public static BlobSetLease? TryAcquire(BlobClient marker, TimeSpan duration, TimeSpan wait, string location)
        {
            var deadline = Stopwatch.StartNew();
            var lease = marker.GetBlobLeaseClient();
            while (true)
            {
                try
                {
                    lease.Acquire(duration);
                    return new BlobSetLease(marker, lease, duration, location);
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    try
                    {
                        marker.Upload(new BinaryData(Stamp()), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });
                    }
                    catch (RequestFailedException race) when (race.Status == 409 || race.Status == 412)
                    {
                        // made meanwhile by another taker: lease it (or wait for it) on the next round
                    }
                    continue;
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                {
                    // LeaseAlreadyPresent: a live holder.
                }
                if (deadline.Elapsed >= wait) return null;
                Thread.Sleep(ProbeRetry);
            }
        }

        /// <summary>True when a live holder has the lease; false for no marker or a stale one (its lease expired or was broken).</summary>
        public static bool IsHeld(BlobClient marker)
        {
            try
            {
                var properties = marker.GetProperties().Value;
                return properties.LeaseState == LeaseState.Leased || properties.LeaseState == LeaseState.Breaking;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }
        }

        private void Renew()
        {
            lock (_gate)
            {
                if (_disposed || _lost) return;
                try
                {
                    _lease.Renew();
                    _sinceRenewal.Restart();
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 404 || ex.Status == 412)
                {
                    _lost = true; // expired and taken by another, or the marker is gone
                }
                catch (Exception)
                {
                    // Transient (after the SDK's retries): the next tick tries again; IsLost turns true once the duration has passed.
                }
            }
        }

        /// <summary>Deletes the marker under the lease (marker and lease go in one step); a lost lease is left to its new holder.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
            }
            _timer.Dispose();
            if (_lost) return;
            try
            {
                _marker.DeleteIfExists(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { LeaseId = _lease.LeaseId });
            }
            catch (Exception)
            {
                try { _lease.Release(); }
                catch (Exception) { /* it expires by itself within the lease duration */ }
            }
        }

        public override string ToString() => Location;

        private static string Stamp()
        {
            using (var process = Process.GetCurrentProcess())
                return $"pid {process.Id} on {Environment.MachineName} since {DateTime.UtcNow:O}\n";
        }
    }
}
