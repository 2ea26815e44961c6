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

# Starts a script in a separate pwsh process (the same pwsh as the test host) and returns at once: for tests
# that run several processes at the same time. Output and errors go to files beside the script; Wait-ChildPwsh
# collects them.
function Start-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script, [string[]] $ArgumentList = @())
    $base = Join-Path ([System.IO.Path]::GetTempPath()) ("esebackup-child-{0}" -f [guid]::NewGuid())
    Set-Content -Path "$base.ps1" -Value $Script -Encoding utf8
    $hostExe = [Environment]::ProcessPath
    $prefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($hostExe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    $all = @($prefix) + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', "$base.ps1") + $ArgumentList
    # Started in the temporary folder: a relative path in a child's script can never write into the checkout.
    $process = Start-Process -FilePath $hostExe -WorkingDirectory ([System.IO.Path]::GetTempPath()) -ArgumentList ($all | ForEach-Object { '"{0}"' -f ($_ -replace '"', '\"') }) -PassThru `
        -RedirectStandardOutput "$base.out" -RedirectStandardError "$base.err"
    [pscustomobject]@{ Process = $process; Base = $base }
}

# Waits for a child started by Start-ChildPwsh (killing it after the timeout) and returns its exit code and output.
function Wait-ChildPwsh {
    param([Parameter(Mandatory)] $Child, [int] $TimeoutSeconds = 120)
    if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
        Stop-Process -Id $Child.Process.Id -Force -ErrorAction SilentlyContinue
        $Child.Process.WaitForExit()
    }
    $out = if (Test-Path "$($Child.Base).out") { Get-Content "$($Child.Base).out" -Raw } else { '' }
    $err = if (Test-Path "$($Child.Base).err") { Get-Content "$($Child.Base).err" -Raw } else { '' }
    Remove-Item "$($Child.Base).ps1", "$($Child.Base).out", "$($Child.Base).err" -Force -ErrorAction SilentlyContinue
    [pscustomobject]@{ ExitCode = $Child.Process.ExitCode; Text = "$out$err" }
}

# A child 'pwsh -NonInteractive -NoProfile' with stdin redirected and left open, killed after $TimeoutSeconds:
# a command that waits for an answer would hang here instead of failing, and the test sees TimedOut.
function Invoke-ChildPwshWithTimeout([string] $Script, [string[]] $ArgumentList = @(), [int] $TimeoutSeconds = 120) {
    $file = Join-Path ([IO.Path]::GetTempPath()) ("esebackup-child-{0}.ps1" -f [guid]::NewGuid())
    Set-Content -Path $file -Value $Script -Encoding utf8
    $psi = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $file) + $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $timedOut = -not $process.WaitForExit($TimeoutSeconds * 1000)
        if ($timedOut) { $process.Kill($true); $process.WaitForExit() }
        $text = $stdout.Result + $stderr.Result
        [pscustomobject]@{ TimedOut = $timedOut; ExitCode = if ($timedOut) { $null } else { $process.ExitCode }; Text = $text }
    }
    finally {
        $process.Dispose()
        Remove-Item $file -Force -ErrorAction SilentlyContinue
    }
}
