# Runs a script in a fresh pwsh process (same pwsh as the test host) so that what it loads cannot be
# influenced by anything earlier test files loaded into the shared Pester process.
function Invoke-ChildPwsh {
    param(
        [Parameter(Mandatory)][string] $Script,
        [string[]] $ArgumentList = @()
    )
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("esebackup-child-{0}.ps1" -f [guid]::NewGuid())
    Set-Content -Path $file -Value $Script -Encoding utf8
    try {
        $hostExe = [Environment]::ProcessPath
        $prefix = @()
        # pwsh run as a dotnet tool ('dotnet pwsh') is pwsh.dll inside the dotnet host.
        if ([System.IO.Path]::GetFileNameWithoutExtension($hostExe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $hostExe @prefix -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $file @ArgumentList 2>&1
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($output | ForEach-Object { "$_" })
            Text     = ($output | ForEach-Object { "$_" }) -join [Environment]::NewLine
        }
    }
    finally {
        Remove-Item $file -Force -ErrorAction SilentlyContinue
    }
}
