# Per-edition loading: PowerShell 7 (.NET 8+) must run the net8.0 core, Windows PowerShell 5.1 the
# netstandard2.0 one, and the module must never load a copy of an assembly PowerShell itself carries.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    $script:ModuleBase = Split-Path $script:ModulePath

    Import-Module $script:ModulePath -Force

    function Get-AssemblyReferences([string] $Path) {
        # Metadata only: nothing is loaded into this process.
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($h in $reader.AssemblyReferences) {
                $r = $reader.GetAssemblyReference($h)
                [pscustomobject]@{ Name = $reader.GetString($r.Name); Version = $r.Version }
            }
            $pe.Dispose()
        }
        finally { $stream.Dispose() }
    }

    # A fresh pwsh imports the module and makes the runtime resolve EseBackup.Core exactly as a cmdlet body does.
    $probe = Invoke-ChildPwsh -Script @'
param($ModulePath)
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModulePath -PassThru
$cmdletAssembly = $module.ImplementingAssembly
$coreName = $cmdletAssembly.GetReferencedAssemblies() | Where-Object Name -eq 'EseBackup.Core'
$core = [System.Reflection.Assembly]::Load($coreName)
# Touch every cmdlet's parameter metadata so parameter types from the core load too.
foreach ($c in Get-Command -Module EseBackup) { $null = $c.Parameters }
# Remove and import again (Import-Module -Force does this), then resolve a dependency the core loads lazily:
# the resolver must still be in place and answer from net8.0/.
$hashingLoadedBefore = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'System.IO.Hashing' }).Count -gt 0
Remove-Module EseBackup
$module = Import-Module $ModulePath -PassThru
$hashingName = $core.GetReferencedAssemblies() | Where-Object Name -eq 'System.IO.Hashing'
$hashing = [System.Reflection.Assembly]::Load($hashingName)
[pscustomobject]@{
    RuntimeMajor = [Environment]::Version.Major
    CoreLocation = $core.Location
    HashingLocation = $hashing.Location
    HashingLoadedBeforeRemove = $hashingLoadedBefore
    ModuleBase   = $module.ModuleBase
    FromModule   = @([AppDomain]::CurrentDomain.GetAssemblies() |
        Where-Object { -not $_.IsDynamic -and $_.Location -and $_.Location.StartsWith($module.ModuleBase) } |
        ForEach-Object Location)
} | ConvertTo-Json -Compress
'@ -ArgumentList $script:ModulePath
    $script:Loaded = if ($probe.ExitCode -eq 0) { $probe.Output[-1] | ConvertFrom-Json } else { $null }
    $script:ProbeText = $probe.Text
}

Describe 'Edition-specific loading of EseBackup.Core' {
    It 'imports in a fresh pwsh and resolves the core' {
        $script:Loaded | Should -Not -BeNullOrEmpty -Because "the child pwsh said: $script:ProbeText"
    }

    It 'loads the net8.0 core in PowerShell 7 on .NET 8 or later' {
        $script:Loaded.RuntimeMajor | Should -BeGreaterOrEqual 8
        $script:Loaded.CoreLocation | Should -Be (Join-Path $script:Loaded.ModuleBase 'net8.0/EseBackup.Core.dll')
    }

    It 'resolves the core''s own dependencies from net8.0, also after the module was removed and imported again' {
        $script:Loaded.HashingLocation | Should -Be (Join-Path $script:Loaded.ModuleBase 'net8.0/System.IO.Hashing.dll')
        if ($script:Loaded.HashingLoadedBeforeRemove) {
            Set-ItResult -Skipped -Because 'System.IO.Hashing was already loaded before Remove-Module, so the resolver after re-import was not exercised'
        }
    }

    It 'loads nothing from the module but the cmdlet assembly and the net8.0 folder' {
        $allowed = @((Join-Path $script:Loaded.ModuleBase 'EseBackup.PowerShell.dll'))
        $net8 = Join-Path $script:Loaded.ModuleBase 'net8.0'
        foreach ($location in $script:Loaded.FromModule) {
            ($location -in $allowed -or (Split-Path $location) -eq $net8) |
                Should -BeTrue -Because "$location must not be loaded by PowerShell 7"
        }
    }

    It 'ships no assembly in the root or net8.0 folder that PowerShell or .NET already carries' {
        $runtimeDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $shipped = @(Get-ChildItem $script:ModuleBase -Filter *.dll) + @(Get-ChildItem (Join-Path $script:ModuleBase 'net8.0') -Filter *.dll)
        $shipped.Name | Should -Not -Contain 'System.Management.Automation.dll'
        foreach ($dll in $shipped) {
            (Test-Path (Join-Path $PSHOME $dll.Name)) | Should -BeFalse -Because "$($dll.Name) would shadow PowerShell's own copy"
            (Test-Path (Join-Path $runtimeDir $dll.Name)) | Should -BeFalse -Because "$($dll.Name) is part of .NET"
        }
    }

    It 'keeps only the cmdlet assembly in the module root' {
        (Get-ChildItem $script:ModuleBase -Filter *.dll).Name | Should -Be @('EseBackup.PowerShell.dll')
    }
}

Describe 'The Windows PowerShell 5.1 layout (netstandard2.0)' {
    It 'picks <Expected> for .NET <Version>' -ForEach @(
        @{ Version = '4.0.30319.42000'; Expected = 'netstandard2.0' }   # Windows PowerShell 5.1
        @{ Version = '6.0.0'; Expected = 'netstandard2.0' }             # PowerShell 7.2
        @{ Version = '8.0.0'; Expected = 'net8.0' }                     # PowerShell 7.4
        @{ Version = '10.0.0'; Expected = 'net8.0' }
    ) {
        [EseBackup.PowerShell.Internal.ModuleInitializer]::DependencyFolderName([version]$Version) | Should -Be $Expected
    }

    It 'has every dependency of the netstandard2.0 core and of the cmdlet assembly in the folder' {
        $folder = Join-Path $script:ModuleBase 'netstandard2.0'
        Test-Path (Join-Path $folder 'EseBackup.Core.dll') | Should -BeTrue
        $present = (Get-ChildItem $folder -Filter *.dll).BaseName
        # Supplied by .NET Framework / PowerShell themselves.
        $platform = @('netstandard', 'mscorlib', 'System.Management.Automation')
        $dlls = @(Get-ChildItem $folder -Filter *.dll) + @(Get-Item (Join-Path $script:ModuleBase 'EseBackup.PowerShell.dll'))
        foreach ($dll in $dlls) {
            foreach ($reference in (Get-AssemblyReferences $dll.FullName).Name) {
                ($reference -in $present -or $reference -in $platform) |
                    Should -BeTrue -Because "$($dll.Name) references $reference, which Windows PowerShell cannot find otherwise"
            }
        }
    }

    It 'has the same core assembly version in both folders as the cmdlet assembly references' {
        $expected = (Get-AssemblyReferences (Join-Path $script:ModuleBase 'EseBackup.PowerShell.dll') | Where-Object Name -eq 'EseBackup.Core').Version
        $expected | Should -Not -BeNullOrEmpty
        foreach ($folder in 'net8.0', 'netstandard2.0') {
            [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $script:ModuleBase "$folder/EseBackup.Core.dll")).Version |
                Should -Be $expected -Because "$folder/EseBackup.Core.dll must satisfy the cmdlet assembly's reference"
        }
    }
}
