# The cmdlets as a runbook uses them (issue 14): in scheduled jobs nobody watches, with try/catch,
# $ErrorActionPreference = 'Stop', Import-Csv job lists and Start-Job. Real module, real pwsh, fixture-writer
# folders on disk.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')

    # A database folder (8 KiB pages, logs 1-5) at a given path, which may hold brackets and non-ASCII letters.
    function New-SourceFolder([string] $Path) {
        $null = New-Item -ItemType Directory -Path $Path -Force
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 128
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 5
        $spec.Logs.LogFileSize = 64KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($Path, $spec)
        $Path
    }

    # Flips one bit of ESE page 100 of the folder's database: a backup of it must fail naming that page.
    function Set-BadPage([string] $Folder) {
        $db = Join-Path $Folder 'Fixture.edb'
        $bytes = [IO.File]::ReadAllBytes($db)
        $bytes[(100 + 1) * 8192 + 777] = $bytes[(100 + 1) * 8192 + 777] -bxor 0x04
        [IO.File]::WriteAllBytes($db, $bytes)
        $db
    }
}

AfterAll {
    Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
}

Describe 'One job that fails is a terminating error' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'a backup with a bad page reaches catch in a non-interactive pwsh, and the next line does not run' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $null = Set-BadPage $src
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Source, $Destination)
Import-Module $ModulePath
try {
    Backup-EseDatabase -Path $Source -Destination $Destination
    'NEXT-LINE-RAN'
}
catch { "CAUGHT=$($_.FullyQualifiedErrorId)|$($_.CategoryInfo.Category)|$($_.Exception.Message)" }
"SESSIONS=$(@(Get-EseBackupSession).Count)"
'@ -ArgumentList $script:ModulePath, $src, (Join-Path $root 'dest')
        $run.Text | Should -Not -Match 'NEXT-LINE-RAN'
        $caught = @($run.Output | Where-Object { $_ -like 'CAUGHT=*' })
        $caught.Count | Should -Be 1 -Because $run.Text
        $caught[0] | Should -BeLike 'CAUGHT=JET_errReadVerifyFailure*|InvalidData|*Fixture.edb*page 100*'
        $run.Output | Should -Contain 'SESSIONS=0'
        @(Get-ChildItem (Join-Path $root 'dest') -Recurse -Filter manifest.json).Count | Should -Be 0
    }

    It 'a failed backup in Start-Job with $ErrorActionPreference = Stop leaves the job Failed, with the page in the reason' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $null = Set-BadPage $src
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $Source, $Destination)
            $ErrorActionPreference = 'Stop'
            Import-Module $ModulePath
            Backup-EseDatabase -Path $Source -Destination $Destination
            'NEXT-LINE-RAN'
        } -ArgumentList $script:ModulePath, $src, (Join-Path $root 'dest')
        try {
            $null = Wait-Job $job -Timeout 120
            $job.State | Should -Be 'Failed'
            $job.ChildJobs[0].JobStateInfo.Reason.Message | Should -BeLike '*Fixture.edb*page 100*'
            @(Receive-Job $job -ErrorAction SilentlyContinue) | Should -Not -Contain 'NEXT-LINE-RAN'
        }
        finally { Remove-Job $job -Force }
    }

    It 'Test-EseBackup of one damaged set throws, carrying the result; of several, writes an error per bad set' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $dest = Join-Path $root 'dest'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $null = Set-BadPage $full.Path
        $thrown = Get-ThrownError { Test-EseBackup -Path $full.Path -ErrorAction SilentlyContinue }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'BackupSetVerificationFailed*'
        $thrown.TargetObject.IsValid | Should -BeFalse
        @($thrown.TargetObject.Problems.Kind) | Should -Contain 'BadPage'

        [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($src, 'edb', '.log', 5) | Should -Be 6
        $null = Backup-EseDatabase -Path $src -Destination (Join-Path $root 'dest2')
        $results = @(Test-EseBackup -Path $full.Path, (Join-Path $root 'dest2') -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 2
        @($results.IsValid) | Should -Be @($false, $true)
        @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'BackupSetVerificationFailed*' }).Count | Should -Be 1
    }
}

