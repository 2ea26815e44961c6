# A backup store and a source with hostile content, through the real module: FIFOs where files belong (run in a
# child pwsh with a deadline, so a read that blocks fails the test instead of hanging the run), a copied set
# folder, a manifest of a newer format, and retention over sets piped from Get-EseBackupSet.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $PSScriptRoot '../EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    Add-Type -Path $script:FixturesDll -ErrorAction SilentlyContinue
    $script:HasMkfifo = [bool](Get-Command mkfifo -CommandType Application -ErrorAction SilentlyContinue)

    # A database folder from the fixture writer: database, logs 1-4, checkpoint.
    function New-FixtureFolder {
        $folder = New-TestFolder 'pester-hostile-src'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 48
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 4
        $spec.Logs.LogFileSize = 128KB
        $spec.Logs.ReserveLogCount = 0
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($folder, $spec)
        $folder
    }

    # A store with a full set and an incremental on it.
    function New-Store {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-hostile-dest'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $null = Step-CurrentLog $src
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        [pscustomobject]@{ Source = $src; Destination = $dest; Full = $full; Incremental = $incr }
    }

    # A copy of the full set under a later set name (a fresh set id unless -SameId).
    function Copy-FullSet($Store, [string] $Name, [switch] $SameId) {
        $copy = Join-Path $Store.Destination $Name
        Copy-Item -LiteralPath $Store.Full.Path -Destination $copy -Recurse
        if (-not $SameId) {
            $manifest = Join-Path $copy 'manifest.json'
            (Get-Content -LiteralPath $manifest -Raw).Replace("$($Store.Full.SetId)", "$([guid]::NewGuid())") | Set-Content -LiteralPath $manifest -NoNewline
        }
        $copy
    }
}

AfterAll {
    Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
}

Describe 'FIFOs where files belong' {
    BeforeEach {
        if (-not $script:HasMkfifo) { Set-ItResult -Skipped -Because 'mkfifo is not available (Windows has no FIFOs in the file system)' }
    }

    It 'lists and verifies a store with a FIFO named manifest.json without hanging; the other sets stay usable' {
        $store = New-Store
        $fifoSet = Copy-FullSet $store '20300101-000000-full'
        Remove-Item (Join-Path $fifoSet 'manifest.json')
        & mkfifo (Join-Path $fifoSet 'manifest.json')

        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -ArgumentList $script:ModulePath, $store.Destination, $store.Incremental.Path, (New-TestFolder 'pester-hostile-restore') -Script @'
param($ModulePath, $Destination, $IncrementalPath, $RestoreTo)
Import-Module $ModulePath
$sets = @(Get-EseBackupSet -Path $Destination -WarningVariable warnings -WarningAction SilentlyContinue)
"listed=$($sets.Count) complete=$(@($sets | Where-Object IsComplete).Count) unreadable=$(@($sets | Where-Object IsUnreadable).Count)"
"warning=$($warnings -join ' | ')"
$results = @(Test-EseBackup -Path $Destination -ErrorVariable problems -ErrorAction SilentlyContinue)
"valid=$(@($results | Where-Object IsValid).Count) invalid=$(@($results | Where-Object { -not $_.IsValid }).Count)"
"problem=$($problems -join ' | ')"
$restored = Restore-EseBackup -Path $IncrementalPath -Destination $RestoreTo -Confirm:$false
"restored=$(@($restored.Databases).Count)"
'@
        $run.TimedOut | Should -BeFalse -Because 'opening a FIFO blocks until a writer comes; the module must never open one'
        $run.Text | Should -Match 'listed=3 complete=2 unreadable=1'
        $run.Text | Should -Match 'warning=.*FIFO'
        $run.Text | Should -Match 'valid=2 invalid=1'
        $run.Text | Should -Match ([regex]::Escape((Join-Path $fifoSet 'manifest.json')))
        $run.Text | Should -Match 'restored=1'
    }

    It 'refuses a FIFO named like a database in a source folder, naming it, without hanging' {
        $src = New-FixtureFolder
        & mkfifo (Join-Path $src 'Evil.edb')
        $dest = New-TestFolder 'pester-hostile-dest'

        $run = Invoke-ChildPwshWithTimeout -TimeoutSeconds 90 -ArgumentList $script:ModulePath, $src, $dest -Script @'
param($ModulePath, $Source, $Destination)
Import-Module $ModulePath
try { Backup-EseDatabase -Path $Source -Destination $Destination -ErrorAction Stop | Out-Null; 'backed-up' }
catch { "error=$($_.Exception.Message)" }
"sets=$(@(Get-ChildItem $Destination -Directory).Count)"
'@
        $run.TimedOut | Should -BeFalse -Because 'opening a FIFO blocks until a writer comes; the module must never open one'
        $run.Text | Should -Match 'error=.*Evil\.edb.*FIFO'
        $run.Text | Should -Not -Match 'backed-up'
        $run.Text | Should -Match 'sets=0'
    }
}

