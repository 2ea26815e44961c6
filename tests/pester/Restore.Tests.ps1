BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:RealEse = Join-Path $script:RepoRoot '../shared/fixtures/real-ese'
    $script:HasRealEse = Test-Path $script:RealEse
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })

    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')
    function New-FixtureFolder {
        $src = New-TestFolder 'pester-fixture'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 256
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 5
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($src, $spec)
        $src
    }

    function Get-FolderState([string] $Folder) {
        if (-not (Test-Path $Folder)) { return @() }
        @(Get-ChildItem $Folder -Recurse -File | Sort-Object FullName | ForEach-Object { '{0}|{1}|{2}|{3}' -f $_.FullName, $_.Length, $_.LastWriteTimeUtc.Ticks, (Get-ByteHash $_.FullName) })
    }

    # The restored folder reads back like the source: same database header facts, same page checksum results,
    # same log generations with the same bytes.
    function Assert-SameAsSource([string] $Source, [string] $Restored, [string[]] $Databases) {
        foreach ($name in $Databases) {
            $a = Get-EseDatabaseInfo -LiteralPath (Join-Path $Source $name)
            $b = Get-EseDatabaseInfo -LiteralPath (Join-Path $Restored $name)
            foreach ($p in 'PageSize', 'State', 'DatabaseTime', 'FileSize', 'FormatVersion', 'FormatRevision', 'RequiredLogLow', 'RequiredLogHigh') {
                $b.$p | Should -Be $a.$p -Because "$name $p"
            }
            "$($b.DatabaseSignature)" | Should -Be "$($a.DatabaseSignature)"
            "$($b.LogSignature)" | Should -Be "$($a.LogSignature)"
            $va = Test-EseDatabase -LiteralPath (Join-Path $Source $name)
            $vb = Test-EseDatabase -LiteralPath (Join-Path $Restored $name)
            $vb.IsValid | Should -BeTrue
            $vb.PagesChecked | Should -Be $va.PagesChecked
            $vb.ValidPages | Should -Be $va.ValidPages
            $vb.UninitializedPages | Should -Be $va.UninitializedPages
        }
    }
}