Describe 'A verification that fails, under $ErrorActionPreference = Stop' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'catch sees the verification failure with the whole result, not the first problem (Test-EseBackup, Test-EseDatabase, Test-EseLogFile)' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $set = Backup-EseDatabase -Path $src -Destination (Join-Path $root 'dest')
        $null = Set-BadPage $set.Path
        $db = Set-BadPage $src
        $log = Join-Path $src 'edb00002.log'
        $bytes = [IO.File]::ReadAllBytes($log); $bytes[4096 * 3 + 100] = $bytes[4096 * 3 + 100] -bxor 0x10; [IO.File]::WriteAllBytes($log, $bytes)
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Set, $Database, $Log)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
try { $null = Test-EseBackup -Path $Set; 'SET-NOT-CAUGHT' }
catch { "SET=$($_.FullyQualifiedErrorId)|$(@($_.TargetObject.Problems).Count)|$(@($_.TargetObject.Problems.Kind) -join ',')" }
try { $null = Test-EseDatabase -Path $Database; 'DB-NOT-CAUGHT' }
catch { "DB=$($_.FullyQualifiedErrorId)|$(@($_.TargetObject.BadPages).Count)|$(@($_.TargetObject.BadPages.PageNumber) -join ',')" }
try { $null = Test-EseLogFile -Path $Log; 'LOG-NOT-CAUGHT' }
catch { "LOG=$($_.FullyQualifiedErrorId)|$(@($_.TargetObject.Problems).Count)" }
# -ErrorAction Stop on the command does the same.
try { $null = Test-EseDatabase -Path $Database -ErrorAction Stop } catch { "DB-EA=$($_.FullyQualifiedErrorId)" }
'@ -ArgumentList $script:ModulePath, $set.Path, $db, $log
        $run.ExitCode | Should -Be 0 -Because $run.Text
        @($run.Output | Where-Object { $_ -like 'SET=BackupSetVerificationFailed*|*BadPage*' }).Count | Should -Be 1 -Because $run.Text
        @($run.Output | Where-Object { $_ -like 'DB=DatabaseVerificationFailed*|1|100' }).Count | Should -Be 1 -Because $run.Text
        @($run.Output | Where-Object { $_ -like 'LOG=LogVerificationFailed*|[1-9]*' }).Count | Should -Be 1 -Because $run.Text
        @($run.Output | Where-Object { $_ -like 'DB-EA=DatabaseVerificationFailed*' }).Count | Should -Be 1 -Because $run.Text
    }
}

