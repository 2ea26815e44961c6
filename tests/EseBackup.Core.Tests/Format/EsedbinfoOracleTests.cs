using System;
using System.IO;
using System.Text.RegularExpressions;
using EseBackup.Core.Format;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Format
{
    /// <summary>The reader agrees with Debian's esedbinfo (an independent reader) on every real database it accepts.</summary>
    public class EsedbinfoOracleTests
    {
        public static TheoryData<string> Databases()
        {
            var data = new TheoryData<string>();
            // large.edb is left to RealHeaderTests (PROVENANCE values): esedbinfo spends over a minute of CPU
            // walking its catalog, which would double the CI run for no extra header coverage.
            foreach (var d in RealFiles.Databases)
                if (d != "dissect-esedb/large.edb") data.Add(d);
            return data;
        }

        [RealEseOracleTheory]
        [MemberData(nameof(Databases))]
        public void Page_size_and_format_agree_with_esedbinfo(string relative)
        {
            var path = Path.Combine(TestEnvironment.RealEseRoot, relative);
            var ours = DatabaseHeader.Read(path);
            var (exit, stdout, stderr) = TestEnvironment.Run("esedbinfo", path);
            if (relative == "go-ese/qmgr.db")
            {
                // esedbinfo 20181229 rejects this Windows 11 24H2 header; our reader must not.
                Assert.NotEqual(0, exit);
                Assert.Contains("unable to read file header", stderr);
                Assert.Equal(16384, ours.PageSize);
                return;
            }
            Assert.True(exit == 0, $"esedbinfo failed on {relative}: {stderr}");
            var pageSize = Regex.Match(stdout, @"Page size:\s+(\d+) bytes");
            var format = Regex.Match(stdout, @"Current format:\s+0x([0-9a-f]+),(\d+)");
            Assert.True(pageSize.Success && format.Success, stdout);
            Assert.Equal(int.Parse(pageSize.Groups[1].Value), ours.PageSize);
            Assert.Equal(Convert.ToInt32(format.Groups[1].Value, 16), ours.FormatVersion);
            Assert.Equal(int.Parse(format.Groups[2].Value), ours.FormatRevision);
        }
    }
}
