using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EseBackup.Core.BackupSets.Stores
{
    /// <summary>
    /// How a store at a URL is reached (EseBackup.Stores.Azure reads these). None set: the store decides from
    /// the URL (a SAS in its query) and the environment (AZURE_STORAGE_CONNECTION_STRING, then Microsoft Entra ID).
    /// Never shown: <see cref="ToString"/> names only which are set.
    /// </summary>
    public sealed class BackupStoreCredentials
    {
        /// <summary>An Azure Storage connection string (account key or SAS in it).</summary>
        public string? ConnectionString { get; set; }

        /// <summary>A shared access signature (the query part of a SAS URL, with or without its leading '?').</summary>
        public string? SasToken { get; set; }

        /// <summary>The client id of a user-assigned managed identity for Microsoft Entra ID (null: the system-assigned one, or other Entra ID credentials).</summary>
        public string? ManagedIdentityClientId { get; set; }

        public override string ToString()
        {
            var set = new List<string>();
            if (!string.IsNullOrEmpty(ConnectionString)) set.Add("connection string");
            if (!string.IsNullOrEmpty(SasToken)) set.Add("SAS token");
            if (!string.IsNullOrEmpty(ManagedIdentityClientId)) set.Add("managed identity client id");
            return set.Count == 0 ? "(default credentials)" : string.Join(", ", set);
        }
    }

    /// <summary>Makes the store for a URL, or returns null when the URL is not one it serves.</summary>
    /// <param name="location">The URL as given, its query (a SAS) included.</param>
    public delegate IBackupStore? BackupStoreFactory(Uri location, BackupStoreCredentials credentials);

    /// <summary>
    /// Turns a destination as a user names it into a store: a URL (http/https) goes to the store factories
    /// registered here (the PowerShell module registers the Azure Blob store, so the core never references
    /// Azure); anything else is a folder. A URL is never treated as a file path.
    /// </summary>
    public static class BackupStores
    {
        private static readonly object Gate = new object();
        private static readonly List<KeyValuePair<string, BackupStoreFactory>> Factories = new List<KeyValuePair<string, BackupStoreFactory>>();

        /// <summary>Adds (or replaces, by <paramref name="name"/>) a factory for stores at URLs; later registrations are asked first.</summary>
        public static void Register(string name, BackupStoreFactory factory)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A store factory needs a name.", nameof(name));
            if (factory == null) throw new ArgumentNullException(nameof(factory));
            lock (Gate)
            {
                Factories.RemoveAll(f => f.Key == name);
                Factories.Insert(0, new KeyValuePair<string, BackupStoreFactory>(name, factory));
            }
        }

        /// <summary>Removes the factory registered under <paramref name="name"/> (module unload, tests).</summary>
        public static void Unregister(string name)
        {
            lock (Gate) Factories.RemoveAll(f => f.Key == name);
        }

        /// <summary>True when <paramref name="location"/> is an http or https URL (a store at a URL, never a file path).</summary>
        public static bool IsUrl(string? location) => TryParseUrl(location, out _);

        /// <summary>The URL without its query, fragment and user info (where a SAS or password would be): safe to show.</summary>
        public static string Redact(string location)
        {
            if (!TryParseUrl(location, out var uri)) return location;
            var builder = new UriBuilder(uri) { Query = "", Fragment = "", UserName = "", Password = "" };
            return builder.Uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        }

        /// <summary>The store at <paramref name="location"/>: a folder path, or a container URL (optionally with a prefix).</summary>
        /// <exception cref="BackupStoreUnavailableException">A URL that no registered store serves.</exception>
        public static IBackupStore Open(string location, BackupStoreCredentials? credentials = null)
        {
            if (location == null) throw new ArgumentNullException(nameof(location));
            if (!TryParseUrl(location, out var uri)) return new FolderBackupStore(location);
            List<KeyValuePair<string, BackupStoreFactory>> factories;
            lock (Gate) factories = Factories.ToList();
            foreach (var factory in factories)
            {
                var store = factory.Value(uri, credentials ?? new BackupStoreCredentials());
                if (store != null) return store;
            }
            var shown = Redact(location);
            throw new BackupStoreUnavailableException(shown, factories.Count == 0
                ? $"'{shown}' is a URL, and backup sets at a URL need the Azure Blob store (EseBackup.Stores.Azure), which is not loaded in this session: nothing was read or written. Use a folder path, or import the EseBackup module with its Azure store."
                : $"'{shown}' is a URL that none of the loaded backup stores ({string.Join(", ", factories.Select(f => f.Key))}) serves: it is not a blob container URL (https://<account>.blob.core.windows.net/<container>[/<prefix>], or an emulator's http://<host>:<port>/<account>/<container>[/<prefix>]). Nothing was read or written.");
        }

        /// <summary>
        /// The store holding the set at <paramref name="setLocation"/> (a set folder, or a set's URL) and the set's
        /// name (the last segment; a URL keeps its query for the store).
        /// </summary>
        public static IBackupStore OpenForSet(string setLocation, BackupStoreCredentials? credentials, out string setName)
        {
            if (TryParseUrl(setLocation, out var uri))
            {
                var path = uri.AbsolutePath.TrimEnd('/');
                int cut = path.LastIndexOf('/');
                setName = Uri.UnescapeDataString(path.Substring(cut + 1));
                return Open(uri.GetLeftPart(UriPartial.Authority) + path.Substring(0, Math.Max(cut, 0)) + uri.Query, credentials);
            }
            var full = Path.GetFullPath(setLocation).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            setName = Path.GetFileName(full);
            return new FolderBackupStore(Path.GetDirectoryName(full) ?? full);
        }

        private static bool TryParseUrl(string? location, out Uri uri)
        {
            uri = null!;
            if (string.IsNullOrEmpty(location) || !Uri.TryCreate(location!.Trim(), UriKind.Absolute, out var parsed)) return false;
            if (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps) return false;
            uri = parsed;
            return true;
        }
    }

    /// <summary>A destination names a store this session cannot open (a URL without a store for it). Nothing was read or written.</summary>
    public sealed class BackupStoreUnavailableException : Exception
    {
        public BackupStoreUnavailableException(string location, string message) : base(message) => Location = location;

        /// <summary>The location as given, without secrets.</summary>
        public string Location { get; }
    }
}