Describe 'A -Path that matches nothing is an error, for every cmdlet' {
    # The decision (about_EseBackup, ERRORS IN SCRIPTS): every cmdlet reports PathNotFound and leaves $? False. A query
    # (Get-*) reports it as Get-Item does: non-terminating, hidden by -ErrorAction SilentlyContinue, terminating under
    # -ErrorAction Stop. A job (backup, verification, restore, retention) fails: terminating when it was the one item,
    # as Import-Csv is, whatever -ErrorAction says.
    BeforeDiscovery {
        Import-Module $env:ESEBACKUP_MODULE_PATH -Force
        $script:PathCommands = @(Get-Command -Module EseBackup -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Path') } |
                Sort-Object Name | ForEach-Object { @{ Name = $_.Name; IsQuery = $_.Verb -eq 'Get' } })
    }

    BeforeAll {
        # What else each command needs to run; none of it exists either, and nothing may be created.
        function Get-ExtraArguments([string] $Name, [string] $Root) {
            $extra = @{
                'Backup-EseDatabase' = @{ Destination = (Join-Path $Root 'out') }
                'Start-EseExternalBackup' = @{ Destination = (Join-Path $Root 'out') }
                'Restore-EseBackup' = @{ Destination = (Join-Path $Root 'out'); Confirm = $false }
                'Remove-EseBackupSet' = @{ KeepLast = 1; Confirm = $false }
            }[$Name]
            if ($extra) { $extra } else { @{} }
        }
    }

    It '<Name> -Path (a missing path with brackets) fails with PathNotFound, and writes nothing' -ForEach $script:PathCommands {
        $root = New-TestFolder 'runbook'
        $missing = Join-Path $root 'Données [prod]/Svc A'
        $extra = Get-ExtraArguments $Name $root
        # -ErrorAction Stop: what $ErrorActionPreference = 'Stop' does; both kinds reach catch.
        $thrown = Get-ThrownError { & $Name -Path $missing @extra -ErrorAction Stop }
        $thrown | Should -Not -BeNullOrEmpty -Because "$Name must not succeed silently"
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        $thrown.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $thrown.TargetObject | Should -Be $missing
        if ($Name -ne 'Remove-EseBackupSet') { $thrown.Exception.Message | Should -BeLike '*Données `[prod`]*wildcards*-LiteralPath*' }

        # Default error action: a query writes the error and goes on; a job throws.
        $errs = $null
        $thrown = $null
        try { $null = & $Name -Path $missing @extra -ErrorVariable errs -ErrorAction SilentlyContinue } catch { $thrown = $_ }
        if ($IsQuery) {
            $thrown | Should -BeNullOrEmpty -Because "$Name is a query: like Get-Item, SilentlyContinue hides a missing path"
            @($errs).Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        }
        else {
            $thrown.FullyQualifiedErrorId | Should -BeLike 'PathNotFound*' -Because "$Name's one job failed: terminating even with SilentlyContinue"
        }
        @(Get-ChildItem $root -Recurse).Count | Should -Be 0
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It '<Name> -LiteralPath (a missing path) fails with PathNotFound too' -ForEach ($script:PathCommands | Where-Object { $_.Name -ne 'Remove-EseBackupSet' }) {
        $root = New-TestFolder 'runbook'
        $extra = Get-ExtraArguments $Name $root
        $thrown = Get-ThrownError { & $Name -LiteralPath (Join-Path $root 'nope') @extra -ErrorAction Stop }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        @(Get-ChildItem $root -Recurse).Count | Should -Be 0
    }

    It 'a runbook with $ErrorActionPreference = Stop catches every missing path in try/catch, and $? is False without it' {
        $root = New-TestFolder 'runbook'
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Root)
Import-Module $ModulePath
$missing = Join-Path $Root 'Sauvegardes [prod]'
$commands = [ordered]@{
    'Get-EseDatabaseInfo' = @{}; 'Get-EseLogFile' = @{}; 'Get-EseCheckpoint' = @{}; 'Get-EseBackupSet' = @{}
    'Test-EseDatabase' = @{}; 'Test-EseLogFile' = @{}; 'Test-EseBackup' = @{}
    'Backup-EseDatabase' = @{ Destination = (Join-Path $Root 'out') }; 'Start-EseExternalBackup' = @{ Destination = (Join-Path $Root 'out') }
    'Restore-EseBackup' = @{ Destination = (Join-Path $Root 'out'); Confirm = $false }; 'Remove-EseBackupSet' = @{ KeepLast = 1; Confirm = $false }
}
foreach ($name in $commands.Keys) {
    $extra = $commands[$name]
    & {
        $ErrorActionPreference = 'Stop'
        try { & $name -Path $missing @extra; "$name=NOT-CAUGHT" }
        catch { "$name=CAUGHT:$($_.FullyQualifiedErrorId)" }
    }
    & {
        $ErrorActionPreference = 'Continue'
        & $name -Path $missing @extra 2>$null
        "$name=DOLLAR-QUESTION:$?"
    }
}
'@ -ArgumentList $script:ModulePath, $root
        $run.ExitCode | Should -Be 0 -Because $run.Text
        foreach ($name in 'Get-EseDatabaseInfo', 'Get-EseLogFile', 'Get-EseCheckpoint', 'Get-EseBackupSet', 'Test-EseDatabase', 'Test-EseLogFile', 'Test-EseBackup', 'Backup-EseDatabase', 'Start-EseExternalBackup', 'Restore-EseBackup', 'Remove-EseBackupSet') {
            @($run.Output | Where-Object { $_ -like "$name=CAUGHT:PathNotFound*" }).Count | Should -Be 1 -Because $run.Text
            $run.Output | Should -Contain "$name=DOLLAR-QUESTION:False"
        }
        @(Get-ChildItem $root -Recurse).Count | Should -Be 0
    }

    It 'fails the whole script under $ErrorActionPreference = Stop, with a non-zero exit code' {
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Missing)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Test-EseBackup -Path $Missing
'NEXT-LINE-RAN'
'@ -ArgumentList $script:ModulePath, (Join-Path (New-TestFolder 'runbook') 'Sauvegardes [prod]')
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Not -Match 'NEXT-LINE-RAN'
        $run.Text | Should -Match 'Sauvegardes \[prod\]'
    }

    It 'Get-EseBackupSet of a destination not made yet is quiet with SilentlyContinue, as Get-ChildItem is' {
        $root = New-TestFolder 'runbook'
        $sets = @(Get-EseBackupSet -Path (Join-Path $root 'not-yet') -ErrorAction SilentlyContinue)
        $? | Should -BeFalse
        $sets.Count | Should -Be 0
    }
}

