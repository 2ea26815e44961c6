# Shared by the benchmarks (dot-sourced; not a benchmark itself: build.ps1 Bench runs *.Bench.ps1 only).

# A database of $Bytes with $PageSize-byte pages: random page bodies with the new-format flag, each
# stamped with its page number, so a verifier does the same work as on a real database (structure does
# not matter to checksums).
function New-BenchDatabase([string] $Path, [long] $Bytes, [int] $PageSize = 8192) {
    $header = [EseBackup.Core.Format.DatabaseHeader]::new()
    $header.PageSize = $PageSize
    $header.FormatRevision = 0x14
    $header.DatabaseSignature = [EseBackup.Core.Format.EseSignature]::new(12345, [datetime]::UtcNow, 'BENCH')
    $header.LogSignature = [EseBackup.Core.Format.EseSignature]::new(54321, [datetime]::UtcNow, 'BENCH')
    $page0 = $header.ToPage()
    $stream = [IO.File]::Create($Path)
    try {
        $stream.Write($page0, 0, $PageSize); $stream.Write($page0, 0, $PageSize)
        $pagesPerChunk = [int](4MB / $PageSize)
        $chunk = [byte[]]::new($pagesPerChunk * $PageSize)
        $rng = [Random]::new(1)
        $rng.NextBytes($chunk)
        $total = [long]($Bytes / $PageSize) - 2
        $filePage = 2L
        while ($filePage - 2 -lt $total) {
            $n = [int][Math]::Min($pagesPerChunk, $total - ($filePage - 2))
            for ($i = 0; $i -lt $n; $i++) {
                $o = $i * $PageSize
                $chunk[$o + 37] = $chunk[$o + 37] -bor 0x20   # flags 0x2000: XOR+ECC format
                [EseBackup.Core.Format.PageChecksum]::Stamp($chunk, $o, $PageSize, $filePage + $i - 1)
            }
            $stream.Write($chunk, 0, $n * $PageSize)
            $filePage += $n
        }
    }
    finally { $stream.Dispose() }
}


# The baseline of the backup benches: large sequential reads, each file flushed to disk.
function Copy-Plain([string[]] $Files, [string] $To) {
    if (Test-Path $To) { Remove-Item $To -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $To
    $buffer = [byte[]]::new(4MB)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    foreach ($f in $Files) {
        $in = [IO.FileStream]::new($f, 'Open', 'Read', 'Read', 1, [IO.FileOptions]::SequentialScan)
        $out = [IO.FileStream]::new((Join-Path $To ([IO.Path]::GetFileName($f))), 'CreateNew', 'Write', 'None', 1)
        try {
            while (($n = $in.Read($buffer, 0, $buffer.Length)) -gt 0) { $out.Write($buffer, 0, $n) }
            $out.Flush($true)
        }
        finally { $in.Dispose(); $out.Dispose() }
    }
    $sw.Elapsed.TotalSeconds
}

# One Backup-EseDatabase of $Source into a fresh $To, timed; warnings (logs left out) are not the bench's business.
function Invoke-Backup([string] $Source, [string] $To) {
    if (Test-Path $To) { Remove-Item $To -Recurse -Force }
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $set = Backup-EseDatabase -Path $Source -Destination $To -ProgressAction SilentlyContinue -WarningAction SilentlyContinue
    $sw.Stop()
    [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Set = $set }
}

# Runs $Script in a fresh child pwsh (the same one this bench runs in) and returns its last output line:
# the memory benches measure a process that did nothing else.
function Invoke-BenchChild([string] $Script, [string] $What) {
    $exe = (Get-Process -Id $PID).Path
    $prefix = @()
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @([Environment]::GetCommandLineArgs()[0]) }
    $out = & $exe @prefix -NoProfile -NonInteractive -Command $Script
    if ($LASTEXITCODE -ne 0) { throw "The child pwsh verifying '$What' failed (exit code $LASTEXITCODE)." }
    $out | Select-Object -Last 1
}

# CPU seconds this process has used so far (all threads). Wall-clock ratios swing with whatever else the machine
# runs; the CPU time a pipeline spends per byte against a plain read's does not, so benches print both.
function Get-ProcessCpuSeconds {
    $p = [Diagnostics.Process]::GetCurrentProcess()
    $p.Refresh()
    $p.TotalProcessorTime.TotalSeconds
}

# The machine's load when a bench ran (Linux), so a reader can tell a quiet run from a busy one.
function Get-MachineLoad {
    if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0] } else { 'n/a' }
}
