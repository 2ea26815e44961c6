using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using EseBackup.Core.Format;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;
using EseBackup.Fixtures;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>
    /// The engine model's own behaviour, called through the raw entry points (no module logic): each test
    /// states what backup.cxx (or jetapi.cxx, db.cxx, sysinit.cxx, tm.cxx) does and checks the model does it.
    /// The module's tests against the model are elsewhere (LiveInstanceTests).
    /// </summary>
    [Collection("esent")]
    public sealed unsafe class EngineModelTests : TempFolderTest
    {
        private const int Page = 8192;

        public EngineModelTests() : base("engine-model")
        {
            if (EngineModel.UnavailableReason == null) EngineModel.Install();
        }

        private (DatabaseFolderFixture Folder, EseInstance Instance) Live(long checkpoint = 5)
        {
            var folder = EngineModel.WriteLiveFolder(Path.Combine(Dir, "live"), checkpoint: checkpoint);
            return (folder, EngineModel.Open(folder));
        }

        private static int Begin(IntPtr instance, bool incremental = false) =>
            EsentNative.JetBeginExternalBackupInstance(instance, incremental ? JetGrbit.BackupIncremental : 0);

        private static int End(IntPtr instance, uint grbit) => EsentNative.JetEndExternalBackupInstance2(instance, grbit);

        private static (int Err, uint Actual, List<string> Names) LogInfo(IntPtr instance, int bufferBytes, bool truncate = false)
        {
            var buffer = bufferBytes < 0 ? null : new byte[bufferBytes];
            uint actual = 0;
            int err;
            fixed (byte* p = buffer)
            {
                var info = NativeLogInfo.Create();
                err = truncate
                    ? EsentNative.JetGetTruncateLogInfoInstanceW(instance, p, (uint)Math.Max(bufferBytes, 0), &actual)
                    : EsentNative.JetGetLogInfoInstance2W(instance, p, (uint)Math.Max(bufferBytes, 0), &actual, &info);
            }
            var names = buffer == null ? new List<string>() : new List<string>(Esent.ParseMultiString(buffer, (int)actual));
            return (err, actual, names);
        }

        /// <summary>Opens, reads to the end in page-aligned reads of <paramref name="chunk"/> bytes, closes; the bytes.</summary>
        private static byte[] ReadWhole(IntPtr instance, string path, int chunk, out long reportedSize)
        {
            Assert.Equal(0, EsentNative.JetOpenFileInstanceW(instance, path, out var handle, out uint low, out uint high));
            reportedSize = Esent.CombineSize(low, high);
            using var staging = new AlignedNativeBuffer();
            staging.EnsureCapacity(chunk);
            var all = new MemoryStream();
            while (true)
            {
                uint actual = 0;
                Assert.Equal(0, EsentNative.JetReadFileInstance(instance, handle, (void*)staging.Pointer, (uint)chunk, &actual));
                if (actual == 0) break;
                var bytes = new byte[actual];
                Marshal.Copy(staging.Pointer, bytes, 0, (int)actual);
                all.Write(bytes, 0, bytes.Length);
            }
            Assert.Equal(0, EsentNative.JetCloseFileInstance(instance, handle));
            return all.ToArray();
        }

        [EngineModelFact]
        public void Protocol_calls_outside_a_backup_answer_JET_errNoBackup_and_a_second_begin_JET_errBackupInProgress()
        {
            var (_, instance) = Live();
            uint actual;
            Assert.Equal((int)JetError.JET_errNoBackup, EsentNative.JetGetAttachInfoInstanceW(instance.Handle, null, 0, &actual));
            Assert.Equal((int)JetError.JET_errNoBackup, End(instance.Handle, JetGrbit.BackupEndAbort));
            Assert.Equal(0, Begin(instance.Handle));
            Assert.Equal((int)JetError.JET_errBackupInProgress, Begin(instance.Handle));
            Assert.Equal((int)JetError.JET_errInvalidParameter, End(instance.Handle, JetGrbit.BackupEndNormal | JetGrbit.BackupEndAbort));
            Assert.Equal(0, End(instance.Handle, JetGrbit.BackupEndAbort));
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
            instance.Close();
        }

        [EngineModelFact]
        public void A_database_read_carries_the_patched_header_twice_its_pages_and_the_trailer_page_the_size_counts()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            var bytes = ReadWhole(instance.Handle, folder.Database.Path, 1 << 20, out long size);
            var original = File.ReadAllBytes(folder.Database.Path);

            Assert.Equal(original.Length + Page, size);        // ErrBKOpenFile adds the trailer page
            Assert.Equal(size, bytes.Length);
            Assert.Equal(bytes.AsSpan(0, Page).ToArray(), bytes.AsSpan(Page, Page).ToArray()); // the snapshot, twice
            Assert.True(PageChecksum.VerifyHeader(bytes.AsSpan(0, Page), out _, out _));
            var header = DatabaseHeader.Parse(bytes.AsSpan(0, Page), "copy");
            Assert.Equal(5, header.CurrentFullBackup.LowGeneration);  // bkinfoFullCur.genLow: the checkpoint
            Assert.Equal(0, header.CurrentFullBackup.HighGeneration);
            Assert.Equal(original.AsSpan(2 * Page).ToArray(), bytes.AsSpan(2 * Page, original.Length - 2 * Page).ToArray());

            var trailer = bytes.AsSpan(bytes.Length - Page, Page);
            Assert.Equal(0u, BitConverter.ToUInt32(trailer.Slice(4, 4)));          // bytes 4-7 stay zero
            Assert.True(PageChecksum.VerifyHeader(trailer, out _, out _));          // the short header checksum
            Assert.Equal(5, BitConverter.ToInt32(trailer.Slice(40 + 16, 4)));      // bkinfo.genLow
            Assert.Equal(5, BitConverter.ToInt32(trailer.Slice(40 + 20, 4)));      // bkinfo.genHigh: the current generation
            Assert.Equal(folder.DatabaseSignature, EseSignature.Read(trailer.Slice(64, 28)));
            End(instance.Handle, JetGrbit.BackupEndAbort);
            instance.Close();
        }

        [EngineModelFact]
        public void When_the_last_read_has_no_room_the_trailer_page_comes_alone_in_the_next()
        {
            var (folder, instance) = Live();
            long pages = new FileInfo(folder.Database.Path).Length / Page;
            Assert.Equal(0, Begin(instance.Handle));
            var bytes = ReadWhole(instance.Handle, folder.Database.Path, (int)pages * Page, out long size);
            Assert.Equal(size, bytes.Length);
            End(instance.Handle, JetGrbit.BackupEndAbort);
            instance.Close();
        }

        [EngineModelFact]
        public void Read_rules_an_unaligned_buffer_a_size_not_a_page_multiple_a_short_first_read()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            Assert.Equal(0, EsentNative.JetOpenFileInstanceW(instance.Handle, folder.Database.Path, out var handle, out _, out _));
            using var staging = new AlignedNativeBuffer();
            staging.EnsureCapacity(1 << 20);
            uint actual;
            Assert.Equal((int)JetError.JET_errInvalidParameter, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)(staging.Pointer + 512), 3 * Page, &actual));
            Assert.Equal((int)JetError.JET_errInvalidParameter, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)staging.Pointer, 3 * Page + 4096, &actual));
            Assert.Equal((int)JetError.JET_errInvalidParameter, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)staging.Pointer, 2 * Page, &actual));
            Assert.True(EngineModel.BackupInProgress(instance.Handle)); // refusals before any I/O leave the backup running
            Assert.Equal(0, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)staging.Pointer, 3 * Page, &actual));
            Assert.Equal(3u * Page, actual);
            Assert.Equal(0, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)staging.Pointer, Page, &actual)); // later reads may be one page
            Assert.Equal((uint)Page, actual);
            // Only one file at a time (crhfMax is 1).
            Assert.Equal((int)JetError.JET_errOutOfMemory, EsentNative.JetOpenFileInstanceW(instance.Handle, folder.Database.Path, out _, out _, out _));
            Assert.Equal(0, EsentNative.JetCloseFileInstance(instance.Handle, handle));
            // A closed handle is not checked by ErrBKReadFile: it reads as an empty file.
            Assert.Equal(0, EsentNative.JetReadFileInstance(instance.Handle, handle, (void*)staging.Pointer, 3 * Page, &actual));
            Assert.Equal(0u, actual);
            End(instance.Handle, JetGrbit.BackupEndAbort);
            instance.Close();
        }

        [EngineModelFact]
        public void The_log_list_rolls_the_log_once_and_with_a_buffer_reports_what_fit_never_BufferTooSmall()
        {
            var (folder, instance) = Live(checkpoint: 3);
            Assert.Equal(0, Begin(instance.Handle));
            var sized = LogInfo(instance.Handle, -1);                   // no buffer: the size
            Assert.Equal(0, sized.Err);
            Assert.True(File.Exists(Path.Combine(folder.Folder, "edb00005.log")));  // edb.log (5) was archived
            var whole = LogInfo(instance.Handle, (int)sized.Actual);
            Assert.Equal(new[] { "edb00003.log", "edb00004.log", "edb00005.log" }, whole.Names.ConvertAll(Path.GetFileName));
            var cut = LogInfo(instance.Handle, 40);                     // too small: still success
            Assert.Equal(0, cut.Err);
            Assert.Equal(40u, cut.Actual);
            Assert.Equal(6, BitConverter.ToInt32(File.ReadAllBytes(Path.Combine(folder.Folder, "edb.log")), 4)); // rolled once only
            End(instance.Handle, JetGrbit.BackupEndAbort);
            instance.Close();
        }

        [EngineModelFact]
        public void Truncation_needs_every_copied_log_read_then_deletes_below_the_checkpoint()
        {
            var (folder, instance) = Live(checkpoint: 3);
            Assert.Equal(0, Begin(instance.Handle));
            ReadWhole(instance.Handle, folder.Database.Path, 1 << 20, out _);
            var logs = LogInfo(instance.Handle, 4096);
            Assert.Equal((int)JetError.JET_errLogFileNotCopied, EsentNative.JetTruncateLogInstance(instance.Handle));
            Assert.True(EngineModel.BackupInProgress(instance.Handle));
            foreach (var log in logs.Names) ReadWhole(instance.Handle, log, 1 << 20, out _);
            Assert.Equal(new[] { "edb00001.log", "edb00002.log" }, LogInfo(instance.Handle, 4096, truncate: true).Names.ConvertAll(Path.GetFileName));
            Assert.Equal(0, EsentNative.JetTruncateLogInstance(instance.Handle));
            Assert.False(File.Exists(Path.Combine(folder.Folder, "edb00002.log")));
            Assert.True(File.Exists(Path.Combine(folder.Folder, "edb00003.log")));
            Assert.Equal(0, End(instance.Handle, JetGrbit.BackupEndNormal));
            instance.Close();
            var header = DatabaseHeader.Read(folder.Database.Path);
            Assert.Equal(3, header.PreviousFullBackup.LowGeneration);   // recorded as the last full backup
            Assert.Equal(5, header.PreviousFullBackup.HighGeneration);
        }

        [EngineModelFact]
        public void A_full_backup_without_truncation_is_a_copy_and_an_incremental_then_has_no_full_to_follow()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            ReadWhole(instance.Handle, folder.Database.Path, 1 << 20, out _);
            foreach (var log in LogInfo(instance.Handle, 4096).Names) ReadWhole(instance.Handle, log, 1 << 20, out _);
            Assert.Equal(0, End(instance.Handle, JetGrbit.BackupEndNormal));
            Assert.Equal((int)JetError.JET_errMissingFullBackup, Begin(instance.Handle, incremental: true));
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
            instance.Close();
            var header = DatabaseHeader.Read(folder.Database.Path);
            Assert.True(header.PreviousFullBackup.IsEmpty);
            Assert.Equal(5, header.PreviousCopyBackup.HighGeneration);
        }

        [EngineModelFact]
        public void Stop_then_a_normal_end_answers_success_but_records_nothing()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            ReadWhole(instance.Handle, folder.Database.Path, 1 << 20, out _);
            foreach (var log in LogInfo(instance.Handle, 4096).Names) ReadWhole(instance.Handle, log, 1 << 20, out _);
            Assert.Equal(0, EsentNative.JetStopBackupInstance(instance.Handle));
            Assert.Equal((int)JetError.JET_errBackupAbortByServer, LogInfo(instance.Handle, -1, truncate: true).Err);
            Assert.Equal(0, End(instance.Handle, JetGrbit.BackupEndNormal));
            instance.Close();
            var header = DatabaseHeader.Read(folder.Database.Path);
            Assert.True(header.PreviousCopyBackup.IsEmpty && header.PreviousFullBackup.IsEmpty);
        }

        [EngineModelFact]
        public void Unlisted_files_are_DatabaseNotFound_in_the_database_phase_and_end_the_backup_in_the_log_phase()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            var stranger = Path.Combine(folder.Folder, "other.edb");
            Assert.Equal((int)JetError.JET_errDatabaseNotFound, EsentNative.JetOpenFileInstanceW(instance.Handle, stranger, out _, out _, out _));
            Assert.True(EngineModel.BackupInProgress(instance.Handle));
            LogInfo(instance.Handle, 4096);
            Assert.Equal((int)JetError.JET_errMissingFileToBackup, EsentNative.JetOpenFileInstanceW(instance.Handle, Path.Combine(folder.Folder, "edb00099.log"), out _, out _, out _));
            Assert.False(EngineModel.BackupInProgress(instance.Handle));
            instance.Close();
        }

        [EngineModelFact]
        public void Detach_and_term_are_refused_during_a_backup_a_dirty_term_leaves_the_database_dirty()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            Assert.Equal((int)JetError.JET_errBackupInProgress, EsentNative.JetDetachDatabase2W(instance.Session, folder.Database.Path, 0));
            Assert.Equal((int)JetError.JET_errBackupInProgress, EsentNative.JetTerm2(instance.Handle, JetGrbit.TermComplete));
            Assert.Equal(1, EngineModel.InstanceCount);
            Assert.Equal((int)JetError.JET_errDirtyShutdown, EsentNative.JetTerm2(instance.Handle, JetGrbit.TermDirty));
            Assert.Equal(0, EngineModel.InstanceCount);
            Assert.Equal(DatabaseState.DirtyShutdown, DatabaseHeader.Read(folder.Database.Path).State);
        }

        [EngineModelFact]
        public void An_abrupt_term_ends_the_backup_and_still_leaves_the_database_clean()
        {
            var (folder, instance) = Live();
            Assert.Equal(0, Begin(instance.Handle));
            Assert.Equal(0, EsentNative.JetTerm2(instance.Handle, JetGrbit.TermAbrupt));
            Assert.Equal(DatabaseState.CleanShutdown, DatabaseHeader.Read(folder.Database.Path).State);
        }

        [EngineModelFact]
        public void A_failed_init_frees_the_instance_and_zeroes_the_handle()
        {
            Assert.Equal(0, EsentNative.JetCreateInstance2W(out var raw, "init-fails", null, 0));
            EngineModel.Inject("init", (int)JetError.JET_errRequiredLogFilesMissing);
            var handle = raw;
            Assert.Equal((int)JetError.JET_errRequiredLogFilesMissing, EsentNative.JetInit3W(ref handle, IntPtr.Zero, 0));
            Assert.Equal(IntPtr.Zero, handle);
            Assert.Equal(0, EngineModel.InstanceCount);
            Assert.Equal((int)JetError.JET_errInvalidParameter, EsentNative.JetTerm2(raw, JetGrbit.TermComplete));
        }
    }
}
