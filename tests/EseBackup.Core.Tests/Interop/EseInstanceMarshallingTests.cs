using System;
using System.IO;
using System.Linq;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>Opening and closing an instance: what reaches esent.dll, argument by argument.</summary>
    [Collection("esent")]
    public sealed class EseInstanceMarshallingTests : IDisposable
    {
        private const ulong InstanceValue = 0x1122334455667788;
        private const ulong SessionValue = 0x0FEDCBA987654321;
        private readonly string _root;
        private readonly string _database;

        public EseInstanceMarshallingTests()
        {
            if (EsentMock.UnavailableReason != null) { _root = _database = ""; return; }
            EsentMock.Install();
            EsentMock.SetHandles(InstanceValue, SessionValue, 0);
            _root = TestEnvironment.NewTempFolder("esent-instance");
            // Characters outside Latin-1 and a surrogate pair: the path must arrive as exact UTF-16.
            _database = Path.Combine(_root, "db", "Données-€-𝄞.edb");
            Directory.CreateDirectory(Path.GetDirectoryName(_database)!);
            File.WriteAllBytes(_database, new byte[16]);
        }

        public void Dispose()
        {
            if (_root.Length > 0) Directory.Delete(_root, recursive: true);
        }

        [EsentMockFact]
        public void Open_sets_folders_base_name_and_page_size_then_initialises_and_attaches()
        {
            EsentMock.SetDatabaseInfo(32768);
            var logs = Path.Combine(_root, "logs");
            var system = Path.Combine(_root, "sys");
            var sep = Path.DirectorySeparatorChar;

            using var instance = EseInstance.Open(logs, system, "E01", new[] { _database }, new EseInstanceOptions { InstanceName = "Prüf-Instanz" });

            Assert.Equal(new IntPtr(unchecked((long)InstanceValue)), instance.Handle);
            Assert.Equal(new[] { _database }, instance.Databases);

            // The page size is read from the database and set globally (null instance pointer).
            Assert.Equal(_database, EsentMock.LastString("JetGetDatabaseFileInfoW", 0));
            Assert.Equal(4UL, EsentMock.LastArg("JetGetDatabaseFileInfoW", 0));   // cbMax
            Assert.Equal(17UL, EsentMock.LastArg("JetGetDatabaseFileInfoW", 1));  // JET_DbInfoPageSize
            Assert.Equal(1UL, EsentMock.LastArg("JetSetSystemParameterW#64", 1)); // pinstance == NULL
            Assert.Equal(32768UL, EsentMock.LastArg("JetSetSystemParameterW#64", 4));

            Assert.Equal("Prüf-Instanz", EsentMock.LastString("JetCreateInstance2W", 0));
            Assert.Equal("Prüf-Instanz", EsentMock.LastString("JetCreateInstance2W", 1));
            Assert.Equal(0UL, EsentMock.LastArg("JetCreateInstance2W", 0));

            // Instance parameters go through the instance pointer, strings as UTF-16, numbers in lParam.
            foreach (var param in new[] { 0, 1, 2, 3, 17, 100 })
            {
                Assert.Equal(InstanceValue, EsentMock.LastArg($"JetSetSystemParameterW#{param}", 0));
                Assert.Equal(0UL, EsentMock.LastArg($"JetSetSystemParameterW#{param}", 1));
            }
            Assert.Equal(system + sep, EsentMock.LastString("JetSetSystemParameterW#0", 0));
            Assert.Equal(system + sep, EsentMock.LastString("JetSetSystemParameterW#1", 0));
            Assert.Equal(logs + sep, EsentMock.LastString("JetSetSystemParameterW#2", 0));
            Assert.Equal("E01", EsentMock.LastString("JetSetSystemParameterW#3", 0));
            Assert.Equal(0UL, EsentMock.LastArg("JetSetSystemParameterW#17", 4));  // circular logging off
            Assert.Null(EsentMock.LastString("JetSetSystemParameterW#17", 0));
            Assert.Equal(1UL, EsentMock.LastArg("JetSetSystemParameterW#100", 4)); // create paths

            Assert.Equal(InstanceValue, EsentMock.LastArg("JetInit3W", 0));
            Assert.Equal(0UL, EsentMock.LastArg("JetInit3W", 1)); // no restore info: soft recovery
            Assert.Equal(0UL, EsentMock.LastArg("JetInit3W", 2));

            Assert.Equal(InstanceValue, EsentMock.LastArg("JetBeginSessionW", 0));
            Assert.Null(EsentMock.LastString("JetBeginSessionW", 0));
            Assert.Null(EsentMock.LastString("JetBeginSessionW", 1));

            Assert.Equal(SessionValue, EsentMock.LastArg("JetAttachDatabase2W", 0));
            Assert.Equal(_database, EsentMock.LastString("JetAttachDatabase2W", 0));
            Assert.Equal(0UL, EsentMock.LastArg("JetAttachDatabase2W", 1));
            Assert.Equal(0UL, EsentMock.LastArg("JetAttachDatabase2W", 2));

            var sequence = EsentMock.Sequence();
            Assert.True(sequence.ToList().IndexOf("JetInit3W") > sequence.ToList().IndexOf("JetSetSystemParameterW#3"));
            Assert.Equal("JetAttachDatabase2W", sequence.Last());
        }

        [EsentMockFact]
        public void Close_detaches_ends_the_session_and_terminates_cleanly()
        {
            var instance = EseInstance.Open(Path.Combine(_root, "logs"), Path.Combine(_root, "sys"), "edb", new[] { _database });
            instance.Close();

            Assert.Equal(new[] { "JetDetachDatabase2W", "JetEndSession", "JetTerm2" }, EsentMock.Sequence().TakeLast(3));
            Assert.Equal(SessionValue, EsentMock.LastArg("JetDetachDatabase2W", 0));
            Assert.Equal(_database, EsentMock.LastString("JetDetachDatabase2W", 0));
            Assert.Equal(SessionValue, EsentMock.LastArg("JetEndSession", 0));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetTerm2", 0));
            Assert.Equal(1UL, EsentMock.LastArg("JetTerm2", 1)); // JET_bitTermComplete
            Assert.True(instance.IsClosed);
            Assert.Throws<ObjectDisposedException>(() => instance.Handle);

            instance.Dispose(); // a second close does nothing
            Assert.Equal(1, EsentMock.CallCount("JetTerm2"));
        }

        [EsentMockFact]
        public void CloseAll_closes_every_instance_still_open()
        {
            EseInstance.CloseAll();
            var first = EseInstance.Open(Path.Combine(_root, "logs1"), Path.Combine(_root, "sys1"), "edb", new[] { _database });
            var second = EseInstance.Open(Path.Combine(_root, "logs2"), Path.Combine(_root, "sys2"), "edb", Array.Empty<string>());
            var closed = EseInstance.Open(Path.Combine(_root, "logs3"), Path.Combine(_root, "sys3"), "edb", Array.Empty<string>());
            closed.Close();
            Assert.Equal(2, EseInstance.OpenInstances.Count);

            Assert.Empty(EseInstance.CloseAll());

            Assert.True(first.IsClosed);
            Assert.True(second.IsClosed);
            Assert.Empty(EseInstance.OpenInstances);
            Assert.Equal(3, EsentMock.CallCount("JetTerm2"));
            Assert.Equal(1, EsentMock.CallCount("JetDetachDatabase2W"));
        }

        [EsentMockFact]
        public void Stopping_abruptly_terminates_without_detaching()
        {
            var instance = EseInstance.Open(Path.Combine(_root, "logs"), Path.Combine(_root, "sys"), "edb", new[] { _database });
            instance.StopAbruptly();

            Assert.Equal("JetTerm2", EsentMock.Sequence().Last());
            Assert.Equal(2UL, EsentMock.LastArg("JetTerm2", 1)); // JET_bitTermAbrupt
            Assert.Equal(0, EsentMock.CallCount("JetDetachDatabase2W"));
            Assert.True(instance.IsClosed);
            instance.Dispose();
            Assert.Equal(1, EsentMock.CallCount("JetTerm2"));
        }

        [EsentMockFact]
        public void A_failing_attach_names_the_error_and_the_file_and_terminates_the_instance()
        {
            EsentMock.SetResult("JetAttachDatabase2W", -1213);

            var ex = Assert.Throws<JetException>(() =>
                EseInstance.Open(Path.Combine(_root, "logs"), Path.Combine(_root, "sys"), "edb", new[] { _database }));

            Assert.Equal("JET_errPageSizeMismatch", ex.ErrorName);
            Assert.Equal(-1213, ex.ErrorCode);
            Assert.Equal(_database, ex.FilePath);
            Assert.Contains("JetAttachDatabase2W", ex.Message);
            Assert.Equal(0, EsentMock.CallCount("JetDetachDatabase2W")); // nothing was attached
            Assert.Equal(new[] { "JetEndSession", "JetTerm2" }, EsentMock.Sequence().TakeLast(2));
            Assert.Equal(InstanceValue, EsentMock.LastArg("JetTerm2", 0));
        }

        [EsentMockFact]
        public void A_failing_recovery_terminates_the_instance_without_a_session()
        {
            EsentMock.SetResult("JetInit3W", -543);

            var ex = Assert.Throws<JetException>(() =>
                EseInstance.Open(Path.Combine(_root, "logs"), Path.Combine(_root, "sys"), "edb", new[] { _database }));

            Assert.Equal("JET_errRequiredLogFilesMissing", ex.ErrorName);
            Assert.Equal(0, EsentMock.CallCount("JetBeginSessionW"));
            Assert.Equal(0, EsentMock.CallCount("JetEndSession"));
            Assert.Equal("JetTerm2", EsentMock.Sequence().Last());
        }

        [EsentMockFact]
        public void A_failing_clean_termination_is_reported_and_followed_by_an_abrupt_one()
        {
            var instance = EseInstance.Open(Path.Combine(_root, "logs"), Path.Combine(_root, "sys"), "edb", new[] { _database });
            EsentMock.SetResult("JetTerm2", -1000);

            var ex = Assert.Throws<JetException>(() => instance.Close());

            Assert.Equal("JET_errTermInProgress", ex.ErrorName);
            Assert.Equal(2, EsentMock.CallCount("JetTerm2"));
            Assert.Equal(6UL, EsentMock.LastArg("JetTerm2", 1)); // JET_bitTermAbrupt | JET_bitTermStopBackup
        }

        [EsentMockFact]
        public void A_wrapped_handle_is_passed_through_and_never_terminated()
        {
            var raw = new IntPtr(unchecked((long)0x7EDCBA9876543210));
            var instance = EseInstance.FromHandle(raw, "caller's instance");
            Assert.Equal(raw, instance.Handle);
            Assert.False(instance.OwnsInstance);

            instance.StopBackup();
            Assert.Equal(0x7EDCBA9876543210UL, EsentMock.LastArg("JetStopBackupInstance", 0));

            Assert.Throws<InvalidOperationException>(() => instance.AttachDatabase(_database));
            instance.Close();
            Assert.Equal(0, EsentMock.CallCount("JetTerm2"));
            Assert.Equal(0, EsentMock.CallCount("JetEndSession"));
        }

        [EsentMockFact]
        public void Invalid_handles_and_base_names_are_refused_before_any_call()
        {
            Assert.Throws<ArgumentException>(() => EseInstance.FromHandle(IntPtr.Zero));
            Assert.Throws<ArgumentException>(() => EseInstance.FromHandle(new IntPtr(-1)));
            var ex = Assert.Throws<ArgumentException>(() => EseInstance.Open(_root, _root, "edb0", new[] { _database }));
            Assert.Contains("edb0", ex.Message);
            Assert.Empty(EsentMock.Sequence());
        }
    }
}
