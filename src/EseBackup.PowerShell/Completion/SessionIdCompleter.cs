using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using EseBackup.Core.Protocol;
using EseBackup.PowerShell.Internal;

namespace EseBackup.PowerShell.Completion
{
    /// <summary>
    /// Completes the ids of the backup sessions open in this process (-Id of Get-EseBackupSession, -Session of
    /// Read-EseBackupFile and Stop-EseExternalBackup): the digits the table shows, longer only where two open
    /// sessions share them, oldest session first; the tooltip says which backup it is.
    /// </summary>
    public sealed class SessionIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? "").Trim('\'', '"').Replace("-", "");
            var open = BackupSessionRegistry.OpenSessions;
            foreach (var session in open)
            {
                if (!session.Id.ToString("N").StartsWith(typed, StringComparison.OrdinalIgnoreCase)) continue;
                var id = SessionIds.UniquePrefix(session, open);
                yield return new CompletionResult(id, id, CompletionResultType.ParameterValue,
                    $"{session.Kind} backup of {session.SourceKey}, {session.State} (id {session.Id})");
            }
        }
    }
}
