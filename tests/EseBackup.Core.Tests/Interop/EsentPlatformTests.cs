using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using EseBackup.Core.Interop;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;

namespace EseBackup.Core.Tests.Interop
{
    /// <summary>Without esent.dll every entry point fails fast and clearly; the pure marshalling helpers.</summary>
    [Collection("esent")]
    public sealed class EsentPlatformTests
    {
        [NotOnWindowsFact]
        public void Without_esent_every_entry_point_throws_PlatformNotSupported_before_any_native_call()
        {
            bool mock = EngineModel.UnavailableReason == null;
            if (mock) EngineModel.Install();
            var before = mock ? EngineModel.Sequence().Count : 0;
            EsentPlatform.TestLibraryInstalled = false;
            try
            {
                var calls = new Action[]
                {
                    () => EseInstance.Open("logs", "sys", "edb", Array.Empty<string>()),
                    () => EseInstance.FromHandle(new IntPtr(1)),
                    () => JetInstanceSource.FromHandle(new IntPtr(1)),
                    () => JetInstanceSource.FromHandleObject(new IntPtr(1)),
                    () => EseEngineRestore.RestoreEngineBackup("b", "l", "s", "edb"),
                    () => EseEngineRestore.RecoverFromExternalBackup("b", new LogInfo(Array.Empty<string>(), 1, 1, "edb"),
                        Array.Empty<KeyValuePair<string, string>>(), "l", "c"),
                };
                foreach (var call in calls)
                {
                    var ex = Assert.Throws<PlatformNotSupportedException>(call);
                    Assert.Contains("requires Windows (esent.dll)", ex.Message);
                }
                if (mock) Assert.Equal(before, EngineModel.Sequence().Count);
            }
            finally
            {
                EsentPlatform.TestLibraryInstalled = mock;
            }
        }

        [Theory]
        [InlineData("a\0b\0\0", new[] { "a", "b" })]
        [InlineData("\0", new string[0])]
        [InlineData("only\0\0garbage after the end\0\0", new[] { "only" })]
        [InlineData("C:\\Prüfung\\𝄞.edb\0\0", new[] { "C:\\Prüfung\\𝄞.edb" })]
        public void Double_null_terminated_lists_parse_into_their_strings(string raw, string[] expected)
        {
            var bytes = Encoding.Unicode.GetBytes(raw);
            Assert.Equal(expected, Esent.ParseMultiString(bytes, bytes.Length));
        }

        [Fact]
        public void A_list_is_read_only_as_far_as_the_reported_size()
        {
            var bytes = Encoding.Unicode.GetBytes("first\0second\0\0");
            Assert.Equal(new[] { "first" }, Esent.ParseMultiString(bytes, 12)); // "first\0" is 12 bytes
            Assert.Empty(Esent.ParseMultiString(bytes, 0));
            Assert.Equal(new[] { "first", "second" }, Esent.ParseMultiString(bytes, 4096)); // bounded by the buffer
        }

        [Theory]
        [InlineData(0u, 0u, 0L)]
        [InlineData(0xFFFFFFFFu, 0u, 0xFFFFFFFFL)]
        [InlineData(0x80000000u, 0x2u, 0x2_80000000L)]
        [InlineData(0xFFFFFFFFu, 0x7FFFFFFFu, long.MaxValue)]
        public void Low_and_high_size_halves_combine_to_64_bits(uint low, uint high, long expected)
        {
            Assert.Equal(expected, Esent.CombineSize(low, high));
        }

        [Theory]
        [InlineData(-1029, "JET_errNotInitialized")]
        [InlineData(-1030, "JET_errAlreadyInitialized")]
        [InlineData(-1038, "JET_errBufferTooSmall")]
        [InlineData(-520, "JET_errNoBackup")]
        [InlineData(-801, "JET_errBackupAbortByServer")]
        [InlineData(-4001, "JET_errFileIOBeyondEOF")]
        public void Error_numbers_map_to_the_names_esent_h_gives_them(int code, string name)
        {
            Assert.Equal(name, JetException.NameOf(code));
        }

        [Fact]
        public unsafe void The_log_info_struct_has_the_native_layout()
        {
            Assert.Equal(20, sizeof(NativeLogInfo));
            var info = NativeLogInfo.Create();
            Assert.Equal(20u, info.cbSize);
            info.BaseName = "E01";
            Assert.Equal("E01", info.BaseName);
            byte* p = (byte*)&info;
            Assert.Equal((byte)'E', p[12]);
            Assert.Equal(0, p[13]);
            Assert.Equal((byte)'0', p[14]);
            Assert.Equal(0, p[18]); // terminator
            Assert.Equal(2 * IntPtr.Size, sizeof(NativeRestoreMap));
        }
    }

    /// <summary>A fact about platforms without esent.dll; skipped on Windows, where the library exists.</summary>
    public sealed class NotOnWindowsFactAttribute : FactAttribute
    {
        public NotOnWindowsFactAttribute()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                Skip = "Windows has esent.dll; this checks the behaviour where it is missing.";
        }
    }
}
