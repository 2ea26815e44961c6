using System;
using System.IO;

namespace EseBackup.Core.Tests.Support
{
    /// <summary>A test class with a temporary folder of its own, made per test and deleted after it.</summary>
    public abstract class TempFolderTest : IDisposable
    {
        protected TempFolderTest(string hint) => Dir = TestEnvironment.NewTempFolder(hint);

        protected string Dir { get; }

        public void Dispose()
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
        }
    }
}
