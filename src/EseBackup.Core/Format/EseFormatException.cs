using System;

namespace EseBackup.Core.Format
{
    /// <summary>What is wrong with a file that should be an ESE database, log or checkpoint.</summary>
    public enum EseFormatProblem
    {
        Empty,
        TooShort,
        NotEse,
        WrongFileType,
        BadHeaderChecksum,
        BadPageChecksum,
        UnsupportedFormat,
        Truncated,
        Inconsistent,
        /// <summary>A FIFO, device, socket or directory where the file belongs (never opened).</summary>
        NotRegularFile,
    }

    /// <summary>
    /// A file is not the ESE file it should be. The message always names the file (and the page when
    /// one is at fault) and says what is wrong, so callers can show it to a person as it is.
    /// </summary>
    public class EseFormatException : Exception
    {
        public EseFormatException(string filePath, EseFormatProblem problem, string message, long? pageNumber = null, Exception? inner = null)
            : base(message, inner)
        {
            FilePath = filePath;
            Problem = problem;
            PageNumber = pageNumber;
        }

        public string FilePath { get; }
        public EseFormatProblem Problem { get; }

        /// <summary>ESE page number (file page index − 1), when a page is at fault.</summary>
        public long? PageNumber { get; }
    }
}
