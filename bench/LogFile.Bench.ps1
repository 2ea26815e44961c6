<#
.SYNOPSIS
    Benchmark: log verification (Test-EseLogFile) against a plain read, and a backup of a folder of logs against
    a plain copy, of the same files in the same run.
.DESCRIPTION
    Writes, with the fixture library, a database folder under -WorkRoot whose logs add up to about -SizeMB
    (4 MiB logs of 4 KiB segments, every segment written and checksummed as the engine does, each header
    linked to the generation before it) beside a small clean database. Then:
      - Test-EseLogFile on the folder (header, every segment checksum, every chain link) against a plain
        4 MiB-buffer read of the same logs, alternated five times after warming the page cache and the JIT
        (target: at least 90% of the plain read);
      - Backup-EseDatabase of the folder (each log segment-verified as it is read, hashed, written, flushed)
        against a plain flushed copy of the same files, alternated three times (target: at least 80%);
      - the peak working set of a fresh child pwsh running Test-EseLogFile on a quarter-size folder and on the
        full one (four times the logs): memory must not grow with the number of logs.
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
$root = Join-Path $WorkRoot 'logfile-bench'
$null = New-Item -ItemType Directory -Path $root -Force
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$logMB = 4

function New-LogFolder([string] $Folder, [int] $MB) {
    $count = [Math]::Max(2, [int]($MB / $logMB))
    $marker = Join-Path $Folder "written-$count.txt"
    if (Test-Path $marker) { return }
    if (Test-Path $Folder) { Remove-Item $Folder -Recurse -Force }
    Write-Host "Writing $count logs of $logMB MiB and a small database to $Folder"
    $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
    $spec.DatabaseFileName = 'Bench.edb'
    $spec.Database.PageCount = 256
    $spec.Logs.FirstGeneration = 1
    $spec.Logs.LastGeneration = $count
    $spec.Logs.LogFileSize = $logMB * 1MB
    $spec.Logs.ReserveLogCount = 0
    $t = Measure-Command { $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($Folder, $spec) }
    Write-Host ("  written in {0:N1} s" -f $t.TotalSeconds)
    Set-Content $marker 'complete'
}

function Get-LogPaths([string] $Folder) { @(Get-ChildItem $Folder -File | Where-Object { $_.Extension -eq '.log' } | Sort-Object Name | ForEach-Object FullName) }

function Measure-PlainRead([string[]] $Paths) {
    $buffer = [byte[]]::new(4MB)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($p in $Paths) {
        $s = [IO.FileStream]::new($p, 'Open', 'Read', 'Read', 1, [IO.FileOptions]::SequentialScan)
        try { while ($s.Read($buffer, 0, $buffer.Length) -gt 0) { } } finally { $s.Dispose() }
    }
    $sw.Elapsed.TotalSeconds
}

function Measure-LogTest([string] $Folder, [int] $Expected) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $r = @(Test-EseLogFile -LiteralPath $Folder -ProgressAction SilentlyContinue)
    $sw.Stop()
    if ($r.Count -ne $Expected -or @($r | Where-Object { $_.IsValid -ne $true }).Count -gt 0) { throw "Test-EseLogFile did not find $Expected valid logs in '$Folder'." }
    $sw.Elapsed.TotalSeconds
}

# On a shared machine the best run can be an outlier; the median ratio is printed beside the best-of ratio.
function Get-Median([double[]] $Values) { $sorted = @($Values | Sort-Object); $sorted[[int][Math]::Floor($sorted.Count / 2)] }


# The peak working set of a child pwsh that only imports the module and verifies one folder of logs.
function Measure-PeakInChild([string] $Folder) {
    $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModulePath'; `$n = @(Test-EseLogFile -LiteralPath '$Folder' -ProgressAction SilentlyContinue | Where-Object IsValid).Count; " +
        "`$p = [Diagnostics.Process]::GetCurrentProcess(); `$p.Refresh(); '{0} {1}' -f `$p.PeakWorkingSet64, `$n"
    $peak, $valid = (Invoke-BenchChild $script $Folder) -split ' '
    [pscustomobject]@{ Peak = [long]$peak; Valid = [int]$valid }
}

$smallMB = [Math]::Max(32, [int]($SizeMB / 4))
$small = Join-Path $root "source-$smallMB"
$source = Join-Path $root "source-$SizeMB"
New-LogFolder $small $smallMB
New-LogFolder $source $SizeMB
$logs = Get-LogPaths $source
$logBytes = ($logs | ForEach-Object { (Get-Item $_).Length } | Measure-Object -Sum).Sum

$peakSmall = Measure-PeakInChild $small
$peakLarge = Measure-PeakInChild $source
if ($peakLarge.Valid -ne $logs.Count) { throw "The child verified $($peakLarge.Valid) valid logs of $($logs.Count)." }

