<#
.SYNOPSIS
    Benchmark: backup to, verify from and restore from an Azure Blob container (Azurite) against a plain
    parallel upload / download of the same files with the same Azure SDK, same run.
.DESCRIPTION
    Starts Azurite (tools/azurite; the bench says so and stops when it is absent), writes a database folder of
    -SizeMB under -WorkRoot, then alternates twice:
      - a plain upload of the set's files with Azure.Storage.Blobs (the module's own copy, 12.30.1): each file
        with the SDK's parallel upload, 8 MiB blocks, 4 at once, the store's defaults;
      - Backup-EseDatabase -Destination <container URL> (every page checksum-verified, XxHash128 of every file,
        staged blocks committed create-only, manifest last);
      - a plain parallel download of the same blobs to nowhere, against Test-EseBackup of the container set
        (every blob read back, hashed, every page checksum-verified);
      - a plain parallel download of the same blobs to files on disk, against Restore-EseBackup of the set
        into an empty folder (read, verified, written, renamed into place).
    Prints the best MB/s of each pair and the ratios (target: at least 80%), and the peak working set of a fresh
    child pwsh backing up a 200 MiB folder and one backing up the -SizeMB folder to the container (memory must
    not grow with size).
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [string] $FixturesPath,
    [Parameter(Mandatory)][string] $WorkRoot,
    [int] $SizeMB = 2048,
    [int] $Rounds = 2
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
. (Join-Path $PSScriptRoot '../tests/pester/Support/Azurite.ps1')

