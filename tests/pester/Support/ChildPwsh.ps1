# Runs a script in a fresh pwsh process (the same pwsh as the test host) so that what it loads cannot be
# influenced by what earlier test files loaded into the shared Pester process.
function Invoke-ChildPwsh {
    param(
        # Script text to run (written to a temporary .ps1), or ...
        [string] $Script,
        # ... an existing script file.
        [string] $ScriptPath,
        [string[]] $ArgumentList = @()
    )
    $temp = $null
    if (-not $ScriptPath) {
        $temp = Join-Path ([System.IO.Path]::GetTempPath()) ("esebackup-child-{0}.ps1" -f [guid]::NewGuid())
        Set-Content -Path $temp -Value $Script -Encoding utf8
        $ScriptPath = $temp
    }
    try {
        $hostExe = [Environment]::ProcessPath
        $prefix = @()
        # pwsh run as a dotnet tool ('dotnet pwsh') is pwsh.dll inside the dotnet host.
        if ([System.IO.Path]::GetFileNameWithoutExtension($hostExe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $hostExe @prefix -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $ScriptPath @ArgumentList 2>&1
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($output | ForEach-Object { "$_" })
            Text     = ($output | ForEach-Object { "$_" }) -join [Environment]::NewLine
        }
    }
    finally {
        if ($temp) { Remove-Item $temp -Force -ErrorAction SilentlyContinue }
    }
}