# Test-EseLogFile against a plain read, warmed up first (page cache, JIT: see TestBackup.Bench.ps1).
$null = Measure-PlainRead $logs
$warm = [Diagnostics.Stopwatch]::StartNew()
$warmRuns = 0
while ($warmRuns -lt 3 -or $warm.Elapsed.TotalSeconds -lt 3) { $null = Measure-LogTest $source $logs.Count; $warmRuns++ }
$plain = @(); $verify = @(); $plainCpu = 0.0; $verifyCpu = 0.0
$loadBefore = Get-MachineLoad
foreach ($round in 1..5) {
    $c0 = Get-ProcessCpuSeconds
    $plain += Measure-PlainRead $logs
    $c1 = Get-ProcessCpuSeconds
    $verify += Measure-LogTest $source $logs.Count
    $c2 = Get-ProcessCpuSeconds
    $plainCpu += $c1 - $c0; $verifyCpu += $c2 - $c1
}
$loadAfter = Get-MachineLoad
$plainMBs = $logBytes / 1MB / ($plain | Measure-Object -Minimum).Minimum
$verifyMBs = $logBytes / 1MB / ($verify | Measure-Object -Minimum).Minimum
$verifyRatio = $verifyMBs / $plainMBs

# A backup of the folder against a plain flushed copy of the files it takes.
$first = Invoke-Backup $source (Join-Path $root 'sets')
$files = @($first.Set.Files | ForEach-Object { $_.Entry.SourcePath })
$bytes = ($first.Set.Files | Measure-Object Size -Sum).Sum
if (@($first.Set.Files | Where-Object Role -eq 'Log').Count -ne $logs.Count) { throw 'The backup did not take every log.' }
$copy = @(); $backup = @()
foreach ($round in 1..3) {
    $copy += Copy-Plain $files (Join-Path $root 'plain')
    $backup += (Invoke-Backup $source (Join-Path $root 'sets')).Seconds
}
$copyMBs = $bytes / 1MB / ($copy | Measure-Object -Minimum).Minimum
$backupMBs = $bytes / 1MB / ($backup | Measure-Object -Minimum).Minimum
$backupRatio = $backupMBs / $copyMBs

Write-Host ("Logs                  : {0} of {1} MiB ({2:N0} MiB); {3:N0} segments checked per run" -f $logs.Count, $logMB, ($logBytes / 1MB), ($logBytes / 4096 - $logs.Count))
Write-Host ("Plain sequential read : {0,8:N0} MB/s (best of 5; runs {1})" -f $plainMBs, (($plain | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Test-EseLogFile       : {0,8:N0} MB/s (best of 5; runs {1}; after {2} warm-up runs)" -f $verifyMBs, (($verify | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '), $warmRuns)
Write-Host ("Ratio                 : {0:P0} of the plain read (target 90%); medians: {1:P0}" -f $verifyRatio, ((Get-Median $plain) / (Get-Median $verify)))
Write-Host ("CPU time per GiB      : plain read {0:N0} ms, Test-EseLogFile {1:N0} ms on {2} cores (all threads; machine load {3} before, {4} after)" -f ($plainCpu * 1000 / 5 / ($logBytes / 1GB)), ($verifyCpu * 1000 / 5 / ($logBytes / 1GB)), [Environment]::ProcessorCount, $loadBefore, $loadAfter)
Write-Host ("Plain copy (flushed)  : {0,8:N0} MB/s (best of 3; runs {1}; {2} files, {3:N0} MiB)" -f $copyMBs, (($copy | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '), $files.Count, ($bytes / 1MB))
Write-Host ("Backup-EseDatabase    : {0,8:N0} MB/s (best of 3; runs {1})" -f $backupMBs, (($backup | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Ratio                 : {0:P0} of the plain copy (target 80%)" -f $backupRatio)
Write-Host ("Peak working set      : {0:N0} MiB verifying {1} logs, {2:N0} MiB verifying {3} logs (fresh pwsh each)" -f ($peakSmall.Peak / 1MB), $peakSmall.Valid, ($peakLarge.Peak / 1MB), $peakLarge.Valid)
Remove-Item (Join-Path $root 'plain'), (Join-Path $root 'sets') -Recurse -Force -ErrorAction SilentlyContinue
[pscustomobject]@{ Bench = 'LogFile'; SizeMB = $SizeMB; Logs = $logs.Count; PlainReadMBps = [int]$plainMBs; TestLogMBps = [int]$verifyMBs; TestLogRatio = [Math]::Round($verifyRatio, 2);
    PlainReadCpuMsPerGiB = [int]($plainCpu * 1000 / 5 / ($logBytes / 1GB)); TestLogCpuMsPerGiB = [int]($verifyCpu * 1000 / 5 / ($logBytes / 1GB)); Load = "$loadBefore/$loadAfter";
    PlainCopyMBps = [int]$copyMBs; BackupMBps = [int]$backupMBs; BackupRatio = [Math]::Round($backupRatio, 2); PeakSmallMiB = [int]($peakSmall.Peak / 1MB); PeakLargeMiB = [int]($peakLarge.Peak / 1MB) }