Describe 'Paths with brackets and non-ASCII letters' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'backs up, verifies and restores /…/Données [prod]/Svc A by -Path and by -LiteralPath' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'Données [prod]/Svc A')
        $dest = Join-Path $root 'Sauvegardes [prod]'
        # -Path: the pattern matches nothing, the name exists as written: that folder, and Verbose says so.
        $said = Backup-EseDatabase -Path $src -Destination $dest -Verbose 4>&1
        $full = @($said | Where-Object { $_ -is [EseBackup.Core.BackupSets.BackupSet] })
        $full.Count | Should -Be 1
        ($said | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Match 'exact name'
        $full[0].Source | Should -Be $src

        [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($src, 'edb', '.log', 5) | Should -Be 6
        $incr = Backup-EseDatabase -LiteralPath $src -Destination $dest -Incremental
        $incr.ParentSetId | Should -Be $full[0].SetId
        @(Test-EseBackup -Path $dest).IsValid | Should -Be @($true, $true)
        @(Test-EseBackup -LiteralPath $dest).Count | Should -Be 2

        $restored = Join-Path $root 'Restauré [1]'
        $r = Restore-EseBackup -LiteralPath $incr.Path -Destination $restored -Confirm:$false
        $r.LogGenerationHigh | Should -Be 6
        Test-Path -LiteralPath (Join-Path $restored 'Fixture.edb') | Should -BeTrue
    }
}