$azurite = Start-Azurite
if (-not $azurite) {
    Write-Host "Blob bench not run: $script:AzuriteMissing"
    return
}
try {
    $root = Join-Path $WorkRoot 'blob-bench'
    $null = New-Item -ItemType Directory -Path $root -Force
    # The store and the plain transfers read the same variable.
    $env:AZURE_STORAGE_CONNECTION_STRING = $azurite.ConnectionString

    function Get-BenchSource([int] $MB) {
        $folder = Join-Path $root "source-$MB"
        $db = Join-Path $folder 'bench.edb'
        if (-not (Test-Path $db) -or (Get-Item $db).Length -ne $MB * 1MB) {
            if (Test-Path $folder) { Remove-Item $folder -Recurse -Force }
            $null = New-Item -ItemType Directory -Path $folder
            Write-Host "Writing a $MB MiB database to $folder"
            New-BenchDatabase $db ($MB * 1MB)
        }
        $folder
    }
    $source = Get-BenchSource $SizeMB
    $files = @(Get-ChildItem $source -File)
    $bytes = ($files | Measure-Object Length -Sum).Sum

    # The same SDK the store uses, loaded here into the default context (the store's copy lives in its own).
    $azureDir = Join-Path (Split-Path $ModulePath) 'azure/net8.0'
    $null = [Reflection.Assembly]::LoadFrom((Join-Path $azureDir 'Azure.Storage.Blobs.dll'))
    $service = [Azure.Storage.Blobs.BlobServiceClient]::new($azurite.ConnectionString,
        [Azure.Storage.Blobs.BlobClientOptions]::new([Azure.Storage.Blobs.BlobClientOptions+ServiceVersion]::V2026_06_06))
    $transfer = [Azure.Storage.StorageTransferOptions]::new()
    $transfer.MaximumConcurrency = 4
    $transfer.InitialTransferSize = 8MB
    $transfer.MaximumTransferSize = 8MB

    function Invoke-PlainUpload([string] $Container) {
        $c = $service.GetBlobContainerClient($Container); $null = $c.CreateIfNotExists()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        foreach ($f in $files) {
            $options = [Azure.Storage.Blobs.Models.BlobUploadOptions]::new(); $options.TransferOptions = $transfer
            $null = $c.GetBlobClient("plain/$($f.Name)").Upload($f.FullName, $options)
        }
        $sw.Elapsed.TotalSeconds
    }
    function Invoke-PlainDownload([string] $Container, [string] $ToFolder) {
        $c = $service.GetBlobContainerClient($Container)
        if ($ToFolder) { if (Test-Path $ToFolder) { Remove-Item $ToFolder -Recurse -Force }; $null = New-Item -ItemType Directory -Path $ToFolder }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        foreach ($f in $files) {
            $blob = $c.GetBlobClient("plain/$($f.Name)")
            if ($ToFolder) {
                $out = [IO.FileStream]::new((Join-Path $ToFolder $f.Name), 'CreateNew', 'Write', 'None', 1)
                try { $null = $blob.DownloadTo($out, [Azure.Storage.Blobs.Models.BlobDownloadToOptions]@{ TransferOptions = $transfer }); $out.Flush($true) } finally { $out.Dispose() }
            }
            else { $null = $blob.DownloadTo([IO.Stream]::Null, [Azure.Storage.Blobs.Models.BlobDownloadToOptions]@{ TransferOptions = $transfer }) }
        }
        $sw.Elapsed.TotalSeconds
    }
    function Measure-Seconds([scriptblock] $Block) { $sw = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $sw.Elapsed.TotalSeconds }

    $results = @{ PlainUp = @(); Backup = @(); PlainRead = @(); Verify = @(); PlainDown = @(); Restore = @() }
    foreach ($round in 1..$Rounds) {
        $container = "bench$round$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        $url = "$($azurite.BlobEndpoint)/$container/sets"
        $results.PlainUp += Invoke-PlainUpload $container
        $set = $null
        $results.Backup += Measure-Seconds { $script:set = Backup-EseDatabase -Path $source -Destination $url -ProgressAction SilentlyContinue -WarningAction SilentlyContinue }
        $results.PlainRead += Invoke-PlainDownload $container $null
        $results.Verify += Measure-Seconds {
            $report = Test-EseBackup -Path $url -ProgressAction SilentlyContinue
            if (@($report | Where-Object { -not $_.IsValid }).Count) { throw "The benched set did not verify: $($report | Out-String)" }
        }
        $plainTo = Join-Path $root 'plain-download'
        $results.PlainDown += Invoke-PlainDownload $container $plainTo
        $restoreTo = Join-Path $root 'restored'
        if (Test-Path $restoreTo) { Remove-Item $restoreTo -Recurse -Force }
        $results.Restore += Measure-Seconds { Restore-EseBackup -Path $script:set.Path -Destination $restoreTo -Confirm:$false -ProgressAction SilentlyContinue }
        Remove-Item $plainTo, $restoreTo -Recurse -Force
        # Azurite keeps blobs in memory: each round's container goes.
        $null = $service.GetBlobContainerClient($container).DeleteIfExists()
    }

    # Memory: a fresh process per size, doing nothing but one backup to the container.
    $small = Get-BenchSource 200
    $memoryScript = {
        param($ModulePath, $Source, $Url)
        Import-Module $ModulePath
        $null = Backup-EseDatabase -Path $Source -Destination $Url -ProgressAction SilentlyContinue -WarningAction SilentlyContinue
        [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
    }
    $peak = @{}
    foreach ($pair in @(@(200, $small), @($SizeMB, $source))) {
        $container = "benchmem$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        $script = "& { $memoryScript } '$ModulePath' '$($pair[1])' '$($azurite.BlobEndpoint)/$container/sets'"
        $peak[$pair[0]] = [long](Invoke-BenchChild $script "a $($pair[0]) MiB backup to blob")
        $null = $service.GetBlobContainerClient($container).DeleteIfExists()
    }

    function Best([double[]] $Seconds) { $bytes / 1MB / ($Seconds | Measure-Object -Minimum).Minimum }
    function Runs([double[]] $Seconds) { ($Seconds | ForEach-Object { '{0:N1}s' -f $_ }) -join ', ' }
    $up = Best $results.PlainUp; $bk = Best $results.Backup
    $rd = Best $results.PlainRead; $vf = Best $results.Verify
    $dn = Best $results.PlainDown; $rs = Best $results.Restore
    Write-Host ("Files                     : {0} ({1:N0} MiB), Azurite in memory on 127.0.0.1, best of {2}" -f $files.Count, ($bytes / 1MB), $Rounds)
    Write-Host ("Plain parallel upload     : {0,6:N0} MB/s ({1})" -f $up, (Runs $results.PlainUp))
    Write-Host ("Backup-EseDatabase to blob: {0,6:N0} MB/s ({1})  {2:P0} of the plain upload" -f $bk, (Runs $results.Backup), ($bk / $up))
    Write-Host ("Plain parallel download   : {0,6:N0} MB/s ({1})" -f $rd, (Runs $results.PlainRead))
    Write-Host ("Test-EseBackup from blob  : {0,6:N0} MB/s ({1})  {2:P0} of the plain download" -f $vf, (Runs $results.Verify), ($vf / $rd))
    Write-Host ("Plain download to disk    : {0,6:N0} MB/s ({1})" -f $dn, (Runs $results.PlainDown))
    Write-Host ("Restore-EseBackup to disk : {0,6:N0} MB/s ({1})  {2:P0} of the plain download to disk" -f $rs, (Runs $results.Restore), ($rs / $dn))
    Write-Host ("Peak working set          : {0:N0} MiB backing up 200 MiB, {1:N0} MiB backing up {2} MiB (fresh pwsh each)" -f ($peak[200] / 1MB), ($peak[$SizeMB] / 1MB), $SizeMB)
    [pscustomobject]@{
        Bench = 'Blob'; SizeMB = $SizeMB
        PlainUploadMBps = [int]$up; BackupMBps = [int]$bk; BackupRatio = [Math]::Round($bk / $up, 2)
        PlainDownloadMBps = [int]$rd; VerifyMBps = [int]$vf; VerifyRatio = [Math]::Round($vf / $rd, 2)
        PlainDownloadToDiskMBps = [int]$dn; RestoreMBps = [int]$rs; RestoreRatio = [Math]::Round($rs / $dn, 2)
        Peak200MiB = [int]($peak[200] / 1MB); PeakLargeMiB = [int]($peak[$SizeMB] / 1MB)
    }
}
finally {
    Remove-Item Env:AZURE_STORAGE_CONNECTION_STRING -ErrorAction SilentlyContinue
    Stop-Azurite $azurite
}
