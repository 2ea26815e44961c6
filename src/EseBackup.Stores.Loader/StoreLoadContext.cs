using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;

namespace EseBackup.Stores.Loader
{
    /// <summary>
    /// Loads a backup store assembly and everything it depends on from one folder into a load context of its
    /// own, so that its dependencies (the Azure SDK) can differ from whatever the session already loaded (another
    /// module's Azure.Storage.Blobs, Az.Storage...) without either side breaking. Only the names given as shared
    /// (EseBackup.Core: the store interface the module and the store both speak) come from the default context,
    /// where the module loaded them; the runtime's own assemblies come from the runtime.
    /// </summary>
    public sealed class StoreLoadContext : AssemblyLoadContext
    {
        private static readonly ConcurrentDictionary<string, Assembly> Loaded = new ConcurrentDictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);

        private readonly string _folder;
        private readonly HashSet<string> _shared;
        // Reads the store's deps.json: picks the platform's build where a package has several (runtimes/win/...).
        private readonly AssemblyDependencyResolver _resolver;

        private StoreLoadContext(string storeAssemblyPath, IEnumerable<string> sharedAssemblyNames)
            : base("EseBackup store " + Path.GetFileNameWithoutExtension(storeAssemblyPath), isCollectible: false)
        {
            _folder = Path.GetDirectoryName(storeAssemblyPath)!;
            _shared = new HashSet<string>(sharedAssemblyNames, StringComparer.OrdinalIgnoreCase);
            _resolver = new AssemblyDependencyResolver(storeAssemblyPath);
        }

        /// <summary>
        /// The store assembly at <paramref name="assemblyPath"/>, loaded once per process in a context of its own
        /// whose other assemblies come from the same folder, except <paramref name="sharedAssemblyNames"/>.
        /// </summary>
        public static Assembly LoadStore(string assemblyPath, string[] sharedAssemblyNames)
        {
            var full = Path.GetFullPath(assemblyPath);
            return Loaded.GetOrAdd(full, path =>
            {
                var context = new StoreLoadContext(path, sharedAssemblyNames ?? Array.Empty<string>());
                return context.LoadFromAssemblyPath(path);
            });
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name;
            if (string.IsNullOrEmpty(name)) return null;
            if (_shared.Contains(name))
            {
                // The default context's copy, loaded by the module (not on the runtime's probing path, so look it up).
                return Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase))
                    ?? Default.LoadFromAssemblyName(assemblyName);
            }
            var resolved = _resolver.ResolveAssemblyToPath(assemblyName);
            if (resolved != null && File.Exists(resolved)) return LoadFromAssemblyPath(resolved);
            var candidate = Path.Combine(_folder, name + ".dll");
            // Not in the folder: a runtime assembly (System.*, netstandard), from the default context.
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var resolved = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return resolved != null ? LoadUnmanagedDllFromPath(resolved) : IntPtr.Zero;
        }
    }
}