Describe 'Each piped item is its own job' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'backs up each of several piped folders into its own set, with its own session' {
        $root = New-TestFolder 'runbook'
        $a = New-SourceFolder (Join-Path $root 'a')
        $b = New-SourceFolder (Join-Path $root 'b')
        $dest = Join-Path $root 'dest'
        $sets = @($a, $b | Backup-EseDatabase -Destination $dest)
        $sets.Count | Should -Be 2
        @($sets.Source) | Should -Be @($a, $b)
        ($sets[0].SetId -ne $sets[1].SetId) | Should -BeTrue
        @(Get-EseBackupSession).Count | Should -Be 0
        @(Backup-EseDatabase -Path $a, $b -Destination (Join-Path $root 'dest2')).Count | Should -Be 2
        @(Get-ChildItem $a, $b -Directory | Get-EseBackupSet -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'goes on after a failed folder among several, with a non-terminating error for it' {
        $root = New-TestFolder 'runbook'
        $good1 = New-SourceFolder (Join-Path $root 'good1')
        $bad = New-SourceFolder (Join-Path $root 'bad')
        $null = Set-BadPage $bad
        $good2 = New-SourceFolder (Join-Path $root 'good2')
        $sets = @($good1, $bad, $good2 | Backup-EseDatabase -Destination (Join-Path $root 'dest') -ErrorVariable errs -ErrorAction SilentlyContinue)
        $sets.Count | Should -Be 2
        @($sets.Source) | Should -Be @($good1, $good2)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'JET_errReadVerifyFailure*'
        $errs[0].TargetObject | Should -BeLike '*bad*Fixture.edb'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'runs a CSV jobs file (Path/FullName and Destination columns) in a child pwsh with $ErrorActionPreference = Stop' {
        $root = New-TestFolder 'runbook'
        $a = New-SourceFolder (Join-Path $root 'Données [prod]/Svc A')
        $b = New-SourceFolder (Join-Path $root 'Svc B')
        $jobs = Join-Path $root 'jobs.csv'
        @(
            [pscustomobject]@{ Path = $a; Destination = (Join-Path $root 'backups/a') }
            [pscustomobject]@{ Path = $b; Destination = (Join-Path $root 'backups/b') }
        ) | Export-Csv -Path $jobs -NoTypeInformation -Encoding utf8
        $byFullName = Join-Path $root 'jobs-fullname.csv'
        @([pscustomobject]@{ FullName = $b; Destination = (Join-Path $root 'backups/b2') }) | Export-Csv -Path $byFullName -NoTypeInformation -Encoding utf8
        $restores = Join-Path $root 'restores.csv'

        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Jobs, $ByFullName, $Restores, $Root)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$sets = @(Import-Csv $Jobs | Backup-EseDatabase)
"SETS=$($sets.Count)"
$sets | ForEach-Object { "SET=$($_.Source)=>$(Split-Path $_.Path)" }
$more = @(Import-Csv $ByFullName | Start-EseExternalBackup | Read-EseBackupFile | Stop-EseExternalBackup)
"MORE=$(Split-Path $more[0].Path)"
$sets | ForEach-Object -Begin { $i = 0 } -Process { [pscustomobject]@{ Path = $_.Path; Destination = (Join-Path $Root "restored/$i") }; $i++ } |
    Export-Csv $Restores -NoTypeInformation -Encoding utf8
$restored = @(Import-Csv $Restores | Restore-EseBackup -Confirm:$false)
"RESTORED=$($restored.Count)"
'DONE'
'@ -ArgumentList $script:ModulePath, $jobs, $byFullName, $restores, $root
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $run.Output | Should -Contain 'SETS=2'
        $run.Output | Should -Contain "SET=$a=>$(Join-Path $root 'backups/a')"
        $run.Output | Should -Contain "SET=$b=>$(Join-Path $root 'backups/b')"
        $run.Output | Should -Contain "MORE=$(Join-Path $root 'backups/b2')"
        $run.Output | Should -Contain 'RESTORED=2'
        Test-Path -LiteralPath (Join-Path $root 'restored/0/Fixture.edb') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $root 'restored/1/Fixture.edb') | Should -BeTrue
    }

    It 'evaluates -Destination { $_.Destination } per piped object, and refuses a script block with no input' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $row = [pscustomobject]@{ Path = $src; Target = (Join-Path $root 'per-row') }
        $set = $row | Backup-EseDatabase -Destination { $_.Target }
        Split-Path $set.Path | Should -Be (Join-Path $root 'per-row')

        Push-Location $root
        try {
            $thrown = Get-ThrownError { Backup-EseDatabase -Path $src -Destination { $_.Destination } }
            $thrown | Should -Not -BeNullOrEmpty
            $thrown = Get-ThrownError { Start-EseExternalBackup -Path $src | Read-EseBackupFile -Destination { $_.Destination } }
            $thrown.Exception.Message | Should -BeLike '*script block is not a path*'
            @(Get-ChildItem $root -Filter '*Destination*').Count | Should -Be 0
        }
        finally { Pop-Location }
        @(Get-EseBackupSession).Count | Should -Be 0
    }
}

Describe 'Path parameters bind alike everywhere' {
    It '-LiteralPath of <Name> has the aliases PSPath, FullName and LP' -ForEach @(
        Get-Command -Module EseBackup -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('LiteralPath') } | ForEach-Object { @{ Name = $_.Name } }
    ) {
        @((Get-Command $Name).Parameters['LiteralPath'].Aliases | Sort-Object) | Should -Be @('FullName', 'LP', 'PSPath')
    }

    It 'every cmdlet with -Path also has -LiteralPath, except Remove-EseBackupSet whose -Path is literal' {
        $withPath = Get-Command -Module EseBackup -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Path') }
        foreach ($c in $withPath) {
            if ($c.Name -eq 'Remove-EseBackupSet') { continue }
            $c.Parameters.ContainsKey('LiteralPath') | Should -BeTrue -Because "$($c.Name) has -Path"
        }
    }

    It '-Destination binds by property name on <_>' -ForEach 'Backup-EseDatabase', 'Start-EseExternalBackup', 'Restore-EseBackup' {
        $attr = (Get-Command $_).Parameters['Destination'].Attributes | Where-Object { $_ -is [Parameter] }
        @($attr.ValueFromPipelineByPropertyName) | Should -Not -Contain $false
    }
}

