using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// Takes secrets out of text before it leaves the store (messages, error records, Verbose): the exact secret
    /// values this store was given (account key, SAS token, connection string), and anything shaped like one
    /// (a SAS signature in a query, AccountKey= or SharedAccessSignature= in connection-string text).
    /// </summary>
    public sealed class SecretRedactor
    {
        public const string Mask = "***";

        private static readonly Regex ShapedSecrets = new Regex(
            @"(?i)(?<key>(?:[?&]sig=|AccountKey=|SharedAccessSignature=|SharedAccessKey=))(?<value>[^&;\s""']+)",
            RegexOptions.Compiled | RegexOptions.CultureInvariant);

        private readonly List<string> _secrets = new List<string>();

        /// <summary>Adds an exact secret value (blank values and very short ones that would mask ordinary words are ignored).</summary>
        public void Add(string? secret)
        {
            if (string.IsNullOrWhiteSpace(secret) || secret!.Length < 8) return;
            lock (_secrets)
            {
                if (!_secrets.Contains(secret)) _secrets.Add(secret);
                // Longest first, so a connection string is masked whole before the key inside it.
                _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
                var escaped = Uri.EscapeDataString(secret);
                if (escaped != secret && !_secrets.Contains(escaped)) _secrets.Add(escaped);
            }
        }

        /// <summary>The text with every known and every secret-shaped value masked.</summary>
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            var result = text!;
            lock (_secrets)
            {
                foreach (var secret in _secrets)
                    result = result.Replace(secret, Mask);
            }
            return ShapedSecrets.Replace(result, m => m.Groups["key"].Value + Mask);
        }

        /// <summary>Only the shaped secrets (for text from places that never saw this store's own values).</summary>
        public static string RedactShaped(string? text) =>
            string.IsNullOrEmpty(text) ? text ?? string.Empty : ShapedSecrets.Replace(text, m => m.Groups["key"].Value + Mask);
    }
}
