using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EseBackup.Core.Protocol;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Session ids as people type them: the full id (with or without hyphens, braces) or a unique start of its
    /// hex digits, such as the 8 digits the Get-EseBackupSession table shows (DisplayFormat.ShortId).
    /// One place, so -Id of Get-EseBackupSession, -Session of the later stages and Tab completion agree.
    /// </summary>
    public static class SessionIds
    {
        /// <summary>The open sessions whose id is <paramref name="text"/> or starts with it.</summary>
        public static IReadOnlyList<BackupSession> Matching(string text, IReadOnlyList<BackupSession> open)
        {
            var typed = text.Trim();
            if (Guid.TryParse(typed, out var full)) return open.Where(s => s.Id == full).ToList();
            var digits = typed.Replace("-", "");
            if (digits.Length == 0 || !digits.All(Uri.IsHexDigit)) return Array.Empty<BackupSession>();
            return open.Where(s => s.Id.ToString("N").StartsWith(digits, StringComparison.OrdinalIgnoreCase)).ToList();
        }

        /// <summary>The error for an id that names no open session, or several.</summary>
        public static ErrorRecord NotOneSession(string text, IReadOnlyList<BackupSession> matches) =>
            matches.Count == 0
                ? new ErrorRecord(new ItemNotFoundException($"No open backup session has id '{text}'. Get-EseBackupSession lists the open ones."),
                    "SessionNotFound", ErrorCategory.ObjectNotFound, text)
                : new ErrorRecord(new ArgumentException(
                        $"'{text}' is the start of {matches.Count} open session ids ({string.Join(", ", matches.Select(m => m.Id))}); give more digits."),
                    "AmbiguousSessionId", ErrorCategory.InvalidArgument, text);

        /// <summary>
        /// What to type for a session: the table's 8 digits, or as many more as it takes to tell it from the
        /// other open sessions (so a completed id is never ambiguous).
        /// </summary>
        public static string UniquePrefix(BackupSession session, IReadOnlyList<BackupSession> open)
        {
            var digits = session.Id.ToString("N");
            for (var length = DisplayFormat.ShortId(session.Id).Length; length < digits.Length; length++)
            {
                var prefix = digits.Substring(0, length);
                if (!open.Any(s => s.Id != session.Id && s.Id.ToString("N").StartsWith(prefix, StringComparison.Ordinal))) return prefix;
            }
            return digits;
        }
    }

    /// <summary>
    /// Lets -Session take what Get-EseBackupSession shows: an id (full or a unique start) is turned into the open
    /// session it names; a session object passes through. An id naming no open session, or several, is refused
    /// with the same words as Get-EseBackupSession -Id.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SessionArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            string? text = value switch
            {
                string s => s,
                Guid g => g.ToString(),
                _ => null,
            };
            if (text == null) return inputData;
            var matches = SessionIds.Matching(text, BackupSessionRegistry.OpenSessions);
            if (matches.Count == 1) return matches[0];
            throw new ArgumentTransformationMetadataException(SessionIds.NotOneSession(text, matches).Exception.Message);
        }
    }
}