Describe 'Guard rails' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'refuses -KeepLast 0 before anything is read' {
        $root = New-TestFolder 'runbook'
        $thrown = Get-ThrownError { Remove-EseBackupSet -Path $root -KeepLast 0 -Confirm:$false }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        $thrown.Exception.Message | Should -BeLike '*KeepLast*'
    }

    It 'takes -OlderThan as 7d, and refuses a rule that would remove every full backup unless -Force' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $dest = Join-Path $root 'dest'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        @(Remove-EseBackupSet -Path $dest -OlderThan '7d' -Confirm:$false).Count | Should -Be 0
        $thrown = Get-ThrownError { Remove-EseBackupSet -Path $dest -OlderThan ([datetime]::Now.AddMinutes(5)) -Confirm:$false }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'WouldRemoveEveryFullBackup*'
        $thrown.Exception.Message | Should -BeLike "*$($full.Name)*-Force*"
        Test-Path -LiteralPath $full.Path | Should -BeTrue
        { Remove-EseBackupSet -Path $dest -OlderThan 30 -Confirm:$false } | Should -Throw '*neither an age*'
        { Remove-EseBackupSet -Path $dest -OlderThan ([timespan]::FromMilliseconds(10)) -Confirm:$false } | Should -Throw '*under a second*'
        @(Remove-EseBackupSet -Path $dest -OlderThan ([datetime]::Now.AddMinutes(5)) -Force -Confirm:$false).Name | Should -Be $full.Name
        Test-Path -LiteralPath $full.Path | Should -BeFalse
    }
}

