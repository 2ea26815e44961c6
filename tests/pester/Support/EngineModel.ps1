# The engine model (tests/native/esentmodel.c) loaded in place of esent.dll inside this pwsh, for the live
# cmdlets on Linux. Test-only: it sets a DllImport resolver on the loaded EseBackup.Core and flips its internal
# platform switch by reflection; the module itself only ever loads esent.dll from System32.

function Get-EngineModelUnavailableReason {
    if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { return 'Windows has the real esent.dll; the live round trip runs against it in .github/workflows/windows.yml.' }
    if (-not (Get-Command cc -ErrorAction SilentlyContinue)) { return 'No C compiler (cc) to build tests/native/esentmodel.c: apt-get install gcc.' }
    return $null
}

# Builds the model once per process, points "esent.dll" of the loaded EseBackup.Core at it and lets the
# engine calls through; resets the model's state (instances, injections, recorded calls).
function Install-EngineModel {
    if (-not ('EseBackupTests.EngineModelHook' -as [type])) {
        $source = Join-Path $PSScriptRoot '../../native/esentmodel.c'
        $folder = Join-Path ([System.IO.Path]::GetTempPath()) ("esentmodel-pester-{0}" -f [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        $library = Join-Path $folder 'libesentmodel.so'
        $out = & cc -shared -fPIC -O1 -o $library $source 2>&1
        if ($LASTEXITCODE -ne 0) { throw "cc could not build $source : $out" }
        Add-Type -TypeDefinition @"
using System;
using System.Reflection;
using System.Runtime.InteropServices;
namespace EseBackupTests {
    public static class EngineModelHook {
        const string Lib = @"$library";
        [DllImport(Lib)] public static extern void model_reset();
        [DllImport(Lib)] public static extern void model_inject(string point, int err, int skip);
        [DllImport(Lib)] public static extern int model_call_count(string name);
        [DllImport(Lib)] public static extern ulong model_last_arg(string name, int index);
        [DllImport(Lib)] public static extern int model_backup_in_progress(ulong handle);
        [DllImport(Lib)] public static extern int model_instance_count();
        static IntPtr s_library;
        public static void Install(Assembly core) {
            if (s_library == IntPtr.Zero) {
                s_library = NativeLibrary.Load(Lib);
                NativeLibrary.SetDllImportResolver(core, (name, assembly, path) => name == "esent.dll" ? s_library : IntPtr.Zero);
            }
            SetPlatformSwitch(core, true);
        }
        public static void SetPlatformSwitch(Assembly core, bool on) {
            core.GetType("EseBackup.Core.Interop.EsentPlatform", true)
                .GetProperty("TestLibraryInstalled", BindingFlags.NonPublic | BindingFlags.Static).SetValue(null, on);
        }
    }
}
"@
    }
    $core = [EseBackup.Core.Sources.EseInstance].Assembly
    [EseBackupTests.EngineModelHook]::Install($core)
    [EseBackup.Core.Protocol.BackupSessionRegistry]::AbortAll('test reset') | Out-Null
    [EseBackup.Core.Sources.EseInstance]::CloseAll() | Out-Null
    [EseBackupTests.EngineModelHook]::model_reset()
}

# Puts the platform check back: later test files see a platform without esent.dll again.
function Uninstall-EngineModel {
    if ('EseBackupTests.EngineModelHook' -as [type]) {
        [EseBackup.Core.Protocol.BackupSessionRegistry]::AbortAll('test end') | Out-Null
        [EseBackup.Core.Sources.EseInstance]::CloseAll() | Out-Null
        [EseBackupTests.EngineModelHook]::SetPlatformSwitch([EseBackup.Core.Sources.EseInstance].Assembly, $false)
    }
}

# A database folder as a running service has it: database, logs 1-5 (edb.log current), checkpoint 5.
function New-LiveFolder([string] $Name = 'live', [int] $PageSize = 8192) {
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ("esebackup-live-{0}-{1}" -f $Name, [guid]::NewGuid().ToString('N'))
    $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
    $spec.Database.PageSize = $PageSize
    $spec.Database.RecordCount = 40
    $spec.Logs.LastGeneration = 5
    $spec.Logs.LogFileSize = 64KB
    $spec.Logs.ReserveLogCount = 0
    [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($folder, $spec)
}
