using System;
using Azure.Storage.Blobs;

namespace EseBackup.Stores.Azure
{
    /// <summary>
    /// A container URL with an optional prefix, as a user writes it:
    /// <c>https://account.blob.core.windows.net/container/prefix</c> (or the path style of Azurite and other
    /// emulators, <c>http://127.0.0.1:10000/devstoreaccount1/container/prefix</c>), possibly with a SAS token as
    /// its query. The SAS is kept apart: <see cref="Display"/> and every blob URL this type makes carry none.
    /// </summary>
    public sealed class AzureBlobLocation
    {
        private AzureBlobLocation(Uri serviceUri, string accountName, string containerName, string prefix, string? sas)
        {
            ServiceUri = serviceUri;
            AccountName = accountName;
            ContainerName = containerName;
            Prefix = prefix;
            SasToken = sas;
        }

        /// <summary>The account's blob endpoint (no query), e.g. https://account.blob.core.windows.net/.</summary>
        public Uri ServiceUri { get; }

        public string AccountName { get; }

        public string ContainerName { get; }

        /// <summary>The virtual folder the sets live under: empty or ending in '/'.</summary>
        public string Prefix { get; }

        /// <summary>The SAS token of the URL (without '?'), a secret; null when the URL has none.</summary>
        internal string? SasToken { get; }

        /// <summary>The container URL without query.</summary>
        public Uri ContainerUri => new Uri(ServiceUri.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(ContainerName));

        /// <summary>The location as messages and objects show it: container URL and prefix, never a SAS.</summary>
        public string Display => ContainerUri.AbsoluteUri + (Prefix.Length == 0 ? "" : "/" + EscapePath(Prefix.TrimEnd('/')));

        /// <summary>The URL of a blob name under the container (no query), for messages.</summary>
        public string DisplayOf(string blobName) => ContainerUri.AbsoluteUri + "/" + EscapePath(blobName);

        public override string ToString() => Display;

        /// <summary>True for text that names a blob container (http or https URL), as opposed to a folder path.</summary>
        public static bool LooksLikeContainerUrl(string? text) =>
            text != null && (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase));

        /// <summary>Parses a container URL; the error names the URL without its query.</summary>
        public static AzureBlobLocation Parse(string url)
        {
            if (!LooksLikeContainerUrl(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
                throw new ArgumentException($"'{SecretRedactor.RedactShaped(StripQuery(url))}' is not a blob container URL (https://<account>.blob.core.windows.net/<container>[/<prefix>]).", nameof(url));
            // Uri folds "a/../b" away before anyone sees it: the path as written is checked first.
            var written = StripQuery(url);
            int pathStart = written.IndexOf('/', written.IndexOf("//", StringComparison.Ordinal) + 2);
            if (pathStart > 0)
            {
                foreach (var segment in written.Substring(pathStart + 1).Split('/'))
                    if (segment == "." || segment == ".." || segment == "%2e%2e" || segment == "%2E%2E")
                        throw new ArgumentException($"'{written}' has a '.' or '..' segment in its path.", nameof(url));
            }
            BlobUriBuilder builder;
            try { builder = new BlobUriBuilder(uri); }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException || ex is UriFormatException)
            {
                throw new ArgumentException($"'{StripQuery(url)}' is not a blob container URL: {SecretRedactor.RedactShaped(ex.Message)}", nameof(url));
            }
            var container = builder.BlobContainerName;
            if (string.IsNullOrEmpty(container))
                throw new ArgumentException($"'{StripQuery(url)}' names no container: write https://<account>.blob.core.windows.net/<container>[/<prefix>].", nameof(url));
            if (!IsValidContainerName(container))
                throw new ArgumentException($"'{StripQuery(url)}' names the container '{container}', which is not a valid container name (3 to 63 lowercase letters, digits and single hyphens, starting with a letter or digit).", nameof(url));
            var prefix = (builder.BlobName ?? "").Trim('/');
            foreach (var segment in prefix.Split('/'))
            {
                if (prefix.Length > 0 && (segment.Length == 0 || segment == "." || segment == ".."))
                    throw new ArgumentException($"'{StripQuery(url)}' has an empty, '.' or '..' segment in its prefix.", nameof(url));
            }
            var sas = uri.Query.Length > 1 ? uri.Query.Substring(1) : null;
            // What stays is the service endpoint (with the account as first path segment in path style).
            builder.BlobContainerName = "";
            builder.BlobName = "";
            builder.Sas = null;
            builder.Query = null;
            builder.Snapshot = null;
            builder.VersionId = null;
            var service = builder.ToUri();
            return new AzureBlobLocation(service, builder.AccountName ?? "", container, prefix.Length == 0 ? "" : prefix + "/", sas);
        }

        /// <summary>Parses a container URL; false (no exception) when the text does not name one.</summary>
        public static bool TryParse(string? url, out AzureBlobLocation? location)
        {
            location = null;
            if (!LooksLikeContainerUrl(url)) return false;
            try { location = Parse(url!); return true; }
            catch (ArgumentException) { return false; }
        }

        // The service's rule for container names (and its special $root / $web containers).
        private static bool IsValidContainerName(string name) =>
            name == "$root" || name == "$web" ||
            System.Text.RegularExpressions.Regex.IsMatch(name, "^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$");

        private static string StripQuery(string? url)
        {
            if (url == null) return "";
            int q = url.IndexOf('?');
            return q < 0 ? url : url.Substring(0, q);
        }

        private static string EscapePath(string path) =>
            string.Join("/", Array.ConvertAll(path.Split('/'), Uri.EscapeDataString));
    }
}
