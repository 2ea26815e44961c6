using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using EseBackup.Core.Protocol;
using EseBackup.Core.Sources;

namespace EseBackup.PowerShell.Internal
{
    /// <summary>
    /// Loads the build of EseBackup.Core that matches the running PowerShell. Only the cmdlet assembly sits in
    /// the module root; the core and its dependencies live in one folder per target framework:
    /// <c>net8.0/</c> for PowerShell 7.4+ (.NET 8+: hardware intrinsics, and the runtime's own System.Text.Json,
    /// System.Memory...) and <c>netstandard2.0/</c> for Windows PowerShell 5.1 and older .NET. Because none of them
    /// is beside the cmdlet assembly, the runtime cannot find them by itself and asks AssemblyResolve, which
    /// answers from the matching folder only. Nothing that PowerShell itself carries is ever shipped, so the
    /// module cannot shadow or conflict with PowerShell's own assemblies.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static int _importCount;
        private static string? _dependencyFolder;

        /// <summary>The folder (under the module root) holding the core for this runtime.</summary>
        public static string DependencyFolder
        {
            get
            {
                lock (Gate)
                {
                    return _dependencyFolder ??= Path.Combine(ModuleRoot, DependencyFolderName(Environment.Version));
                }
            }
        }

        /// <summary>
        /// net8.0 for .NET 8 and later (PowerShell 7.4+); netstandard2.0 for .NET Framework 4.x (Windows
        /// PowerShell 5.1) and for .NET 5-7 (PowerShell 7.1-7.3), which cannot load a net8.0 assembly.
        /// </summary>
        public static string DependencyFolderName(Version runtimeVersion) =>
            runtimeVersion.Major >= 8 ? "net8.0" : "netstandard2.0";

        /// <summary>The module's folder (where the cmdlet assembly is).</summary>
        internal static string ModuleRoot =>
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? AppDomain.CurrentDomain.BaseDirectory;

        /// <summary>Called by PowerShell when the module is imported (once per import, in any runspace).</summary>
        public void OnImport()
        {
            lock (Gate)
            {
                // One handler per process however many runspaces import the module.
                if (_importCount++ == 0) AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencyFolder;
            }
            // Load the core now so its types ([EseBackup.Core.Format.DatabaseState], ...) are there for
            // scripts from the moment of import, not only after the first cmdlet ran.
            Assembly.Load(new AssemblyName("EseBackup.Core"));
            // Container URLs go to the Azure Blob store, which loads only when a command first names one.
            RegisterStores();
        }

        // Its own method so that the core's types are resolved only after the handler above is in place.
        private static void RegisterStores() => AzureBlobStoreLoader.Register();

        /// <summary>Called by PowerShell on Remove-Module: the handler goes when the last import goes.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            // A forgotten session must not keep a source in backup mode, nor an instance stay open:
            // sessions end with abort first, then the instances the module opened are closed.
            BackupSessionRegistry.AbortAll("The EseBackup module was removed.");
            EseInstance.CloseAll();
            lock (Gate)
            {
                if (_importCount > 0 && --_importCount == 0)
                {
                    AzureBlobStoreLoader.Unregister();
                    AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencyFolder;
                }
            }
        }

        private static Assembly? ResolveFromDependencyFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (string.IsNullOrEmpty(name)) return null;

            // Only what the module ships answers; every other request is left to PowerShell and the runtime.
            var candidate = Path.Combine(DependencyFolder, name + ".dll");
            if (!File.Exists(candidate)) return null;

            // Already loaded (for example by an earlier request with another version number): reuse it. On .NET
            // Framework this is also what stands in for binding redirects between the netstandard2.0 packages.
            foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (!loaded.IsDynamic && string.Equals(loaded.GetName().Name, name, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(SafeLocation(loaded), candidate, StringComparison.OrdinalIgnoreCase))
                {
                    return loaded;
                }
            }
            return Assembly.LoadFrom(candidate);
        }

        private static string SafeLocation(Assembly assembly)
        {
            try { return assembly.Location; }
            catch (NotSupportedException) { return string.Empty; }
        }
    }
}
