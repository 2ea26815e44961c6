# The module in the hosts people run it in: a non-interactive child pwsh (scheduled tasks, CI) and a
# background job (out of process: results come back serialised). Backup runs are added as they land.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    $script:RealEse = Join-Path $PSScriptRoot '../../../shared/fixtures/real-ese'
    $script:FixturesDll = Join-Path $PSScriptRoot '../EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    $script:TableHeader = @('Name', 'Kind', 'EndTime', 'Size', 'Logs', 'Files', 'Source')
    Import-Module $script:ModulePath -Force

    function New-TestFolder([string] $Hint) {
        $p = Join-Path ([IO.Path]::GetTempPath()) ("$Hint-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $p | Out-Null
        $p
    }

    # A database folder from the fixture writer: database, logs 1-4, checkpoint.
    function New-FixtureFolder {
        $folder = New-TestFolder 'pester-hosts-src'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 64
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 4
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($folder, $spec)
        $folder
    }

    # The header words of the first table in some formatted text.
    function Get-TableHeader([string] $Text) {
        (($Text -split "`r?`n") | Where-Object { $_.Trim() } | Select-Object -First 1) -split '\s+' | Where-Object { $_ }
    }
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

Describe 'A full backup in other hosts' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'runs in Start-Job and the deserialised BackupSet keeps its values and shows the set table' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $Source, $Destination)
            Import-Module $ModulePath
            Backup-EseDatabase -Path $Source -Destination $Destination
        } -ArgumentList $script:ModulePath, $src, $dest
        try {
            $null = Wait-Job $job -Timeout 180
            $job.State | Should -Be 'Completed'
            $set = Receive-Job $job -ErrorAction Stop
            $set.PSObject.TypeNames | Should -Contain 'Deserialized.EseBackup.Core.BackupSets.BackupSet'
            $set.Kind | Should -Be 'Full'
            $set.LogGenerationLow | Should -Be 1
            $set.LogGenerationHigh | Should -Be 4
            Test-Path (Join-Path $set.Path 'manifest.json') | Should -BeTrue
            $text = $set | Out-String -Width 160
            Get-TableHeader $text | Should -Be $script:TableHeader
            $text | Should -Match '\b1-4\b'
            $text | Should -Match ([regex]::Escape($set.Name))
            # What the view shows for the live object is what it shows after the round trip.
            $live = [EseBackup.Core.BackupSets.BackupSet]::Open($set.Path)
            ($live | Out-String -Width 160) | Should -Be $text
        }
        finally { Remove-Job $job -Force; Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'runs in pwsh -NonInteractive: prints the set table and returns objects that format the same after Import-Clixml' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $xml = Join-Path $dest 'result.clixml'
        $run = Invoke-ChildPwshWithTimeout -Script @'
param($ModulePath, $Source, $Destination, $Xml)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$set = Backup-EseDatabase -Path $Source -Destination $Destination
$set | Export-Clixml -Path $Xml
$set | Out-String -Width 160
'sessions-open=' + @(Get-EseBackupSession).Count
'@ -ArgumentList $script:ModulePath, $src, $dest, $xml
        try {
            $run.TimedOut | Should -BeFalse -Because 'a non-interactive backup must not wait for input'
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.Text | Should -Match 'sessions-open=0'
            $set = Import-Clixml $xml
            $set.PSObject.TypeNames | Should -Contain 'Deserialized.EseBackup.Core.BackupSets.BackupSet'
            $printed = ($run.Text -split "`r?`n" | Where-Object { $_ -notmatch '^sessions-open=' }) -join "`n"
            Get-TableHeader $printed | Should -Be $script:TableHeader
            $printed | Should -Match ([regex]::Escape($set.Name))
            Get-TableHeader ($set | Out-String -Width 160) | Should -Be $script:TableHeader
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Backup set listings from a background job' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It '<Command> results from Start-Job show the same table as in this session' -ForEach @(
        @{ Command = 'Get-EseBackupSet'; TypeName = 'BackupSetInfo' }
        @{ Command = 'Test-EseBackup'; TypeName = 'BackupSetVerificationResult' }
    ) {
        if (-not (Get-Command $Command -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because "$Command is not in the module yet"; return }
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $set = Backup-EseDatabase -Path $src -Destination $dest
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $Command, $Destination)
            Import-Module $ModulePath
            & $Command -Path $Destination
        } -ArgumentList $script:ModulePath, $Command, $dest
        try {
            $null = Wait-Job $job -Timeout 180
            $job.State | Should -Be 'Completed'
            $remote = Receive-Job $job -ErrorAction Stop
            $remote.PSObject.TypeNames | Should -Contain "Deserialized.EseBackup.Core.BackupSets.$TypeName"
            $here = & $Command -Path $dest | Out-String -Width 160
            $there = $remote | Out-String -Width 160
            Get-TableHeader $there | Should -Be (Get-TableHeader $here)
            $there | Should -Match ([regex]::Escape($set.Name))
            # Every column the table shows here is shown there too (nothing lost to the serialisation depth).
            ($there -split '\r?\n' | Where-Object { $_ -match [regex]::Escape($set.Name) }) -replace '\s+', ' ' |
                Should -Be (($here -split '\r?\n' | Where-Object { $_ -match [regex]::Escape($set.Name) }) -replace '\s+', ' ')
        }
        finally { Remove-Job $job -Force; Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Nothing prompts in a non-interactive host' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'Backup-EseDatabase -Confirm fails at once with a clear error, writes no set and leaves no session open' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -Script @'
param($ModulePath, $Source, $Destination)
Import-Module $ModulePath
try { Backup-EseDatabase -Path $Source -Destination $Destination -Confirm -ErrorAction Stop; 'outcome=completed' }
catch { 'outcome=failed: ' + $_.Exception.Message }
'sessions-open=' + @(Get-EseBackupSession).Count
'sets=' + @(Get-ChildItem $Destination -Directory).Count
'@ -ArgumentList $script:ModulePath, $src, $dest
        try {
            $run.TimedOut | Should -BeFalse -Because 'a confirmation in a non-interactive host must fail, not wait'
            $run.Text | Should -Match 'outcome=failed: .*NonInteractive'
            $run.Text | Should -Match 'sessions-open=0'
            $run.Text | Should -Match 'sets=0'
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Backup-EseDatabase proceeds without asking under the default ConfirmPreference (High) and with -Confirm:$false' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 120 -Script @'
param($ModulePath, $Source, $Destination)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$null = Backup-EseDatabase -Path $Source -Destination $Destination
$ConfirmPreference = 'Low'
$null = Backup-EseDatabase -Path $Source -Destination $Destination -Confirm:$false
'sets=' + @(Get-ChildItem $Destination -Directory).Count
'@ -ArgumentList $script:ModulePath, $src, $dest
        try {
            $run.TimedOut | Should -BeFalse
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.Text | Should -Match 'sets=2'
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'a pipeline whose Stop-EseExternalBackup -Abort -Confirm cannot ask fails and leaves no session open' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -Script @'
param($ModulePath, $Source, $Destination)
Import-Module $ModulePath
try { Start-EseExternalBackup -Path $Source | Read-EseBackupFile -Destination $Destination | Stop-EseExternalBackup -Abort -Confirm -ErrorAction Stop; 'outcome=completed' }
catch { 'outcome=failed: ' + $_.Exception.Message }
'sessions-open=' + @(Get-EseBackupSession).Count
'manifests=' + @(Get-ChildItem $Destination -Recurse -Filter manifest.json).Count
'@ -ArgumentList $script:ModulePath, $src, $dest
        try {
            $run.TimedOut | Should -BeFalse -Because 'a confirmation in a non-interactive host must fail, not wait'
            $run.Text | Should -Match 'outcome=failed: .*NonInteractive' -Because $run.Text
            $run.Text | Should -Match 'sessions-open=0' -Because $run.Text
            $run.Text | Should -Match 'manifests=0'
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'a held session whose Stop-EseExternalBackup -Abort -Confirm cannot ask is aborted, not left in backup mode' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -Script @'
param($ModulePath, $Source, $Destination)
Import-Module $ModulePath
$session = Start-EseExternalBackup -Path $Source
'sessions-before=' + @(Get-EseBackupSession).Count
try { $session | Stop-EseExternalBackup -Abort -Confirm -ErrorAction Stop; 'outcome=completed' }
catch { 'outcome=failed: ' + $_.Exception.Message }
'sessions-open=' + @(Get-EseBackupSession).Count
'session-state=' + $session.State
'@ -ArgumentList $script:ModulePath, $src, $dest
        try {
            $run.TimedOut | Should -BeFalse
            $run.Text | Should -Match 'sessions-before=1' -Because $run.Text
            $run.Text | Should -Match 'outcome=failed: .*NonInteractive' -Because $run.Text
            $run.Text | Should -Match 'sessions-open=0' -Because $run.Text
            $run.Text | Should -Match 'session-state=Aborted' -Because $run.Text
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Remove-EseBackupSet (ConfirmImpact High) fails cleanly without removing anything when it cannot ask' {
        if (-not (Get-Command Remove-EseBackupSet -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'Remove-EseBackupSet is not in the module yet'; return }
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hosts-dest'
        $null = Backup-EseDatabase -Path $src -Destination $dest
        $null = Backup-EseDatabase -Path $src -Destination $dest
        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -Script @'
param($ModulePath, $Destination)
Import-Module $ModulePath
try { Remove-EseBackupSet -Path $Destination -KeepLast 1 -ErrorAction Stop; 'outcome=completed' }
catch { 'outcome=failed: ' + $_.Exception.Message }
'sets=' + @(Get-ChildItem $Destination -Directory).Count
'@ -ArgumentList $script:ModulePath, $dest
        try {
            $run.TimedOut | Should -BeFalse -Because 'a confirmation in a non-interactive host must fail, not wait'
            $run.Text | Should -Match 'outcome=failed: .*NonInteractive'
            $run.Text | Should -Match 'sets=2'
        }
        finally { Remove-Item $src, $dest -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
