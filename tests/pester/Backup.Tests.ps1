BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:RealEse = Join-Path $script:RepoRoot '../shared/fixtures/real-ese'
    $script:HasRealEse = Test-Path $script:RealEse
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }

    Add-Type -Path $script:FixturesDll -ErrorAction SilentlyContinue
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')
}

AfterAll {
    Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
}

Describe 'Backup pipeline on real ESE folders' {
    BeforeEach {
        if (-not $script:HasRealEse) { Set-ItResult -Skipped -Because "real ESE fixtures are absent (expected at $script:RealEse)" }
    }

    It 'backs up appdata-folder/edb through Start | Read | Stop with byte-identical files and the right log range' {
        $src = Copy-RealFolder 'appdata-folder/edb'
        $dest = New-TestFolder 'pester-dest'
        $set = Start-EseExternalBackup -Path $src | Read-EseBackupFile -Destination $dest | Stop-EseExternalBackup

        $set | Should -Not -BeNullOrEmpty
        $set.Kind | Should -Be 'Full'
        # edb.log (generation 1) has the database's log signature; edb0000D.log (13) is from an older stream.
        $set.LogGenerationLow | Should -Be 1
        $set.LogGenerationHigh | Should -Be 1
        @($set.Files.Name) | Should -Be @('IndexedDB.edb', 'edb.log')
        foreach ($f in $set.Files) { Get-ByteHash $f.FullPath | Should -Be (Get-ByteHash (Join-Path $src $f.Name)) }
        Test-Path (Join-Path $set.Path 'manifest.json') | Should -BeTrue
        $manifest = Get-Content (Join-Path $set.Path 'manifest.json') -Raw | ConvertFrom-Json
        $manifest.kind | Should -Be 'full'
        $manifest.files.Count | Should -Be 2
        $manifest.notes -join ' ' | Should -Match 'edb0000D\.log'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'takes a full then an incremental backup that chains to it' {
        $src = Copy-RealFolder 'appdata-folder/edb'
        $dest = New-TestFolder 'pester-dest'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        Step-CurrentLog $src | Should -Be 2
        Step-CurrentLog $src | Should -Be 3

        $incr = Start-EseExternalBackup -Path $src -Incremental -Destination $dest | Read-EseBackupFile | Stop-EseExternalBackup
        $incr.Kind | Should -Be 'Incremental'
        $incr.ParentSetId | Should -Be $full.SetId
        $incr.ChainId | Should -Be $full.ChainId
        $incr.LogGenerationLow | Should -Be 1
        $incr.LogGenerationHigh | Should -Be 3
        @($incr.Files.Name) | Should -Be @('edb00001.log', 'edb00002.log', 'edb.log')
        foreach ($f in $incr.Files) { Get-ByteHash $f.FullPath | Should -Be (Get-ByteHash (Join-Path $src $f.Name)) }
    }

    It 'fails an incremental without a full set with JET_errMissingFullBackup' {
        $src = Copy-RealFolder 'appdata-folder/edb'
        $dest = New-TestFolder 'pester-dest'
        # One backup that cannot start is a terminating error (issue 14).
        $err = @(Get-ThrownError { Start-EseExternalBackup -Path $src -Incremental -Destination $dest -ErrorAction SilentlyContinue })
        $err[0].FullyQualifiedErrorId | Should -BeLike 'JET_errMissingFullBackup*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'backs up a folder holding a copy of dissect-esedb/basic.edb, and -WhatIf writes nothing' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-dest'
        Backup-EseDatabase -Path $src -Destination $dest -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $dest).Count | Should -Be 0

        $set = Backup-EseDatabase -LiteralPath (Join-Path $src 'basic.edb') -Destination $dest
        @($set.Files.Name) | Should -Be @('basic.edb')
        $set.LogGenerationHigh | Should -Be 0
        Get-ByteHash $set.Files[0].FullPath | Should -Be (Get-ByteHash (Join-Path $src 'basic.edb'))
    }

    It 'stops on a corrupt page with an error naming file and page, aborts the session and writes no manifest' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-dest'
        $db = Join-Path $src 'basic.edb'
        $bytes = [IO.File]::ReadAllBytes($db)
        $bytes[(42 + 1) * 4096 + 1000] = $bytes[(42 + 1) * 4096 + 1000] -bxor 0xFF   # page 42 = file page 43
        [IO.File]::WriteAllBytes($db, $bytes)

        $s = Start-EseExternalBackup -Path $src
        $out = $null
        $err = @(Get-ThrownError { $script:out = $s | Read-EseBackupFile -Destination $dest })
        $script:out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'JET_errReadVerifyFailure*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match 'basic\.edb'
        $err[0].Exception.Message | Should -Match 'page 42\b'
        $err[0].TargetObject | Should -Be $db
        $s.State | Should -Be 'Aborted'
        @(Get-EseBackupSession).Count | Should -Be 0
        $setDir = @(Get-ChildItem $dest -Directory)[0].FullName
        Test-Path (Join-Path $setDir 'manifest.json') | Should -BeFalse
        Test-Path (Join-Path $setDir 'INCOMPLETE.txt') | Should -BeTrue
        { $s | Stop-EseExternalBackup -ErrorAction Stop } | Should -Throw '*JET_errNoBackup*'
    }

    It 'aborts the session when a downstream Select-Object -First stops the pipeline' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-dest'
        $s = Start-EseExternalBackup -Path $src
        $s | Read-EseBackupFile -Destination $dest | Select-Object -First 1 | Out-Null
        $s.State | Should -Be 'Aborted'
        $s.AbortReason | Should -Match 'later stage'
        @(Get-EseBackupSession).Count | Should -Be 0
        $setDir = @(Get-ChildItem $dest -Directory)[0].FullName
        Test-Path (Join-Path $setDir 'manifest.json') | Should -BeFalse
    }

    It 'aborts the session when a later stage throws' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-dest'
        $s = Start-EseExternalBackup -Path $src -Destination $dest
        { $s | Read-EseBackupFile | ForEach-Object { throw 'downstream failure' } } | Should -Throw '*downstream failure*'
        $s.State | Should -Be 'Aborted'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'aborts the session on Ctrl+C (StopProcessing) in the middle of a read' {
        $src = Copy-RealFolder 'dissect-esedb' 'large.edb'   # 24 MiB
        $dest = New-TestFolder 'pester-dest'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$script:ModulePath'; Start-EseExternalBackup -Path '$src' | Read-EseBackupFile -Destination '$dest' -ThrottleMBps 4 | Stop-EseExternalBackup")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (-not (Get-ChildItem $dest -Recurse -Filter '*.partial') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            @(Get-EseBackupSession).Count | Should -Be 1
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        @(Get-EseBackupSession).Count | Should -Be 0
        $setDir = @(Get-ChildItem $dest -Directory)[0].FullName
        Test-Path (Join-Path $setDir 'manifest.json') | Should -BeFalse
        @(Get-ChildItem $setDir -Filter '*.partial').Count | Should -Be 0
    }

    It 'refuses log truncation on a snapshot with a warning and leaves every log in place' {
        $src = Copy-RealFolder 'appdata-folder/edb'
        $dest = New-TestFolder 'pester-dest'
        $before = @(Get-ChildItem $src).Name
        $set = Start-EseExternalBackup -Path $src | Read-EseBackupFile -Destination $dest | Stop-EseExternalBackup -TruncateLog -WarningVariable warn -WarningAction SilentlyContinue
        $set | Should -Not -BeNullOrEmpty
        $warn[0] | Should -Match 'not truncated'
        @(Get-ChildItem $src).Name | Should -Be $before
    }

    It 'refuses a second backup of the same folder with JET_errBackupInProgress, lists and aborts the first' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $first = Start-EseExternalBackup -Path $src
        $err = @(Get-ThrownError { Start-EseExternalBackup -Path (Join-Path $src 'basic.edb') })
        $err[0].FullyQualifiedErrorId | Should -BeLike 'JET_errBackupInProgress*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        (Get-EseBackupSession).Id | Should -Be $first.Id
        Get-EseBackupSession -Id $first.Id | Stop-EseExternalBackup -Abort
        $first.State | Should -Be 'Aborted'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'ends a session left open (Read never followed by Stop) when the module is removed' {
        $src = Copy-RealFolder 'dissect-esedb' 'basic.edb'
        $dest = New-TestFolder 'pester-dest'
        $s = Start-EseExternalBackup -Path $src | Read-EseBackupFile -Destination $dest
        $s.State | Should -Be 'Read'
        Remove-Module EseBackup
        try {
            $s.State | Should -Be 'Aborted'
            $s.AbortReason | Should -Match 'module was removed'
        }
        finally { Import-Module $script:ModulePath -Force }
    }
}

