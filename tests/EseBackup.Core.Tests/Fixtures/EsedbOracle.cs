using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using EseBackup.Core.Tests.Support;

namespace EseBackup.Core.Tests.Fixtures
{
    /// <summary>Runs libesedb's esedbinfo and esedbexport on a file and parses what they say.</summary>
    internal static class EsedbOracle
    {
        public static string Info(string path)
        {
            var (code, stdout, stderr) = TestEnvironment.Run("esedbinfo", path);
            Assert.True(code == 0, $"esedbinfo failed on {path} (exit {code}):\n{stdout}\n{stderr}");
            return stdout;
        }

        /// <summary>Exports every table and returns the rows of <paramref name="table"/> as column name → value text.</summary>
        public static List<Dictionary<string, string>> ExportTable(string path, string table)
        {
            var target = Path.Combine(Path.GetDirectoryName(path)!, "export-" + Guid.NewGuid().ToString("N"));
            var (code, stdout, stderr) = TestEnvironment.Run("esedbexport", "-t", target, path);
            Assert.True(code == 0, $"esedbexport failed on {path} (exit {code}):\n{stdout}\n{stderr}");
            var dir = target + ".export";
            var file = Directory.GetFiles(dir).SingleOrDefault(f => Path.GetFileName(f).StartsWith(table + ".", StringComparison.Ordinal));
            Assert.True(file != null, $"esedbexport wrote no file for table {table}: {string.Join(", ", Directory.GetFiles(dir).Select(Path.GetFileName))}");
            var lines = File.ReadAllLines(file!);
            var columns = lines[0].Split('\t');
            var rows = new List<Dictionary<string, string>>();
            foreach (var line in lines.Skip(1))
            {
                var values = line.Split('\t');
                Assert.Equal(columns.Length, values.Length);
                rows.Add(columns.Zip(values, (c, v) => (c, v)).ToDictionary(p => p.c, p => p.v));
            }
            Directory.Delete(dir, recursive: true);
            return rows;
        }

        /// <summary>esedbexport prints a DateTime column as "(0xHIGH 0xLOW)", the two halves of the stored double.</summary>
        public static DateTime ParseDateTime(string text)
        {
            var parts = text.Trim('(', ')').Split(' ');
            ulong high = ulong.Parse(parts[0].Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong low = ulong.Parse(parts[1].Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            double oaDate = BitConverter.Int64BitsToDouble(unchecked((long)(high << 32 | low)));
            return DateTime.SpecifyKind(DateTime.FromOADate(oaDate), DateTimeKind.Utc);
        }
    }
}
