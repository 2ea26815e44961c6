using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EseBackup.PowerShell.Completion
{
    /// <summary>
    /// The file-system part of the module's completers: splits the word being completed into the folder typed so
    /// far and the name prefix, resolves that folder against the session's current location, and builds
    /// completion texts that keep what the user typed (relative stays relative) and quote names with spaces.
    /// </summary>
    internal sealed class PathCompletion
    {
        /// <summary>Folders with very many files are cut off: completion must answer at the speed of typing.</summary>
        internal const int MaxEntries = 500;

        private PathCompletion(string typedFolder, string prefix, string? folder, char quote, bool escapeWildcards)
        {
            EscapeWildcards = escapeWildcards;
            TypedFolder = typedFolder;
            Prefix = prefix;
            Folder = folder;
            Quote = quote;
        }

        /// <summary>The folder part exactly as typed, ending with a separator, or empty.</summary>
        public string TypedFolder { get; }

        /// <summary>The start of the name being completed.</summary>
        public string Prefix { get; }

        /// <summary>The folder to list on disk; null when it does not exist.</summary>
        public string? Folder { get; }

        /// <summary>Whether names go to a wildcard parameter (-Path), where [ ] * ? in a name must be escaped.</summary>
        public bool EscapeWildcards { get; }

        /// <summary>The quote the user opened the word with ('\0' for none).</summary>
        public char Quote { get; }

        /// <param name="parameterName">-LiteralPath (and its aliases) take names as they are; any other path parameter takes wildcards.</param>
        public static PathCompletion Parse(string? wordToComplete, string? parameterName)
        {
            var word = wordToComplete ?? string.Empty;
            char quote = '\0';
            if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
            {
                quote = word[0];
                word = word.Substring(1);
                if (word.Length > 0 && word[word.Length - 1] == quote) word = word.Substring(0, word.Length - 1);
            }
            int cut = word.LastIndexOfAny(new[] { '/', '\\' });
            var typedFolder = cut < 0 ? string.Empty : word.Substring(0, cut + 1);
            var prefix = cut < 0 ? word : word.Substring(cut + 1);
            string? folder;
            try
            {
                folder = Resolve(typedFolder);
                if (!Directory.Exists(folder)) folder = null;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is IOException || ex is UnauthorizedAccessException)
            {
                folder = null;
            }
            var literal = string.Equals(parameterName, "LiteralPath", StringComparison.OrdinalIgnoreCase) ||
                          string.Equals(parameterName, "PSPath", StringComparison.OrdinalIgnoreCase) ||
                          string.Equals(parameterName, "FullName", StringComparison.OrdinalIgnoreCase) ||
                          string.Equals(parameterName, "LP", StringComparison.OrdinalIgnoreCase);
            return new PathCompletion(typedFolder, prefix, folder, quote, !literal);
        }

        /// <summary>Entries of <see cref="Folder"/> whose names start with <see cref="Prefix"/>, by name.</summary>
        public IEnumerable<string> Directories() => Entries(f => Directory.EnumerateDirectories(f));

        public IEnumerable<string> Files() => Entries(f => Directory.EnumerateFiles(f));

        private IEnumerable<string> Entries(Func<string, IEnumerable<string>> list)
        {
            if (Folder == null) return Array.Empty<string>();
            try
            {
                return list(Folder)
                    .Where(p => Path.GetFileName(p).StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
                    .Take(MaxEntries)
                    .OrderBy(p => p, StringComparer.OrdinalIgnoreCase)
                    .ToList();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>A completion for <paramref name="fullPath"/> (an entry of <see cref="Folder"/>) as the user typed its folder.</summary>
        public CompletionResult Result(string fullPath, bool isFolder, string toolTip)
        {
            var name = Path.GetFileName(fullPath);
            var text = TypedFolder + (EscapeWildcards ? WildcardPattern.Escape(name) : name);
            var needsQuote = Quote != '\0' || text.IndexOfAny(new[] { ' ', '\t', '\'', '"', '$', '`', '&', '(', ')', '{', '}', ';', ',', '@', '#' }) >= 0;
            if (needsQuote)
            {
                var q = Quote == '"' ? '"' : '\'';
                text = q == '\'' ? "'" + text.Replace("'", "''") + "'" : "\"" + text.Replace("`", "``").Replace("$", "`$").Replace("\"", "`\"") + "\"";
            }
            return new CompletionResult(text, name, isFolder ? CompletionResultType.ProviderContainer : CompletionResultType.ProviderItem,
                string.IsNullOrEmpty(toolTip) ? fullPath : toolTip);
        }

        private static string Resolve(string typedFolder)
        {
            if (typedFolder.Length == 0) return CurrentLocation();
            // The session knows its drives (Backups:\), ~ and the current location; ask it first.
            var bySession = InSession("Microsoft.PowerShell.Management\\Convert-Path", "LiteralPath", typedFolder);
            if (!string.IsNullOrEmpty(bySession)) return bySession!;
            var current = CurrentLocation();
            var folder = typedFolder;
            if (folder == "~" || folder.StartsWith("~/", StringComparison.Ordinal) || folder.StartsWith("~\\", StringComparison.Ordinal))
                folder = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + folder.Substring(1);
            return Path.GetFullPath(Path.IsPathRooted(folder) ? folder : Path.Combine(current, folder));
        }

        /// <summary>The session's current file-system location, or the process's when there is no session here.</summary>
        private static string CurrentLocation() =>
            InSession("Microsoft.PowerShell.Management\\Get-Location", "PSProvider", "FileSystem") ?? Environment.CurrentDirectory;

        /// <summary>
        /// Runs one command in the session that asked for completion and returns its first result as a file-system
        /// path, or null. Completers run on the session's pipeline thread, where a nested command in the current
        /// runspace is allowed (the SessionStateProxy of a busy runspace is empty there).
        /// </summary>
        private static string? InSession(string command, string parameter, string argument)
        {
            if (Runspace.DefaultRunspace == null) return null;
            try
            {
                using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                // Ignore, not SilentlyContinue: a failed lookup must not land in the user's $Error on every Tab.
                ps.AddCommand(command).AddParameter(parameter, argument).AddParameter("ErrorAction", ActionPreference.Ignore);
                var first = ps.Invoke().FirstOrDefault()?.BaseObject;
                var path = first is PathInfo info ? info.ProviderPath : first as string;
                return string.IsNullOrEmpty(path) ? null : path;
            }
            catch (Exception ex) when (ex is PSInvalidOperationException || ex is InvalidOperationException || ex is RuntimeException)
            {
                // No usable session here (another thread, no FileSystem drive).
                return null;
            }
        }
    }
}
