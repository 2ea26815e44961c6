using System;
using System.Collections.Generic;
using System.Linq;

namespace EseBackup.Core
{
    /// <summary>
    /// The problems a verification found. As text (what Export-Csv writes for a collection, and what a cell shows)
    /// the messages on one line, not the type name a plain list would give.
    /// </summary>
    public sealed class ProblemList<T> : List<T>
    {
        /// <summary>Messages written into the text before "… and n more": an export row stays readable.</summary>
        public const int MessagesInText = 20;

        public override string ToString()
        {
            var text = string.Join("; ", this.Take(MessagesInText).Select(p => ProblemText.OneLine(p?.ToString())));
            return Count > MessagesInText ? $"{text}; … and {Count - MessagesInText} more" : text;
        }
    }

    /// <summary>The one-line summary of a verification's problems that result objects carry (their ProblemSummary).</summary>
    public static class ProblemText
    {
        /// <summary>
        /// Empty when there is none; else how many of each kind and the first message:
        /// <c>2 problems (1 HashMismatch, 1 MissingFile); first: …</c>.
        /// </summary>
        public static string Summarize<T>(IReadOnlyCollection<T> problems, Func<T, string> kind)
        {
            if (problems.Count == 0) return "";
            var kinds = string.Join(", ", problems.GroupBy(kind).Select(g => $"{g.Count()} {g.Key}"));
            return $"{problems.Count} problem{(problems.Count == 1 ? "" : "s")} ({kinds}); first: {OneLine(problems.First()?.ToString())}";
        }

        /// <summary>A message on one line (an export row or a log line never breaks).</summary>
        public static string OneLine(string? text) =>
            string.Join(" ", (text ?? "").Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
    }
}
