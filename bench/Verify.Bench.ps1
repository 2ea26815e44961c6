<#
.SYNOPSIS
    Benchmark: Test-EseDatabase throughput against a plain sequential read of the same file, same run.
.DESCRIPTION
    Builds a database of -SizeMB (valid header, shadow and XOR+ECC page checksums on every page) under
    -WorkRoot, warms the page cache, then alternates a plain 4 MiB-buffer read and Test-EseDatabase
    three times each and reports the best MB/s of both and the ratio (target: at least 70%).
    Memory: the peak working set of this process is sampled after verifying a quarter-size and the
    full-size file; the two must be close (memory flat with size).
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [string] $FixturesPath,
    [Parameter(Mandatory)][string] $WorkRoot,
    [int] $SizeMB = 1024,
    [int] $PageSize = 8192
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$null = New-Item -ItemType Directory -Path $WorkRoot -Force

. (Join-Path $PSScriptRoot 'BenchSupport.ps1')

function Measure-PlainRead([string] $Path) {
    $buffer = [byte[]]::new(4MB)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $s = [IO.FileStream]::new($Path, 'Open', 'Read', 'Read', 1, [IO.FileOptions]::SequentialScan)
    try { while ($s.Read($buffer, 0, $buffer.Length) -gt 0) { } } finally { $s.Dispose() }
    $sw.Elapsed.TotalSeconds
}

$db = Join-Path $WorkRoot "verify-bench-$SizeMB.edb"
$small = Join-Path $WorkRoot "verify-bench-small.edb"
if (-not (Test-Path $db) -or (Get-Item $db).Length -ne $SizeMB * 1MB) {
    Write-Host "Writing a $SizeMB MiB database ($PageSize-byte pages) to $db"
    $t = Measure-Command { New-BenchDatabase $db ($SizeMB * 1MB) $PageSize }
    Write-Host ("  written in {0:N1} s" -f $t.TotalSeconds)
}
New-BenchDatabase $small ([Math]::Max(64, $SizeMB / 4) * 1MB) $PageSize

$proc = [Diagnostics.Process]::GetCurrentProcess()
$null = Test-EseDatabase -Path $small
$proc.Refresh(); $peakSmall = $proc.PeakWorkingSet64
$null = Measure-PlainRead $db   # warm the page cache

$plain = @(); $verify = @()
foreach ($round in 1..3) {
    $plain += Measure-PlainRead $db
    $r = Test-EseDatabase -Path $db
    if (-not $r.IsValid) { throw "The bench database did not verify: $($r.BadPageCount) bad pages." }
    $verify += $r.Duration.TotalSeconds
}
$proc.Refresh(); $peakLarge = $proc.PeakWorkingSet64

$bytes = (Get-Item $db).Length
$plainMBs = $bytes / 1MB / ($plain | Measure-Object -Minimum).Minimum
$verifyMBs = $bytes / 1MB / ($verify | Measure-Object -Minimum).Minimum
$ratio = $verifyMBs / $plainMBs
Write-Host ("Plain sequential read : {0,8:N0} MB/s (best of 3; runs {1})" -f $plainMBs, (($plain | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Test-EseDatabase      : {0,8:N0} MB/s (best of 3; runs {1})" -f $verifyMBs, (($verify | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Ratio                 : {0:P0} of the plain read (target 70%)" -f $ratio)
Write-Host ("Peak working set      : {0:N0} MiB after the {1} MiB file, {2:N0} MiB after the {3} MiB file" -f ($peakSmall / 1MB), ([Math]::Max(64, $SizeMB / 4)), ($peakLarge / 1MB), $SizeMB)
Remove-Item $small
[pscustomobject]@{ Bench = 'Verify'; SizeMB = $SizeMB; PlainMBps = [int]$plainMBs; VerifyMBps = [int]$verifyMBs; Ratio = [Math]::Round($ratio, 2); PeakSmallMiB = [int]($peakSmall / 1MB); PeakLargeMiB = [int]($peakLarge / 1MB) }
