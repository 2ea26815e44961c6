<#
.SYNOPSIS
    Benchmark: Test-EseBackup throughput against a plain sequential read of the same set files, same run.
.DESCRIPTION
    Builds a database of -SizeMB (valid header, shadow and XOR+ECC page checksums on every page) under
    -WorkRoot, backs it up once with Backup-EseDatabase into a real backup set, warms the page cache and the
    JIT, then alternates a plain 4 MiB-buffer read of every file of the set and Test-EseBackup (hash + every
    page checksum) five times each, and reports the best MB/s of both and the ratio (target: at least 70%).
    Memory: the peak working set of a fresh child pwsh that only imports the module and verifies a
    quarter-size set, and of one that verifies the full-size set; the two must be close (memory flat with size).
    The full-size child's run is also reported: one Test-EseBackup in a fresh process, as a runbook sees it.
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

# A backup set of one database of $MB MiB, made once by the real backup pipeline and reused.
function Get-BenchSet([int] $MB) {
    $root = Join-Path $WorkRoot "testbackup-bench-$MB"
    $sets = Join-Path $root 'sets'
    # A missing -Path is an error (issue 14), even with -ErrorAction SilentlyContinue: look only where sets exist.
    $existing = if (Test-Path -LiteralPath $sets) { Get-EseBackupSet -LiteralPath $sets | Where-Object IsComplete | Select-Object -First 1 }
    if ($existing) { return $existing.Path }
    if (Test-Path $root) { Remove-Item $root -Recurse -Force }
    $src = New-Item -ItemType Directory -Path (Join-Path $root 'source') -Force
    Write-Host "Writing a $MB MiB database ($PageSize-byte pages) and backing it up under $root"
    New-BenchDatabase (Join-Path $src 'bench.edb') ($MB * 1MB) $PageSize
    $set = Backup-EseDatabase -Path $src -Destination $sets
    Remove-Item $src -Recurse -Force   # only the set is read
    $set.Path
}

function Measure-PlainRead([string[]] $Paths) {
    $buffer = [byte[]]::new(4MB)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($p in $Paths) {
        $s = [IO.FileStream]::new($p, 'Open', 'Read', 'Read', 1, [IO.FileOptions]::SequentialScan)
        try { while ($s.Read($buffer, 0, $buffer.Length) -gt 0) { } } finally { $s.Dispose() }
    }
    $sw.Elapsed.TotalSeconds
}

$smallMB = [Math]::Max(64, [int]($SizeMB / 4))
$smallSet = Get-BenchSet $smallMB
$set = Get-BenchSet $SizeMB
$files = @(Get-ChildItem $set -File | Where-Object Name -ne 'manifest.json' | ForEach-Object FullName)
$bytes = ($files | ForEach-Object { (Get-Item $_).Length } | Measure-Object -Sum).Sum

# The peak working set of a child pwsh that does nothing but verify one set (this process also wrote the sets).
function Measure-PeakInChild([string] $SetPath) {
    $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModulePath'; `$r = Test-EseBackup -LiteralPath '$SetPath'; if (-not `$r.IsValid) { exit 3 }; " +
        "`$p = [Diagnostics.Process]::GetCurrentProcess(); `$p.Refresh(); '{0} {1}' -f `$p.PeakWorkingSet64, `$r.Duration.TotalSeconds.ToString([cultureinfo]::InvariantCulture)"
    $peak, $seconds = (Invoke-BenchChild $script $SetPath) -split ' '
    [pscustomobject]@{ Peak = [long]$peak; Seconds = [double]::Parse($seconds, [cultureinfo]::InvariantCulture) }
}

$peakSmall = (Measure-PeakInChild $smallSet).Peak
$null = Measure-PlainRead $files   # warm the page cache
# Warm the JIT too. The hot loops are compiled fully optimised on first call, but for the first second or
# so of a process the runtime's background compiler still promotes the rest (pwsh's included) and takes a
# core from one of the two workers. A run here is a fifth of a second, so that start-up cost would dominate.
$warm = [Diagnostics.Stopwatch]::StartNew()
$warmRuns = 0
while ($warmRuns -lt 5 -or $warm.Elapsed.TotalSeconds -lt 3) { $null = Test-EseBackup -LiteralPath $set; $warmRuns++ }

$plain = @(); $verify = @()
foreach ($round in 1..5) {
    $plain += Measure-PlainRead $files
    $r = Test-EseBackup -LiteralPath $set
    if (-not $r.IsValid) { throw "The bench set did not verify: $($r.Problems -join '; ')" }
    if ($r.BytesChecked -ne $bytes) { throw "Test-EseBackup checked $($r.BytesChecked) bytes of $bytes." }
    $verify += $r.Duration.TotalSeconds
}
$fresh = Measure-PeakInChild $set
$peakLarge = $fresh.Peak

$plainMBs = $bytes / 1MB / ($plain | Measure-Object -Minimum).Minimum
$verifyMBs = $bytes / 1MB / ($verify | Measure-Object -Minimum).Minimum
$ratio = $verifyMBs / $plainMBs
$freshMBs = $bytes / 1MB / $fresh.Seconds
Write-Host ("Plain sequential read : {0,8:N0} MB/s (best of 5; runs {1})" -f $plainMBs, (($plain | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '))
Write-Host ("Test-EseBackup        : {0,8:N0} MB/s (best of 5; runs {1}; hash + {2:N0} page checksums; after {3} warm-up runs)" -f $verifyMBs, (($verify | ForEach-Object { '{0:N2}s' -f $_ }) -join ', '), $r.PagesChecked, $warmRuns)
Write-Host ("Ratio                 : {0:P0} of the plain read (target 70%)" -f $ratio)
Write-Host ("Fresh process         : {0,8:N0} MB/s (one Test-EseBackup of the same set in a new pwsh, JIT cold: {1:P0} of the plain read)" -f $freshMBs, ($freshMBs / $plainMBs))
Write-Host ("Peak working set      : {0:N0} MiB after the {1} MiB set, {2:N0} MiB after the {3} MiB set" -f ($peakSmall / 1MB), $smallMB, ($peakLarge / 1MB), $SizeMB)
[pscustomobject]@{ Bench = 'TestBackup'; SizeMB = $SizeMB; PlainMBps = [int]$plainMBs; VerifyMBps = [int]$verifyMBs; Ratio = [Math]::Round($ratio, 2); FreshProcessMBps = [int]$freshMBs; PeakSmallMiB = [int]($peakSmall / 1MB); PeakLargeMiB = [int]($peakLarge / 1MB) }
