<#
.SYNOPSIS
    Benchmark: a full backup (Backup-EseDatabase) of a database folder against a plain copy of the same
    files, same run.
.DESCRIPTION
    Generates a database folder of about -SizeMB under -WorkRoot with the fixture library (an 8 KiB-page
    database plus logs 1-4 and a checkpoint), warms the page cache, then alternates three times:
      - a plain copy of the files the backup takes (4 MiB buffer, flushed to disk like the backup does),
      - a full backup with Backup-EseDatabase (every page checksum-verified, XxHash128 of every file,
        manifest written last, each file flushed to disk before it is renamed).
    Prints the best MB/s of both, the ratio, and this process's peak working set after a quarter-size
    and the full-size backup (memory must stay flat with size).
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $FixturesPath,
    [Parameter(Mandatory)][string] $WorkRoot,
    [int] $SizeMB = 1024
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
Add-Type -Path $FixturesPath
$root = Join-Path $WorkRoot 'backup-bench'
$null = New-Item -ItemType Directory -Path $root -Force
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')

function New-BenchFolder([string] $Folder, [int] $MB) {
    if (Test-Path $Folder) { Remove-Item $Folder -Recurse -Force }
    $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
    $spec.DatabaseFileName = 'Bench.edb'
    $spec.Database.PageSize = 8192
    $spec.Database.PageCount = [long]$MB * 1MB / 8192
    $spec.Database.RecordCount = 1000
    $spec.Logs.FirstGeneration = 1
    $spec.Logs.LastGeneration = 4
    $spec.Logs.LogFileSize = 1MB
    $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($Folder, $spec)
}


$source = Join-Path $root "source-$SizeMB"
$small = Join-Path $root 'source-small'
$smallMB = [Math]::Max(64, [int]($SizeMB / 4))
if (-not (Test-Path (Join-Path $source 'Bench.edb')) -or (Get-Item (Join-Path $source 'Bench.edb')).Length -lt $SizeMB * 1MB) {
    Write-Host "Writing a $SizeMB MiB database folder to $source"
    $t = Measure-Command { New-BenchFolder $source $SizeMB }
    Write-Host ("  written in {0:N1} s" -f $t.TotalSeconds)
}
New-BenchFolder $small $smallMB

$proc = [Diagnostics.Process]::GetCurrentProcess()
$null = Invoke-Backup $small (Join-Path $root 'sets-small')
$proc.Refresh(); $peakSmall = $proc.PeakWorkingSet64

# The files the backup takes (database and logs of the stream; not the checkpoint or reserve logs).
$first = Invoke-Backup $source (Join-Path $root 'sets')
$files = @($first.Set.Files | ForEach-Object { $_.Entry.SourcePath })
$bytes = ($first.Set.Files | Measure-Object Size -Sum).Sum
# Sampled before the plain copies, whose buffers are this script's, not the module's.
$proc.Refresh(); $peakLarge = $proc.PeakWorkingSet64

$plain = @(); $backup = @()
foreach ($round in 1..3) {
    $plain += Copy-Plain $files (Join-Path $root 'plain')
    $backup += (Invoke-Backup $source (Join-Path $root 'sets')).Seconds
}

$plainMBs = $bytes / 1MB / ($plain | Measure-Object -Minimum).Minimum
$backupMBs = $bytes / 1MB / ($backup | Measure-Object -Minimum).Minimum
$ratio = $backupMBs / $plainMBs
Write-Host ("Files copied          : {0} ({1:N0} MiB)" -f $files.Count, ($bytes / 1MB))
Write-Host ("Plain copy (flushed)  : {0,8:N0} MB/s (best of 3; runs {1})" -f $plainMBs, (($plain | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Backup-EseDatabase    : {0,8:N0} MB/s (best of 3; runs {1})" -f $backupMBs, (($backup | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Ratio                 : {0:P0} of the plain copy" -f $ratio)
Write-Host ("Peak working set      : {0:N0} MiB after the {1} MiB backup, {2:N0} MiB after the {3} MiB backup" -f ($peakSmall / 1MB), $smallMB, ($peakLarge / 1MB), $SizeMB)
Remove-Item (Join-Path $root 'plain'), (Join-Path $root 'sets'), (Join-Path $root 'sets-small'), $small -Recurse -Force -ErrorAction SilentlyContinue
[pscustomobject]@{ Bench = 'Backup'; SizeMB = $SizeMB; PlainMBps = [int]$plainMBs; BackupMBps = [int]$backupMBs; Ratio = [Math]::Round($ratio, 2); PeakSmallMiB = [int]($peakSmall / 1MB); PeakLargeMiB = [int]($peakLarge / 1MB) }
