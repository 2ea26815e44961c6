using System;
using System.Runtime.InteropServices;

namespace EseBackup.Core.Interop
{
    /// <summary>
    /// A JET_INSTANCE this process created. Releasing it terminates the instance (JetTerm2), so an instance
    /// is never left running when its owner forgets to close it. A handle wrapped with ownsHandle false (an
    /// instance the caller already held) is never terminated here.
    /// </summary>
    internal sealed class JetInstanceHandle : SafeHandle
    {
        internal JetInstanceHandle(IntPtr instance, bool ownsHandle)
            : base(IntPtr.Zero, ownsHandle)
        {
            SetHandle(instance);
        }

        /// <summary>JET_INSTANCE 0 and JET_instanceNil (all bits set) are not instances.</summary>
        public override bool IsInvalid => handle == IntPtr.Zero || handle == new IntPtr(-1);

        /// <summary>The error the last release returned (0 when it succeeded or nothing was released).</summary>
        internal int LastTermError { get; private set; }

        /// <summary>Terminates now with the given grbit; the handle is spent afterwards whatever the result.</summary>
        internal int Terminate(uint grbit)
        {
            if (IsInvalid || IsClosed) return 0;
            int err = EsentNative.JetTerm2(handle, grbit);
            SetHandleAsInvalid();
            return err;
        }

        protected override bool ReleaseHandle()
        {
            // Reached only when the owner did not close the instance: a clean termination first, then an
            // abrupt one (recovery on next start repairs that) so the instance does not outlive the process.
            int err = EsentNative.JetTerm2(handle, JetGrbit.TermComplete);
            if (err < 0) err = EsentNative.JetTerm2(handle, JetGrbit.TermAbrupt | JetGrbit.TermStopBackup);
            LastTermError = err;
            return err >= 0;
        }
    }
}
