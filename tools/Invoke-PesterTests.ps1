<#
    Runs the Pester suite in this (child) pwsh against the built module and writes a JSON summary
    for build.ps1. Each test file imports the module from $env:ESEBACKUP_MODULE_PATH.
#>
param(
    [Parameter(Mandatory)][string] $PesterPath,
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $TestPath,
    [Parameter(Mandatory)][string] $SummaryPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:ESEBACKUP_MODULE_PATH = $ModulePath

$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# CI logs are read as text: no ANSI colour codes there.
if ($env:CI -or [Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext' }
# No NUnit export: it is not read, and Pester 5.7 crashes writing it when a failure message holds ANSI
# escape codes, which would hide the failures.
$config.TestResult.Enabled = $false
$result = Invoke-Pester -Configuration $config
if ($null -eq $result -or $null -eq $result.PassedCount) {
    # Pester itself failed: never report that as a clean run.
    [ordered]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
    Write-Host 'Pester did not return a result: counted as a failure.'
    exit 1
}

$summary = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    # Inconclusive (a race a run could not demonstrate) is shown as skipped, never as passed.
    Skipped = $result.SkippedCount + $result.NotRunCount + $result.InconclusiveCount
}
$summary | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
if ($summary.Failed -gt 0) { exit 1 }
exit 0
