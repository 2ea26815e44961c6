using System;

namespace EseBackup.Core.Protocol
{
    /// <summary>
    /// A backup-protocol call failed the way an ESE engine fails it: with a JET error code and name.
    /// Snapshot sources raise the same codes an engine would so callers handle both alike.
    /// </summary>
    public class JetException : Exception
    {
        public JetException(int errorCode, string message, string? filePath = null, long? pageNumber = null, Exception? inner = null)
            : base($"{NameOf(errorCode)} ({errorCode}): {message}", inner)
        {
            ErrorCode = errorCode;
            FilePath = filePath;
            PageNumber = pageNumber;
        }

        public JetException(JetError error, string message, string? filePath = null, long? pageNumber = null, Exception? inner = null)
            : this((int)error, message, filePath, pageNumber, inner)
        {
        }

        /// <summary>The raw JET error number (negative for errors).</summary>
        public int ErrorCode { get; }

        /// <summary>The JET name, e.g. JET_errNoBackup, or the number when this module does not know it.</summary>
        public string ErrorName => NameOf(ErrorCode);

        public JetError Error => (JetError)ErrorCode;

        public string? FilePath { get; }

        public long? PageNumber { get; }

        public static string NameOf(int errorCode) =>
            Enum.IsDefined(typeof(JetError), errorCode) ? ((JetError)errorCode).ToString() : $"JET error {errorCode}";
    }
}
