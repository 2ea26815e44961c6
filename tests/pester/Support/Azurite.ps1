# Azurite, the Azure Storage emulator (npm package pinned in tools/azurite; `npm ci` there, which .ci/run does when
# node is present): a real Blob service on 127.0.0.1, in memory, on a free port. Dot-source in BeforeAll, then
#   $script:Azurite = Start-Azurite        # $null when Azurite is not installed: tests skip with $script:AzuriteMissing
#   ... Stop-Azurite $script:Azurite      # in AfterAll; Azurite ignores SIGTERM, so its process is killed

# Azurite's development account, published in its README (not anyone's secret).
$script:AzuriteAccount = 'devstoreaccount1'
$script:AzuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
$script:AzuriteMain = Join-Path $PSScriptRoot '../../../tools/azurite/node_modules/azurite/dist/src/blob/main.js'
$script:AzuriteMissing = "Azurite is not installed: expected $([IO.Path]::GetFullPath($script:AzuriteMain)) (run 'npm ci' in tools/azurite; .ci/run does it when node and npm are present)"

function Test-AzuriteInstalled {
    (Test-Path -LiteralPath $script:AzuriteMain) -and [bool](Get-Command node -CommandType Application -ErrorAction SilentlyContinue)
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-Azurite {
    if (-not (Test-AzuriteInstalled)) {
        # In CI on a machine with node, .ci/run installs Azurite: missing there is a failure, not a skip.
        if ($env:CI -eq 'true' -and (Get-Command node -ErrorAction SilentlyContinue)) { throw $script:AzuriteMissing }
        return $null
    }
    $node = (Get-Command node -CommandType Application | Select-Object -First 1).Source
    for ($attempt = 0; $attempt -lt 3; $attempt++) {
        $port = Get-FreeTcpPort
        $log = Join-Path ([IO.Path]::GetTempPath()) ("azurite-{0}.log" -f [guid]::NewGuid().ToString('N'))
        $process = Start-Process -FilePath $node -PassThru -WorkingDirectory ([IO.Path]::GetTempPath()) `
            -ArgumentList @("`"$([IO.Path]::GetFullPath($script:AzuriteMain))`"", '--inMemoryPersistence', '--disableTelemetry', '--silent',
                '--blobHost', '127.0.0.1', '--blobPort', "$port") -RedirectStandardOutput $log -RedirectStandardError "$log.err"
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect([System.Net.IPAddress]::Loopback, $port); $ready = $true } catch { $ready = $false } finally { $client.Dispose() }
            if ($ready) {
                $endpoint = "http://127.0.0.1:$port/$script:AzuriteAccount"
                return [pscustomobject]@{
                    Process          = $process
                    Port             = $port
                    Log              = $log
                    BlobEndpoint     = $endpoint
                    ConnectionString = "DefaultEndpointsProtocol=http;AccountName=$script:AzuriteAccount;AccountKey=$script:AzuriteKey;BlobEndpoint=$endpoint;"
                }
            }
            Start-Sleep -Milliseconds 100
        }
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
    }
    throw "Azurite did not start listening on 127.0.0.1 (3 attempts); last output: $(Get-Content "$log.err" -Raw -ErrorAction SilentlyContinue)"
}

function Stop-Azurite($Azurite) {
    if (-not $Azurite) { return }
    # Azurite ignores SIGTERM; in memory there is nothing to lose by killing it.
    Stop-Process -Id $Azurite.Process.Id -Force -ErrorAction SilentlyContinue
    $null = $Azurite.Process.WaitForExit(10000)
    Remove-Item -LiteralPath $Azurite.Log, "$($Azurite.Log).err" -Force -ErrorAction SilentlyContinue
}

# A new container URL under the running Azurite (container names: 3-63 lowercase letters and digits).
function New-AzuriteContainerUrl($Azurite, [string] $Prefix = '') {
    $url = "$($Azurite.BlobEndpoint)/c$([guid]::NewGuid().ToString('N').Substring(0, 20))"
    if ($Prefix) { "$url/$Prefix" } else { $url }
}

# Runs $Script in a child pwsh with the module's own Azure SDK (azure/net8.0) loaded and $Service, a
# BlobServiceClient on the Azurite account, defined: what a test does behind the module's back (damage a blob,
# list every blob, make a SAS). A child, so that this test process never loads the SDK outside the module.
# Returns the child's output lines; throws when it fails.
function Invoke-AzuriteRaw($Azurite, [string] $Script) {
    $sdk = Join-Path (Split-Path $env:ESEBACKUP_MODULE_PATH) 'azure/net8.0/Azure.Storage.Blobs.dll'
    $text = @"
`$ErrorActionPreference = 'Stop'
`$null = [Reflection.Assembly]::LoadFrom('$sdk')
`$Service = [Azure.Storage.Blobs.BlobServiceClient]::new('$($Azurite.ConnectionString)',
    [Azure.Storage.Blobs.BlobClientOptions]::new([Azure.Storage.Blobs.BlobClientOptions+ServiceVersion]::V2026_06_06))
$Script
"@
    $r = Invoke-ChildPwsh -Script $text
    if ($r.ExitCode -ne 0) { throw "The raw blob script failed (exit code $($r.ExitCode)): $($r.Text)" }
    $r.Output
}

# Every blob name under a container URL (no credentials in it).
function Get-AzuriteBlobNames($Azurite, [string] $ContainerUrl) {
    $container = ($ContainerUrl.Substring($Azurite.BlobEndpoint.Length + 1) -split '/')[0]
    @(Invoke-AzuriteRaw $Azurite "`$Service.GetBlobContainerClient('$container').GetBlobs() | ForEach-Object Name")
}