Describe 'What a run leaves to read' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'Verbose says what Backup-EseDatabase, Test-EseBackup, Test-EseDatabase and Get-EseDatabaseInfo chose and did' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $dest = Join-Path $root 'dest'
        $said = @(Backup-EseDatabase -Path $src -Destination $dest -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        ($said -join "`n") | Should -Match 'database\(s\) .*Fixture\.edb'
        ($said -join "`n") | Should -Match "generations 1-5 \(5 file\(s\)\)"
        ($said -join "`n") | Should -Match 'Committed .*file\(s\), [\d,.]+ bytes in [\d.]+ s \([\d.]+ MiB/s\)'
        $set = Get-EseBackupSet -Path $dest | Select-Object -First 1
        ((Test-EseBackup -Path $set.Path -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n") | Should -Match 'page\(s\) checked in .* MB/s\); valid'
        ((Test-EseDatabase -Path $src -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n") | Should -Match 'Fixture\.edb.: [\d,]+ page\(s\) of 8192 bytes checked'
        ((Get-EseDatabaseInfo -Path $src -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n") | Should -Match 'Fixture\.edb.*logs required'
    }

    It 'writes a new progress record per update, with time remaining once the rate is known' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$script:ModulePath'; Backup-EseDatabase -Path '$src' -Destination '$(Join-Path $root 'dest')' -ThrottleMBps 0.5")
            $null = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $records = @($ps.Streams.Progress)
            $records.Count | Should -BeGreaterThan 2
            # Each stored record keeps the state it was written with (one shared record would show only the last).
            @($records | ForEach-Object { [object]::ReferenceEquals($_, $records[0]) } | Where-Object { $_ }).Count | Should -Be 1
            @($records | Where-Object RecordType -eq 'Processing' | ForEach-Object StatusDescription | Select-Object -Unique).Count | Should -BeGreaterThan 1
            @($records | Where-Object { $_.SecondsRemaining -gt 0 }).Count | Should -BeGreaterThan 0
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It 'an incomplete set shows the reason its backup stopped, from INCOMPLETE.txt' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $null = Set-BadPage $src
        $dest = Join-Path $root 'dest'
        $null = Get-ThrownError { Backup-EseDatabase -Path $src -Destination $dest }
        $set = @(Get-EseBackupSet -Path $dest)
        $set.Count | Should -Be 1
        $set[0].IsComplete | Should -BeFalse
        $set[0].Reason | Should -BeLike 'The backup stopped:*Fixture.edb*page 100*'
    }
}

Describe 'Session ids that round-trip' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'Get-EseBackupSession -Id takes the short id the table shows, and the full id' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $s = Start-EseExternalBackup -Path $src
        try {
            $short = [EseBackup.PowerShell.Internal.DisplayFormat]::ShortId($s.Id)
            (Get-EseBackupSession | Out-String) | Should -Match $short
            (Get-EseBackupSession -Id $short).Id | Should -Be $s.Id
            (Get-EseBackupSession -Id "$($s.Id)").Id | Should -Be $s.Id
            # An id no open session has is a query's "not there": non-terminating, as Get-Process -Id is.
            $gone = [guid]::NewGuid().ToString('N').Substring(0, 10)
            while ($s.Id.ToString('N').StartsWith($gone)) { $gone = [guid]::NewGuid().ToString('N').Substring(0, 10) }
            $errs = $null
            @(Get-EseBackupSession -Id $gone -ErrorVariable errs -ErrorAction SilentlyContinue).Count | Should -Be 0
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'SessionNotFound*'
            (Get-ThrownError { Get-EseBackupSession -Id $gone -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'SessionNotFound*'
        }
        finally { $s | Stop-EseExternalBackup -Abort }
    }

    It 'the later stages take the id too: Read-EseBackupFile and Stop-EseExternalBackup -Session (the short id)' {
        $root = New-TestFolder 'runbook'
        $src = New-SourceFolder (Join-Path $root 'src')
        $s = Start-EseExternalBackup -Path $src -Destination (Join-Path $root 'dest')
        try {
            $short = [EseBackup.PowerShell.Internal.DisplayFormat]::ShortId($s.Id)
            $null = Read-EseBackupFile -Session $short
            $set = Stop-EseExternalBackup -Session $short
            $set.Kind | Should -Be 'Full'
            Test-Path -LiteralPath (Join-Path $set.Path 'manifest.json') | Should -BeTrue
            $thrown = Get-ThrownError { Stop-EseExternalBackup -Session $short -Abort }
            $thrown.Exception.Message | Should -BeLike "*No open backup session has id '$short'*"
        }
        finally { if ($s.IsOpen) { $s | Stop-EseExternalBackup -Abort } }
    }

    It 'an ambiguous start of an id is an error naming every candidate; Tab offers ids that are never ambiguous' {
        $root = New-TestFolder 'runbook'
        # 17 open sessions: two of them must share their first hex digit.
        $sessions = @(1..17 | ForEach-Object { Start-EseExternalBackup -Path (New-SourceFolder (Join-Path $root "src$_")) })
        try {
            $shared = $sessions | Group-Object { $_.Id.ToString('N').Substring(0, 1) } | Where-Object Count -gt 1 | Select-Object -First 1
            $digit = $shared.Name
            $errs = $null
            @(Get-EseBackupSession -Id $digit -ErrorVariable errs -ErrorAction SilentlyContinue).Count | Should -Be 0
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'AmbiguousSessionId*'
            foreach ($candidate in $shared.Group) { $errs[0].Exception.Message | Should -BeLike "*$($candidate.Id)*" }
            (Get-ThrownError { Stop-EseExternalBackup -Session $digit -Abort }).Exception.Message | Should -BeLike "*'$digit' is the start of $($shared.Count) open session ids*"
            @(Get-EseBackupSession | Where-Object IsOpen).Count | Should -Be 17

            $offered = @((TabExpansion2 -inputScript 'Get-EseBackupSession -Id ' -cursorColumn 'Get-EseBackupSession -Id '.Length).CompletionMatches)
            $offered.Count | Should -Be 17
            foreach ($match in $offered) {
                $match.CompletionText.Length | Should -BeGreaterOrEqual 8
                @(Get-EseBackupSession -Id $match.CompletionText).Count | Should -Be 1
            }
            $line = "Stop-EseExternalBackup -Abort -Session $digit"
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Sort-Object) |
                Should -Be @($shared.Group | ForEach-Object { [EseBackup.PowerShell.Internal.DisplayFormat]::ShortId($_.Id) } | Sort-Object)
        }
        finally { $sessions | Where-Object IsOpen | Stop-EseExternalBackup -Abort }
    }
}
