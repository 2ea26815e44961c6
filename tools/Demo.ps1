<#
.SYNOPSIS
    The main job, end to end: back up an ESE database folder with the pipeline
    Start-EseExternalBackup | Read-EseBackupFile | Stop-EseExternalBackup and show the backup set.
.DESCRIPTION
    Without -SourcePath, a sample database folder (an 8 KiB-page database of about 64 MiB with a user
    table, transaction logs 1-8 and a checkpoint, all consistent) is generated under -SampleRoot with the
    fixture library (EseFixtureWriter.WriteDatabaseFolder). Then a full backup is written under
    -Destination, a new log generation is simulated, and an incremental backup continues the chain.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $Destination,
    [string] $FixturesPath,
    [string] $SampleRoot,
    [string] $SourcePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$generated = $false
if (-not $SourcePath) {
    if (-not $FixturesPath -or -not (Test-Path $FixturesPath)) {
        throw "No -SourcePath was given and the fixture library is not built at '$FixturesPath': build the solution first (build.ps1 Build)."
    }
    if (-not $SampleRoot) { throw 'Give -SampleRoot (where the sample database folder is generated) or -SourcePath.' }
    Add-Type -Path $FixturesPath
    $SourcePath = Join-Path $SampleRoot 'SampleService'
    if (Test-Path $SourcePath) { Remove-Item $SourcePath -Recurse -Force }
    $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
    $spec.DatabaseFileName = 'Sample.edb'
    $spec.Database.PageSize = 8192
    $spec.Database.PageCount = 8192          # 64 MiB
    $spec.Database.RecordCount = 500
    $spec.Logs.FirstGeneration = 1
    $spec.Logs.LastGeneration = 8
    $spec.Logs.LogFileSize = 1MB
    $folder = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($SourcePath, $spec)
    Write-Host "Generated a sample database folder: $folder"
    $generated = $true
}

Write-Host "`n== Source folder $SourcePath"
Get-ChildItem $SourcePath -File | Format-Table Name, Length -AutoSize | Out-Host

Write-Host "== Full backup: Start-EseExternalBackup | Read-EseBackupFile | Stop-EseExternalBackup"
$full = Start-EseExternalBackup -Path $SourcePath |
    Read-EseBackupFile -Destination $Destination |
    Stop-EseExternalBackup -TruncateLog -WarningAction Continue
$full | Format-List | Out-Host
$full.Files | Out-Host

if ($generated) {
    # The current log fills and the engine starts the next generation (edb.log becomes edb00009.log).
    $generation = [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($SourcePath, 'edb', '.log', 5) - 1

    Write-Host "== Incremental backup after log generation $($generation + 1) was written"
    $incr = Backup-EseDatabase -Path $SourcePath -Destination $Destination -Incremental
    $incr | Out-Host
    $incr.Files | Out-Host
}

Write-Host "== manifest.json of $($full.Name)"
Get-Content (Join-Path $full.Path 'manifest.json') -TotalCount 30 | Out-Host
Write-Host "== Open sessions after the demo: $(@(Get-EseBackupSession).Count)"
