using System;
using System.IO;
using Azure;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// A request to the blob service failed (after the SDK's retries). The message names the operation, the blob
    /// or container (never a SAS) and the service's status and error code; the SDK's own exception is not kept,
    /// since its text carries request headers and can carry a secret.
    /// </summary>
    public sealed class AzureBlobStoreException : IOException
    {
        public AzureBlobStoreException(string message, int status, string? errorCode) : base(message)
        {
            Status = status;
            ErrorCode = errorCode;
        }

        /// <summary>The HTTP status (0 when no answer came: network, timeout).</summary>
        public int Status { get; }

        /// <summary>The service's error code (BlobNotFound, AuthorizationFailure, ...), when it sent one.</summary>
        public string? ErrorCode { get; }

        /// <summary>
        /// The exception a caller sees for an SDK failure: <see cref="UnauthorizedAccessException"/> for a refused
        /// credential (401/403) or one that could not be had (Microsoft Entra ID), naming the credential's kind;
        /// <see cref="AzureBlobStoreException"/> (an IOException) for everything else. Every text is redacted.
        /// </summary>
        internal static Exception From(Exception ex, string what, SecretRedactor redactor, string credentialKind)
        {
            if (ex is RequestFailedException rfe)
            {
                var reason = FirstLine(rfe.Message);
                if (rfe.Status == 403 || rfe.Status == 401)
                    return new UnauthorizedAccessException(redactor.Redact(
                        $"{what} failed: {rfe.Status} {rfe.ErrorCode} ({reason}). The credential ({credentialKind}) was refused or lacks the permission for this: check the SAS permissions and expiry, the account key, or the identity's role (Storage Blob Data Contributor)."));
                return new AzureBlobStoreException(redactor.Redact($"{what} failed: {rfe.Status} {rfe.ErrorCode} ({reason})."), rfe.Status, rfe.ErrorCode);
            }
            if (ex is global::Azure.Identity.AuthenticationFailedException)
            {
                return new UnauthorizedAccessException(redactor.Redact(
                    $"{what} failed: no Microsoft Entra ID token could be had ({FirstLine(ex.Message)}). Give a SAS URL or a connection string (or {AzureBlobStoreOptions.ConnectionStringVariable}), run in Azure with a managed identity, set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or log in with 'az login'."));
            }
            return new AzureBlobStoreException(redactor.Redact($"{what} failed: {ex.GetType().Name}: {FirstLine(ex.Message)}"), 0, null);
        }

        private static string FirstLine(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            int nl = text!.IndexOfAny(new[] { '\r', '\n' });
            return (nl < 0 ? text : text.Substring(0, nl)).Trim().TrimEnd('.');
        }
    }
}
