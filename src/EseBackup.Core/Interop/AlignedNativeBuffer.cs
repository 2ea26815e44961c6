using System;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// Unmanaged memory whose start is aligned to <see cref="Alignment"/> bytes. JetReadFileInstance writes
    /// with unbuffered I/O and requires a buffer aligned to a memory page (its documentation asks for
    /// VirtualAlloc memory); a pinned managed array is not, so backup reads land here and are copied out.
    /// </summary>
    internal sealed class AlignedNativeBuffer : IDisposable
    {
        /// <summary>64 KiB: a multiple of every page and sector size (and of VirtualAlloc's granularity).</summary>
        internal const int Alignment = 64 * 1024;

        private IntPtr _raw;

        internal IntPtr Pointer { get; private set; }

        internal int Capacity { get; private set; }

        /// <summary>Makes room for at least <paramref name="bytes"/>; the contents are not kept.</summary>
        internal void EnsureCapacity(int bytes)
        {
            if (bytes <= Capacity) return;
            Free();
            _raw = Marshal.AllocHGlobal(new IntPtr((long)bytes + Alignment));
            long address = _raw.ToInt64();
            Pointer = new IntPtr((address + Alignment - 1) & ~(long)(Alignment - 1));
            Capacity = bytes;
        }

        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        ~AlignedNativeBuffer() => Free();

        private void Free()
        {
            if (_raw != IntPtr.Zero) Marshal.FreeHGlobal(_raw);
            _raw = IntPtr.Zero;
            Pointer = IntPtr.Zero;
            Capacity = 0;
        }
    }
}
