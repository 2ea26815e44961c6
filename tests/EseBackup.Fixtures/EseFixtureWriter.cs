using System;
using System.IO;
using EseBackup.Fixtures.Internal;

namespace EseBackup.Fixtures
{
    /// <summary>
    /// Writes valid ESE files for tests, the demo and benchmarks: databases (any page size, clean or
    /// dirty, one user table with rows), transaction logs, checkpoints, and whole database folders.
    /// </summary>
    public static class EseFixtureWriter
    {
        /// <summary>Writes a database file (overwriting <paramref name="path"/>) and says what it holds.</summary>
        public static DatabaseFixture WriteDatabase(string path, DatabaseSpec spec)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (spec == null) throw new ArgumentNullException(nameof(spec));
            var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            return DatabaseWriter.Write(path, spec);
        }
    }
}