Describe 'Backup, verify and restore fixture-writer folders' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'round-trips a full and two incrementals: Test-EseBackup valid, restored folder reads back as the source' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        Step-CurrentLog $src | Should -Be 6
        Step-CurrentLog $src | Should -Be 7
        $i1 = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        Step-CurrentLog $src | Should -Be 8
        $i2 = Backup-EseDatabase -Path $src -Destination $dest -Incremental

        $results = @(Test-EseBackup -Path $dest -ErrorVariable verr)
        $verr.Count | Should -Be 0
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.IsValid | Should -BeTrue }
        @($results.Kind) | Should -Be @('Full', 'Incremental', 'Incremental')
        $results[0].PagesChecked | Should -Be 258

        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $r = Restore-EseBackup -Path $i2.Path -Destination $restored -Confirm:$false
        $r.LogGenerationLow | Should -Be 1
        $r.LogGenerationHigh | Should -Be 8
        @($r.ChainSets) | Should -Be @($full.Path, $i1.Path, $i2.Path)
        $r.NextStep | Should -Match 'eseutil /r edb'
        Test-Path (Join-Path $restored 'restore.json') | Should -BeTrue
        @(Get-ChildItem $restored -Filter '*.restoring').Count | Should -Be 0

        Assert-SameAsSource $src $restored @('Fixture.edb')
        $srcLogs = @(Get-EseLogFile -Path $src)
        $outLogs = @(Get-EseLogFile -Path $restored)
        @($outLogs.Generation) | Should -Be @($srcLogs.Generation)
        @($outLogs.Generation) | Should -Be @(1..8)
        foreach ($l in $outLogs) { Get-ByteHash $l.Path | Should -Be (Get-ByteHash (Join-Path $src $l.Name)) }
    }

    It 'restores up to a generation from the pipeline' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $null = Backup-EseDatabase -Path $src -Destination $dest
        $null = Step-CurrentLog $src
        $null = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $r = Get-EseBackupSet $dest | Select-Object -First 1 | Restore-EseBackup -Destination $restored -ToGeneration 3 -Confirm:$false
        $r.LogGenerationHigh | Should -Be 3
        @((Get-EseLogFile -Path $restored).Generation) | Should -Be @(1, 2, 3)
    }

    It '-WhatIf writes nothing, for restore and for removal' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $before = Get-FolderState $dest
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        Restore-EseBackup -Path $full.Path -Destination $restored -WhatIf | Should -BeNullOrEmpty
        Test-Path $restored | Should -BeFalse
        # A rule that removes every set (-KeepLast 0 is refused since issue 14): needs -Force, and -WhatIf still removes nothing.
        Remove-EseBackupSet -Path $dest -OlderThan ([datetime]::Now.AddDays(1)) -Force -WhatIf | Should -BeNullOrEmpty
        Get-FolderState $dest | Should -Be $before
    }

    It 'refuses to overwrite a database in the destination without -Force and leaves it untouched' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $restored = New-TestFolder 'pester-restore'
        Set-Content -Path (Join-Path $restored 'Fixture.edb') -Value 'precious'
        (Get-Item (Join-Path $restored 'Fixture.edb')).LastWriteTimeUtc = [datetime]::SpecifyKind([datetime]'2020-01-01', 'Utc')
        $before = Get-FolderState $restored

        # One restore that fails is a terminating error (issue 14); -ErrorAction does not turn it into output.
        $err = @(Get-ThrownError { Restore-EseBackup -Path $full.Path -Destination $restored -Confirm:$false -ErrorAction SilentlyContinue })
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].Exception.Message | Should -Match 'Fixture\.edb'
        $err[0].Exception.Message | Should -Match '-Force'
        Get-FolderState $restored | Should -Be $before

        $r = Restore-EseBackup -Path $full.Path -Destination $restored -Force -Confirm:$false
        $r.Databases.Count | Should -Be 1
        Assert-SameAsSource $src $restored @('Fixture.edb')
    }

    It 'reports a flipped page bit naming file and page, and a restore stops on it leaving nothing' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $db = Join-Path $full.Path 'Fixture.edb'
        $bytes = [IO.File]::ReadAllBytes($db)
        $bytes[(100 + 1) * 8192 + 777] = $bytes[(100 + 1) * 8192 + 777] -bxor 0x04   # page 100
        [IO.File]::WriteAllBytes($db, $bytes)

        # One set that fails verification: each problem is a non-terminating error, then the verification asked
        # for fails with a terminating error that carries the result (issue 14).
        $thrown = $null
        try { Test-EseBackup -Path $full.Path -ErrorVariable err -ErrorAction SilentlyContinue } catch { $thrown = $_ }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'BackupSetVerificationFailed*'
        $thrown.Exception.Message | Should -BeLike "*$($full.Name)*failed verification with 2 problem(s)*"
        $result = $thrown.TargetObject
        $result.IsValid | Should -BeFalse
        $badPage = @($err | Where-Object { $_.TargetObject.Kind -eq 'BadPage' })
        $badPage.Count | Should -Be 1
        $badPage[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $badPage[0].FullyQualifiedErrorId | Should -BeLike 'BackupSetBadPage*'
        $badPage[0].TargetObject.PageNumber | Should -Be 100
        $badPage[0].TargetObject.File | Should -Be $db
        $badPage[0].Exception.Message | Should -Match 'page 100\b'
        @($err | Where-Object { $_.TargetObject.Kind -eq 'HashMismatch' }).Count | Should -Be 1
        { Test-EseBackup -Path $full.Path -ErrorAction Stop } | Should -Throw '*Fixture.edb*'
        $quick = (Get-ThrownError { Test-EseBackup -Path $full.Path -Quick -ErrorAction SilentlyContinue }).TargetObject
        @($quick.Problems.Kind) | Should -Be @('HashMismatch')

        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $rerr = @(Get-ThrownError { Restore-EseBackup -Path $full.Path -Destination $restored -Confirm:$false })
        $rerr.Count | Should -Be 1
        $rerr[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $rerr[0].Exception.Message | Should -Match 'Fixture\.edb'
        $rerr[0].Exception.Message | Should -Match 'page 100\b|hash'
        Test-Path $restored | Should -BeFalse
    }

    It 'reports an incremental whose full set is gone, and refuses a manifest path leaving the set' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $null = Step-CurrentLog $src
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        Remove-Item $full.Path -Recurse -Force
        $r = (Get-ThrownError { Test-EseBackup -Path $incr.Path -ErrorAction SilentlyContinue }).TargetObject
        @($r.Problems.Kind) | Should -Be @('MissingParent')

        $manifestPath = Join-Path $incr.Path 'manifest.json'
        $m = Get-Content $manifestPath -Raw | ConvertFrom-Json
        $m.files[0].path = '../../evil.log'
        $m | ConvertTo-Json -Depth 8 | Set-Content $manifestPath
        $outside = Split-Path $dest
        $before = @(Get-ChildItem $outside -Filter 'evil.log')
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $err = @(Get-ThrownError { Restore-EseBackup -Path $incr.Path -Destination $restored -Confirm:$false })
        $err[0].Exception.Message | Should -Match "leaves the set folder|'\.\.'"
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        Test-Path $restored | Should -BeFalse
        @(Get-ChildItem $outside -Filter 'evil.log').Count | Should -Be $before.Count
    }

    It 'lists sets newest first with incomplete ones, and bare output formats' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $null = Step-CurrentLog $src
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        $broken = New-Item -ItemType Directory (Join-Path $dest '20000101-000000-full')
        Set-Content (Join-Path $broken 'INCOMPLETE.txt') 'stopped'

        $sets = @(Get-EseBackupSet -Path $dest)
        $sets.Count | Should -Be 3
        @($sets.Name) | Should -Be @($incr.Name, $full.Name, '20000101-000000-full')
        @($sets.IsComplete) | Should -Be @($true, $true, $false)
        @($sets.ChainPosition) | Should -Be @(1, 0, -1)
        $sets[0].ChainId | Should -Be $full.ChainId

        $text = Get-EseBackupSet $dest | Out-String
        $text | Should -Match ([regex]::Escape($incr.Name))
        $text | Should -Match 'Incremental'
        $text | Should -Match 'Incomplete'
        $text | Should -Match '5-6'
        (Test-EseBackup $dest -ErrorAction SilentlyContinue | Out-String) | Should -Match 'MissingManifest'
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        (Restore-EseBackup $incr.Path $restored -Confirm:$false | Out-String) | Should -Match 'NextStep'

        # Retention: keeping the newest set keeps its full set; the incomplete leftover goes only when asked.
        @(Remove-EseBackupSet -Path $dest -KeepLast 1 -Confirm:$false).Count | Should -Be 0
        $said = Remove-EseBackupSet -Path $dest -KeepLast 1 -Confirm:$false -Verbose 4>&1
        ($said | Out-String) | Should -Match 'Nothing to remove under .*keeps all 3 set'
        @(Remove-EseBackupSet -Path $dest -OlderThan (New-TimeSpan -Days 1) -Confirm:$false).Count | Should -Be 0
        @(Remove-EseBackupSet -Path $dest -OlderThan '1.00:00:00' -Confirm:$false).Count | Should -Be 0
        $rule = @(Get-ThrownError { Remove-EseBackupSet -Path $dest -Confirm:$false })
        $rule[0].FullyQualifiedErrorId | Should -BeLike 'NoRetentionRule*'
        @(Get-EseBackupSet $dest).Count | Should -Be 3
        $removed = @(Remove-EseBackupSet -Path $dest -KeepLast 1 -IncludeIncomplete -Confirm:$false)
        @($removed.Name) | Should -Be @('20000101-000000-full')
        Test-Path $broken | Should -BeFalse
        (Test-EseBackup $incr.Path).IsValid | Should -BeTrue
    }

    It '-Recover fails fast off Windows with nothing written' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'esent.dll is present on Windows; recovery runs in the Windows engine tests' }
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $err = @(Get-ThrownError { Restore-EseBackup $full.Path $restored -Recover -Confirm:$false })
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $err[0].Exception.Message | Should -Match 'requires Windows \(esent\.dll\)'
        Test-Path $restored | Should -BeFalse
    }
}