Describe 'One bad set is that set''s problem' {
    It 'lists a copied set folder as unreadable and still lists, chains and restores the real sets' {
        $store = New-Store
        $copy = Copy-FullSet $store '20300101-000000-full' -SameId

        $sets = @(Get-EseBackupSet -Path $store.Destination -WarningVariable warnings -WarningAction SilentlyContinue)
        $sets.Count | Should -Be 3
        ($sets | Where-Object Path -eq $copy).IsUnreadable | Should -BeTrue
        "$warnings" | Should -Match ([regex]::Escape($store.Full.Path))
        ($sets | Where-Object Path -eq $store.Incremental.Path).ChainPosition | Should -Be 1
        $null = Step-CurrentLog $store.Source
        (Backup-EseDatabase -Path $store.Source -Destination $store.Destination -Incremental).ParentSetId | Should -Be $store.Incremental.SetId
        $restored = Restore-EseBackup -Path $store.Incremental.Path -Destination (New-TestFolder 'pester-hostile-restore') -Confirm:$false
        @($restored.Databases).Count | Should -Be 1
    }

    It 'never removes a set of an unknown manifest format, and warns about it' {
        $store = New-Store
        $manifest = Join-Path $store.Full.Path 'manifest.json'
        (Get-Content -LiteralPath $manifest -Raw) -replace '"formatVersion": 1', '"formatVersion": 2' | Set-Content -LiteralPath $manifest -NoNewline

        $removed = @(Remove-EseBackupSet -Path $store.Destination -OlderThan (Get-Date).AddMinutes(5) -IncludeIncomplete -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        Test-Path -LiteralPath $store.Full.Path | Should -BeTrue
        @($removed.Path) | Should -Not -Contain $store.Full.Path
        "$warnings" | Should -Match 'format version 2'
    }
}

Describe 'Remove-EseBackupSet with set folders from the pipeline' {
    It 'decides over the whole destination, so a piped full that a kept incremental builds on stays' {
        $store = New-Store
        # The full ended before the cutoff, the incremental after it. Set by set, the full went and broke the chain.
        $cutoff = $store.Incremental.StartTime
        $removed = @(Get-EseBackupSet -Path $store.Destination | Remove-EseBackupSet -OlderThan $cutoff -Confirm:$false)
        $removed.Count | Should -Be 0
        Test-Path -LiteralPath $store.Full.Path | Should -BeTrue
        (Test-EseBackup -Path $store.Incremental.Path).IsValid | Should -BeTrue
    }

    It 'removes only the sets given, and not one a set left behind builds on' {
        $store = New-Store
        $null = Step-CurrentLog $store.Source
        $newest = Backup-EseDatabase -Path $store.Source -Destination $store.Destination
        # The rule (keep 1) removes the old full and its incremental; only the full is piped, so it must stay.
        $removed = @(Get-EseBackupSet -Path $store.Destination | Where-Object Path -eq $store.Full.Path |
            Remove-EseBackupSet -KeepLast 1 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $removed.Count | Should -Be 0
        "$warnings" | Should -Match ([regex]::Escape($store.Incremental.Name))
        # Piping every set removes what the rule over the whole destination removes.
        $removed = @(Get-EseBackupSet -Path $store.Destination | Remove-EseBackupSet -KeepLast 1 -Confirm:$false)
        @($removed.Path | Sort-Object) | Should -Be @(@($store.Full.Path, $store.Incremental.Path) | Sort-Object)
        Test-Path -LiteralPath $newest.Path | Should -BeTrue
    }
}