Describe 'Backup of a live instance' {
    It 'fails with a clear error and opens no session where esent.dll cannot exist' -Skip:$IsWindows {
        $dest = New-TestFolder 'pester-dest'
        $err = @(Get-ThrownError { Start-EseExternalBackup -Instance ([IntPtr]1) })
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        $err[0].Exception | Should -BeOfType [PlatformNotSupportedException]
        $err2 = @(Get-ThrownError { Backup-EseDatabase -Instance ([IntPtr]1) -Destination $dest })
        $err2[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        @(Get-EseBackupSession).Count | Should -Be 0
        @(Get-ChildItem $dest).Count | Should -Be 0
    }
}

Describe 'Backup pipeline on fixture-writer folders' {
    BeforeAll {
        $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    }
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'backs up a generated folder (database + logs 1-5) in full, then its new logs incrementally' {
        $src = New-TestFolder 'pester-fixture'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 256
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 5
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($src, $spec)
        $dest = New-TestFolder 'pester-dest'

        $full = Start-EseExternalBackup -Path $src | Read-EseBackupFile -Destination $dest | Stop-EseExternalBackup
        $full.LogGenerationLow | Should -Be 1
        $full.LogGenerationHigh | Should -Be 5
        @($full.Files | Where-Object Role -eq 'Log').Count | Should -Be 5
        foreach ($f in $full.Files) { Get-ByteHash $f.FullPath | Should -Be (Get-ByteHash (Join-Path $src $f.Name)) }

        Step-CurrentLog $src | Should -Be 6
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        $incr.ParentSetId | Should -Be $full.SetId
        $incr.LogGenerationLow | Should -Be 5
        $incr.LogGenerationHigh | Should -Be 6
    }
}