Describe 'Backup, verify and restore real ESE folders' {
    BeforeEach {
        if (-not $script:HasRealEse) { Set-ItResult -Skipped -Because "real ESE fixtures are absent (expected at $script:RealEse)" }
    }

    It 'round-trips appdata-folder/edb through a full and an incremental' {
        $src = Copy-RealFolder 'appdata-folder/edb'
        $dest = New-TestFolder 'pester-backups'
        $null = Backup-EseDatabase -Path $src -Destination $dest
        Step-CurrentLog $src | Should -Be 2
        Step-CurrentLog $src | Should -Be 3
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        @(Test-EseBackup $dest) | ForEach-Object { $_.IsValid | Should -BeTrue }

        $restored = Join-Path (New-TestFolder 'pester-restore') 'edb'
        $r = Restore-EseBackup $incr.Path $restored -Confirm:$false
        $r.LogGenerationLow | Should -Be 1
        $r.LogGenerationHigh | Should -Be 3
        Assert-SameAsSource $src $restored @('IndexedDB.edb')
        @((Get-EseLogFile -Path $restored).Generation) | Should -Be @(1, 2, 3)
        foreach ($l in Get-EseLogFile -Path $restored) { Get-ByteHash $l.Path | Should -Be (Get-ByteHash (Join-Path $src $l.Name)) }
        # The stale log of another stream (edb0000D.log) was never backed up, so it is not restored.
        Test-Path (Join-Path $restored 'edb0000D.log') | Should -BeFalse
    }

    It 'round-trips dissect-esedb/basic.edb (no logs)' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        (Test-EseBackup $full.Path).IsValid | Should -BeTrue
        $restored = Join-Path (New-TestFolder 'pester-restore') 'basic'
        $r = Restore-EseBackup $full.Path $restored -Confirm:$false
        $r.Logs.Count | Should -Be 0
        $r.NextStep | Should -Match 'No logs'
        Assert-SameAsSource $src $restored @('basic.edb')
    }
}
