using System;
using System.Collections.Generic;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// Makes the container client the way Azure users expect to authenticate, first match wins:
    /// the URL's SAS token; a connection string given as a parameter; one in
    /// AZURE_STORAGE_CONNECTION_STRING; else Microsoft Entra ID (environment credentials, workload identity,
    /// managed identity as in Azure Automation, then the Azure CLI's login). Every secret it sees goes to the
    /// redactor first.
    /// </summary>
    internal static class AzureBlobClientFactory
    {
        /// <summary>The service version the store speaks: the newest that Azurite 3.37.0 (the tests' service) accepts.</summary>
        internal const BlobClientOptions.ServiceVersion PinnedServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

        internal static (BlobContainerClient Client, string CredentialKind) Create(AzureBlobLocation location, AzureBlobStoreOptions options, SecretRedactor redactor)
        {
            var clientOptions = ClientOptions(options);
            var sas = location.SasToken;
            if (sas != null)
            {
                redactor.Add(sas);
                foreach (var part in sas.Split('&'))
                    if (part.StartsWith("sig=", StringComparison.OrdinalIgnoreCase))
                    {
                        redactor.Add(part.Substring(4));
                        redactor.Add(Uri.UnescapeDataString(part.Substring(4)));
                    }
                return (new BlobContainerClient(location.ContainerUri, new AzureSasCredential(sas), clientOptions), "SAS token of the URL");
            }
            var connectionString = options.ConnectionString;
            var kind = "connection string parameter";
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                connectionString = Environment.GetEnvironmentVariable(AzureBlobStoreOptions.ConnectionStringVariable);
                kind = AzureBlobStoreOptions.ConnectionStringVariable;
            }
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                var cs = connectionString!;
                redactor.Add(cs);
                var parts = ParseConnectionString(cs, kind);
                foreach (var secretName in new[] { "AccountKey", "SharedAccessSignature" })
                    if (parts.TryGetValue(secretName, out var secret)) redactor.Add(secret);
                BlobServiceClient service;
                try { service = new BlobServiceClient(cs, clientOptions); }
                catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidOperationException)
                {
                    throw new ArgumentException($"The storage connection string ({kind}) is not valid: {redactor.Redact(ex.Message)}");
                }
                CheckSameAccount(location, service.Uri, kind);
                return (service.GetBlobContainerClient(location.ContainerName), kind);
            }
            return (new BlobContainerClient(location.ContainerUri, EntraCredential(options), clientOptions), "Microsoft Entra ID");
        }

        internal static BlobClientOptions ClientOptions(AzureBlobStoreOptions options)
        {
            var clientOptions = new BlobClientOptions(PinnedServiceVersion);
            clientOptions.Retry.Mode = RetryMode.Exponential;
            clientOptions.Retry.MaxRetries = options.MaxRetries;
            clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
            clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(30);
            // A staged block of several MiB on a slow link; the SDK retries a block that timed out.
            clientOptions.Retry.NetworkTimeout = TimeSpan.FromMinutes(5);
            // Nothing of a request (no URL query, no header) in the SDK's own diagnostics beyond its redacted defaults.
            clientOptions.Diagnostics.IsLoggingContentEnabled = false;
            return clientOptions;
        }

        private static TokenCredential EntraCredential(AzureBlobStoreOptions options)
        {
            var clientId = options.ManagedIdentityClientId ?? Environment.GetEnvironmentVariable("AZURE_CLIENT_ID");
            var managed = string.IsNullOrEmpty(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            return new ChainedTokenCredential(
                new EnvironmentCredential(),
                new WorkloadIdentityCredential(),
                managed,
                new AzureCliCredential());
        }

        private static Dictionary<string, string> ParseConnectionString(string connectionString, string kind)
        {
            var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in connectionString.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"The storage connection string ({kind}) is not valid: it is not a list of name=value pairs separated by ';'.");
                parts[pair.Substring(0, eq).Trim()] = pair.Substring(eq + 1).Trim();
            }
            return parts;
        }

        /// <summary>The URL decides container and prefix, the connection string only the credential: both must name one account.</summary>
        private static void CheckSameAccount(AzureBlobLocation location, Uri serviceUri, string kind)
        {
            var fromConnection = AzureBlobLocation.Parse(serviceUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/probe");
            bool same = string.Equals(fromConnection.ServiceUri.Host, location.ServiceUri.Host, StringComparison.OrdinalIgnoreCase)
                && fromConnection.ServiceUri.Port == location.ServiceUri.Port
                && string.Equals(fromConnection.AccountName, location.AccountName, StringComparison.OrdinalIgnoreCase);
            if (!same)
                throw new ArgumentException(
                    $"The storage connection string ({kind}) is for '{fromConnection.ServiceUri.GetLeftPart(UriPartial.Path)}' (account '{fromConnection.AccountName}'), but the URL names '{location.ServiceUri.GetLeftPart(UriPartial.Path)}' (account '{location.AccountName}').");
        }
    }
}
