# The module in the hosts people run it in: a non-interactive child pwsh (scheduled tasks, CI) and a
# background job (out of process: results come back serialised). Backup runs are added as they land.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    $script:RealEse = Join-Path $PSScriptRoot '../../../shared/fixtures/real-ese'
}

Describe 'EseBackup in pwsh -NonInteractive -NoProfile' {
    It 'imports and runs a command' {
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$commands = @(Get-Command -Module EseBackup)
"count=$($commands.Count)"
'@ -ArgumentList $script:ModulePath
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $count = [int](($run.Output | Where-Object { $_ -like 'count=*' } | Select-Object -Last 1) -replace '^count=')
        $count | Should -BeGreaterThan 0
    }

    It 'fails with a non-zero exit code and a clear error when a command fails' {
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Get-EseDatabaseInfo -LiteralPath (Join-Path ([IO.Path]::GetTempPath()) 'no-such-database.edb')
'@ -ArgumentList $script:ModulePath
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'no-such-database\.edb'
    }
}

Describe 'EseBackup in a background job' {
    It 'imports and runs a command in Start-Job' {
        $job = Start-Job -ScriptBlock {
            param($ModulePath)
            Import-Module $ModulePath
            @(Get-Command -Module EseBackup).Count
        } -ArgumentList $script:ModulePath
        try {
            $null = Wait-Job $job -Timeout 120
            $job.State | Should -Be 'Completed'
            $count = Receive-Job $job -ErrorAction Stop
            $count | Should -BeGreaterThan 0
        }
        finally { Remove-Job $job -Force }
    }

    It 'returns results that survive serialisation' {
        $database = Get-ChildItem $script:RealEse -Recurse -Filter *.edb -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $database) { Set-ItResult -Skipped -Because "no real ESE database under $script:RealEse"; return }
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $Database)
            Import-Module $ModulePath
            Test-EseDatabase -LiteralPath $Database
        } -ArgumentList $script:ModulePath, $database.FullName
        try {
            $null = Wait-Job $job -Timeout 120
            $job.State | Should -Be 'Completed'
            $result = Receive-Job $job -ErrorAction Stop
            $result.PSObject.TypeNames | Should -Contain 'Deserialized.EseBackup.Core.Format.DatabaseVerificationResult'
            $result.Path | Should -Be $database.FullName
            $result.PagesChecked | Should -BeGreaterThan 0
            $result.IsValid | Should -BeTrue
        }
        finally { Remove-Job $job -Force }
    }
}
