using System;
using System.IO;
using System.Reflection;
using EseBackup.Core.BackupSets.Stores;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Plugs the Azure Blob store into <see cref="BackupStores"/> without loading it: the factory registered at
    /// import is this class's, and only the first container URL a command names loads EseBackup.Stores.Azure and
    /// the Azure SDK. On .NET 8+ (PowerShell 7.4+) they load into a load context of their own
    /// (EseBackup.Stores.Loader), which takes EseBackup.Core from the module, so the store's types are the core's
    /// while its Azure.Storage.Blobs, Azure.Core, Azure.Identity can differ from any the session already has. On
    /// Windows PowerShell 5.1 (and PowerShell before 7.4) there is one load context: the netstandard2.0 build is
    /// loaded beside whatever else the session holds.
    /// </summary>
    internal static class AzureBlobStoreLoader
    {
        internal const string StoreName = "AzureBlob";
        private const string StoreAssembly = "EseBackup.Stores.Azure";
        private const string FactoryType = "EseBackup.Stores.Azure.AzureBlobStoreFactory";
        private static readonly object Gate = new object();
        private static BackupStoreFactory? _factory;
        private static string? _windowsPowerShellFolder;

        /// <summary>Registers the lazy factory (module import).</summary>
        public static void Register() => BackupStores.Register(StoreName, Create);

        /// <summary>Removes it (last module removal); a store already loaded stays loaded, as assemblies do.</summary>
        public static void Unregister() => BackupStores.Unregister(StoreName);

        private static IBackupStore? Create(Uri location, BackupStoreCredentials credentials) => Factory()(location, credentials);

        private static BackupStoreFactory Factory()
        {
            lock (Gate)
            {
                if (_factory != null) return _factory;
                var assembly = Environment.Version.Major >= 8 ? LoadIsolated() : LoadShared();
                var method = assembly.GetType(FactoryType, throwOnError: true)!.GetMethod("Create", BindingFlags.Public | BindingFlags.Static)
                    ?? throw new MissingMethodException(FactoryType, "Create");
                return _factory = (BackupStoreFactory)Delegate.CreateDelegate(typeof(BackupStoreFactory), method);
            }
        }

        private static string AzureFolder(string framework) => Path.Combine(ModuleInitializer.ModuleRoot, "azure", framework);

        private static Assembly LoadIsolated()
        {
            var loaderPath = Path.Combine(ModuleInitializer.DependencyFolder, "EseBackup.Stores.Loader.dll");
            var storePath = Path.Combine(AzureFolder("net8.0"), StoreAssembly + ".dll");
            if (!File.Exists(loaderPath) || !File.Exists(storePath))
                throw new FileNotFoundException($"The Azure Blob store is not in the module ({storePath}); the module was not built with it.", storePath);
            var loader = Assembly.LoadFrom(loaderPath).GetType("EseBackup.Stores.Loader.StoreLoadContext", throwOnError: true)!;
            var load = loader.GetMethod("LoadStore", BindingFlags.Public | BindingFlags.Static)!;
            // EseBackup.Core is shared: the store implements the module's IBackupStore, not a copy of it.
            return (Assembly)load.Invoke(null, new object[] { storePath, new[] { typeof(IBackupStore).Assembly.GetName().Name! } })!;
        }

        private static Assembly LoadShared()
        {
            var folder = AzureFolder("netstandard2.0");
            var storePath = Path.Combine(folder, StoreAssembly + ".dll");
            if (!File.Exists(storePath))
                throw new FileNotFoundException($"The Azure Blob store is not in the module ({storePath}); the module was not built with it.", storePath);
            _windowsPowerShellFolder = folder;
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromAzureFolder;
            return Assembly.LoadFrom(storePath);
        }

        private static Assembly? ResolveFromAzureFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (string.IsNullOrEmpty(name) || _windowsPowerShellFolder == null) return null;
            var candidate = Path.Combine(_windowsPowerShellFolder, name + ".dll");
            if (!File.Exists(candidate)) return null;
            // One copy per name in the AppDomain: a version already loaded stands in (there are no binding redirects here).
            foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
                if (!loaded.IsDynamic && string.Equals(loaded.GetName().Name, name, StringComparison.OrdinalIgnoreCase)) return loaded;
            return Assembly.LoadFrom(candidate);
        }
    }
}
