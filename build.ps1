<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the EseBackup module.

.DESCRIPTION
    Tasks (run in the order given):
      Build      compile the solution and lay the module out in out/EseBackup
      Help       turn docs/help/*.md into MAML under out/EseBackup/en-US
      UnitTest   xunit tests (tests/EseBackup.Core.Tests)
      PesterTest Pester tests (tests/pester) against the built module in a child pwsh
      Test       Build + Help + UnitTest + PesterTest, then one totals line 'N passed, N failed, N skipped'
      Package    zip out/EseBackup into out/EseBackup-<version>.zip
      Demo       the main job: back up a database folder (a generated sample when -SourcePath is not given)
      Bench      throughput and memory benchmarks, each compared with a plain read/copy in the same run
      Clean      remove out/ and every bin/obj

    Run with the repository's own pwsh:  dotnet tool restore; dotnet pwsh -NoProfile -File build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Help', 'UnitTest', 'PesterTest', 'Test', 'Package', 'Demo', 'Bench', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Demo: the database folder to back up (default: a generated sample folder).
    [string] $SourcePath,

    # Demo: where backup sets go (default: out/demo/backups).
    [string] $Destination,

    # Bench: size of the generated database in MiB.
    [int] $BenchSizeMB = 2048
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutDir 'EseBackup'
$TestResults = Join-Path $OutDir 'test-results'

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = (& dotnet nuget locals global-packages --list) -join "`n"
    if ($line -match 'global-packages:\s*(.+)$') { return $Matches[1].Trim() }
    return (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages')
}

function Invoke-ChildPwsh {
    # A child pwsh (the repository's local tool) so that the module under test is loaded fresh and
    # never locked by this build process.
    param([Parameter(Mandatory)][string] $ScriptPath, [string[]] $ArgumentList = @())
    & dotnet pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $ScriptPath @ArgumentList | Out-Host
    return $LASTEXITCODE
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'EseBackup.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut -Force
    # Only the cmdlet assembly sits in the module root; its ModuleInitializer loads the core from the folder
    # matching the runtime: net8.0/ on PowerShell 7.4+ (hardware intrinsics), netstandard2.0/ on Windows
    # PowerShell 5.1. Nothing PowerShell itself carries is shipped (no System.Management.Automation).
    $cmdletBin = Join-Path $RepoRoot "src/EseBackup.PowerShell/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $cmdletBin 'EseBackup.PowerShell.dll') -Destination $ModuleOut
    $netstandard = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'netstandard2.0') -Force
    Get-ChildItem $cmdletBin -Filter *.dll |
        Where-Object Name -NotIn @('EseBackup.PowerShell.dll', 'System.Management.Automation.dll') |
        Copy-Item -Destination $netstandard
    # net8.0: the published core minus anything the running PowerShell or .NET already has (System.Text.Json...).
    $net8 = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'net8.0') -Force
    $publish = Join-Path $OutDir 'obj/core-net8.0'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/EseBackup.Core/EseBackup.Core.csproj'), '-f', 'net8.0',
        '-c', $Configuration, '--no-build', '-o', $publish, '--nologo', '-v', 'quiet')
    $runtimeDir = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    Get-ChildItem $publish -Filter *.dll |
        Where-Object { -not (Test-Path (Join-Path $PSHOME $_.Name)) -and -not (Test-Path (Join-Path $runtimeDir $_.Name)) } |
        Copy-Item -Destination $net8
    # The Azure Blob store and the Azure SDK, apart from the core, loaded only when a command names a container
    # URL: azure/net8.0 in a load context of its own on PowerShell 7.4+ (through EseBackup.Stores.Loader in
    # net8.0/, sharing EseBackup.Core with the module), azure/netstandard2.0 elsewhere (Windows PowerShell 5.1).
    Copy-Item (Join-Path $RepoRoot "src/EseBackup.Stores.Loader/bin/$Configuration/net8.0/EseBackup.Stores.Loader.dll") -Destination $net8
    foreach ($tfm in @('net8.0', 'netstandard2.0')) {
        $azurePublish = Join-Path $OutDir "obj/azure-$tfm"
        if (Test-Path $azurePublish) { Remove-Item $azurePublish -Recurse -Force }
        Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/EseBackup.Stores.Azure/EseBackup.Stores.Azure.csproj'), '-f', $tfm,
            '-c', $Configuration, '--no-build', '-o', $azurePublish, '--nologo', '-v', 'quiet')
        # The core is the module's own copy (shared, never a second one); symbols stay out of the module.
        Get-ChildItem $azurePublish -Recurse -File -Include 'EseBackup.Core.dll', '*.pdb' | Remove-Item -Force
        $null = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'azure') -Force
        Copy-Item $azurePublish -Destination (Join-Path $ModuleOut "azure/$tfm") -Recurse
    }
    Copy-Item (Join-Path $RepoRoot 'EseBackup.psd1') -Destination $ModuleOut
    Get-ChildItem (Join-Path $RepoRoot 'module') -File | Copy-Item -Destination $ModuleOut
    $helpSrc = Join-Path $RepoRoot 'module/en-US'
    if (Test-Path $helpSrc) { Copy-Item $helpSrc -Destination $ModuleOut -Recurse -Force }
    Write-Host "Module laid out in $ModuleOut"
}

function Invoke-Help {
    $script = Join-Path $RepoRoot 'tools/Build-Help.ps1'
    if (-not (Test-Path $script)) { Write-Host 'Help: no help builder yet.'; return }
    # The builder reads parameter facts from the built cmdlets, so it needs Build's output.
    if (-not (Test-Path (Join-Path $ModuleOut 'EseBackup.psd1'))) { throw "Help needs the built module in $ModuleOut; run the Build task first." }
    $code = Invoke-ChildPwsh $script @('-HelpSource', (Join-Path $RepoRoot 'docs/help'), '-ModulePath', $ModuleOut)
    if ($code -ne 0) { throw "Building help failed (exit code $code)." }
}

function Invoke-UnitTest {
    $null = New-Item -ItemType Directory -Path $TestResults -Force
    $trx = Join-Path $TestResults 'xunit.trx'
    if (Test-Path $trx) { Remove-Item $trx -Force }
    & dotnet test (Join-Path $RepoRoot 'tests/EseBackup.Core.Tests/EseBackup.Core.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' --results-directory $TestResults | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trx)) { throw "xunit produced no results (exit code $exit): the test project did not build or run." }
    $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Runner  = 'xunit'
        Passed  = [int]$counters.passed
        Failed  = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        # notExecuted stays 0 for skipped xunit tests; what was not executed is the skipped count.
        Skipped = [int]$counters.total - [int]$counters.executed
        ExitCode = $exit
    }
}

function Invoke-PesterTest {
    $null = New-Item -ItemType Directory -Path $TestResults -Force
    $pester = Join-Path (Get-NuGetPackageRoot) 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) {
        # Restoring the test project downloads Pester from NuGet (PackageDownload).
        Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'tests/EseBackup.Core.Tests/EseBackup.Core.Tests.csproj'), '--nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $pester)) { throw "Pester was not found at $pester after restore." }
    $summary = Join-Path $TestResults 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item $summary -Force }
    $code = Invoke-ChildPwsh (Join-Path $RepoRoot 'tools/Invoke-PesterTests.ps1') @(
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleOut 'EseBackup.psd1'),
        '-TestPath', (Join-Path $RepoRoot 'tests/pester'), '-SummaryPath', $summary)
    if (-not (Test-Path $summary)) { throw "Pester produced no summary (exit code $code)." }
    $s = Get-Content $summary -Raw | ConvertFrom-Json
    [pscustomobject]@{ Runner = 'Pester'; Passed = [int]$s.Passed; Failed = [int]$s.Failed; Skipped = [int]$s.Skipped; ExitCode = $code }
}

function Invoke-Test {
    Invoke-Build
    $results = @()
    $failures = @()
    # A help failure is counted, not fatal: the tests still run and Help.Tests names the cmdlets without help.
    try { Invoke-Help }
    catch { $failures += "Invoke-Help : $($_.Exception.Message)"; Write-Host $failures[-1] -ForegroundColor Red }
    foreach ($runner in @('Invoke-UnitTest', 'Invoke-PesterTest')) {
        try { $results += & $runner }
        catch { $failures += "$runner : $($_.Exception.Message)"; Write-Host $failures[-1] -ForegroundColor Red }
    }
    $passed = ($results | Measure-Object Passed -Sum).Sum
    $failed = ($results | Measure-Object Failed -Sum).Sum + $failures.Count
    $skipped = ($results | Measure-Object Skipped -Sum).Sum
    foreach ($r in $results) { Write-Host ("{0,-7} {1} passed, {2} failed, {3} skipped" -f $r.Runner, $r.Passed, $r.Failed, $r.Skipped) }
    foreach ($r in $results) {
        # A runner that ran nothing is broken, not green.
        if ($r.Passed + $r.Failed + $r.Skipped -eq 0) { $failed++; Write-Host "$($r.Runner) ran no tests: counted as a failure." -ForegroundColor Red }
        elseif ($r.ExitCode -ne 0 -and $r.Failed -eq 0) { $failed++; Write-Host "$($r.Runner) exited with $($r.ExitCode) without a failed test: counted as a failure." -ForegroundColor Red }
    }
    $bad = $failed -gt 0
    # The last line is the totals line CI reads.
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($bad) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    Invoke-Help
    $version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'EseBackup.psd1')).ModuleVersion
    $zip = Join-Path $OutDir "EseBackup-$version.zip"
    if (Test-Path $zip) { Remove-Item $zip -Force }
    Compress-Archive -Path $ModuleOut -DestinationPath $zip
    Write-Host "Package: $zip"
}

function Invoke-Demo {
    Invoke-Build
    Invoke-Help
    if (-not $Destination) { $Destination = Join-Path $OutDir 'demo/backups' }
    $demoArgs = @('-ModulePath', (Join-Path $ModuleOut 'EseBackup.psd1'), '-Destination', $Destination,
        '-FixturesPath', (Join-Path $RepoRoot "tests/EseBackup.Fixtures/bin/$Configuration/netstandard2.0/EseBackup.Fixtures.dll"),
        '-SampleRoot', (Join-Path $OutDir 'demo/source'))
    if ($SourcePath) { $demoArgs += @('-SourcePath', $SourcePath) }
    $code = Invoke-ChildPwsh (Join-Path $RepoRoot 'tools/Demo.ps1') $demoArgs
    if ($code -ne 0) { throw "Demo failed (exit code $code)." }
}

function Invoke-Bench {
    Invoke-Build
    # Every bench/*.Bench.ps1 measures one pipeline against a plain read or copy of the same bytes.
    $benches = @(Get-ChildItem (Join-Path $RepoRoot 'bench') -Filter '*.Bench.ps1' | Sort-Object Name)
    if ($benches.Count -eq 0) { throw 'No benchmarks found under bench/.' }
    foreach ($b in $benches) {
        Write-Host "== $($b.BaseName)"
        $code = Invoke-ChildPwsh $b.FullName @(
            '-ModulePath', (Join-Path $ModuleOut 'EseBackup.psd1'),
            '-FixturesPath', (Join-Path $RepoRoot "tests/EseBackup.Fixtures/bin/$Configuration/netstandard2.0/EseBackup.Fixtures.dll"),
            '-WorkRoot', (Join-Path $OutDir 'bench'), '-SizeMB', $BenchSizeMB)
        if ($code -ne 0) { throw "Benchmark $($b.Name) failed (exit code $code)." }
    }
}

function Invoke-Clean {
    if (Test-Path $OutDir) { Remove-Item $OutDir -Recurse -Force }
    Get-ChildItem $RepoRoot -Include bin, obj -Recurse -Directory | Remove-Item -Recurse -Force
}

Push-Location $RepoRoot
try {
    foreach ($t in $Task) { & "Invoke-$t" }
}
finally {
    Pop-Location
}
