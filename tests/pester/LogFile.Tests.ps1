# Log integrity as the engine checks it: Test-EseLogFile, and the same verification where backup, Test-EseBackup
# and restore read logs.
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
        $src = New-TestFolder 'pester-logs'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageCount = 64
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 5
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($src, $spec)
        $src
    }

    function Switch-Bit([string] $Path, [long] $Offset) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $bytes[$Offset] = $bytes[$Offset] -bxor 0x08
        [IO.File]::WriteAllBytes($Path, $bytes)
    }

    # Records a damaged file's size and hash in its set's manifest: only the deeper checks can still catch it.
    function Update-ManifestEntry([string] $SetPath, [string] $Name) {
        $manifestPath = Join-Path $SetPath 'manifest.json'
        $manifest = Get-Content $manifestPath -Raw | ConvertFrom-Json
        $entry = $manifest.files | Where-Object path -eq $Name
        $file = Join-Path $SetPath $Name
        $entry.hash = [EseBackup.Core.BackupSets.BackupSetWriter]::HashFile($file)
        $entry.size = (Get-Item $file).Length
        Remove-Item $manifestPath
        $manifest | ConvertTo-Json -Depth 10 | Set-Content $manifestPath -Encoding utf8NoBOM
    }
}

Describe 'Test-EseLogFile on the real logs made by Windows' {
    BeforeEach {
        if (-not $script:HasRealEse) { Set-ItResult -Skipped -Because "real ESE fixtures are absent (expected at $script:RealEse)" }
    }

    It 'verifies every real log of a folder, the three adjacent uss generations linked' {
        $r = @(Test-EseLogFile -Path (Join-Path $script:RealEse 'appdata-folder/uss'))
        @($r.Generation) | Should -Be @(63, 64, 65)
        $r | ForEach-Object { $_.IsValid | Should -BeTrue; $_.Status | Should -Be 'Valid'; $_.SegmentsChecked | Should -Be 766 }
        $edb = @(Test-EseLogFile -LiteralPath (Join-Path $script:RealEse 'appdata-folder/edb'))
        @($edb.Generation) | Should -Be @(1, 13)
        $edb[0].ShadowSegments | Should -Be 1
    }

    It 'takes Get-ChildItem and Get-EseLogFile objects from the pipeline' {
        $uss = Join-Path $script:RealEse 'appdata-folder/uss'
        @(Get-ChildItem $uss -Filter 'USS0*.jtx' | Test-EseLogFile).Count | Should -Be 2
        @(Get-EseLogFile -Path $uss | Test-EseLogFile | Where-Object IsValid).Count | Should -Be 2
        $reserve = Get-ChildItem $uss -Filter '*.jrs' | Test-EseLogFile
        $reserve.Status | Should -Be 'NotVerifiable'
        $reserve.IsValid | Should -BeNullOrEmpty
    }

    It 'names file and sector of a flipped bit, and the link a changed chain checksum breaks' {
        $dir = Copy-RealFolder 'appdata-folder/uss' 'USS*.jtx'
        Switch-Bit (Join-Path $dir 'USS00040.jtx') (100 * 4096 + 1234)
        $r = Test-EseLogFile -Path $dir -ErrorVariable err -ErrorAction SilentlyContinue
        $g64 = $r | Where-Object Generation -eq 64
        $g64.IsValid | Should -BeFalse
        $g64.Problems[0].Sector | Should -Be 100
        $g64.Problems[0].Message | Should -BeLike '*USS00040.jtx*sector 100*'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LogBadSegment*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'

        $dir2 = Copy-RealFolder 'appdata-folder/uss' 'USS*.jtx'
        $bytes = [IO.File]::ReadAllBytes((Join-Path $dir2 'USS00041.jtx'))
        $bytes[655] = $bytes[655] -bxor 1
        [EseBackup.Core.Format.PageChecksum]::StampLogHeader($bytes)
        [IO.File]::WriteAllBytes((Join-Path $dir2 'USS00041.jtx'), $bytes)
        $r2 = Test-EseLogFile -Path $dir2 -ErrorAction SilentlyContinue
        ($r2 | Where-Object Generation -eq 64).IsValid | Should -BeTrue
        $g65 = $r2 | Where-Object Generation -eq 65
        $g65.IsValid | Should -BeFalse
        $g65.Problems[0].Kind | Should -Be 'LogSequenceChecksumMismatch'
        $g65.Problems[0].Message | Should -BeLike '*generation 64*generation 65*'
    }
}

Describe 'Logs are verified where backup, Test-EseBackup and restore read them' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'written logs verify, chain included' {
        $src = New-FixtureFolder
        $r = @(Test-EseLogFile -Path $src)
        @($r.Generation) | Should -Be @(1, 2, 3, 4, 5)
        @($r | Where-Object IsValid).Count | Should -Be 5
    }

    It 'refuses to back up a folder whose needed log has a bad segment: error naming the log, session aborted, no manifest' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        Switch-Bit (Join-Path $src 'edb00003.log') (6 * 4096 + 50)
        # One backup that fails throws (issue 14).
        $err = @(Get-ThrownError { Backup-EseDatabase -Path $src -Destination $dest })
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -BeLike '*edb00003.log*generation 3*sector 6*'
        @(Get-EseBackupSession).Count | Should -Be 0
        @(Get-ChildItem $dest -Recurse -Filter manifest.json).Count | Should -Be 0
        (Get-EseBackupSet -Path $dest).IsComplete | Should -Be $false
    }

    It 'warns about a damaged log it leaves out, and backs up the rest' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        Remove-Item (Join-Path $src 'edb00002.log')
        $log1 = Join-Path $src 'edb00001.log'
        $fs = [IO.File]::Open($log1, 'Open'); $fs.SetLength($fs.Length - 4096); $fs.Dispose()
        $set = Backup-EseDatabase -Path $src -Destination $dest -WarningVariable warn -WarningAction SilentlyContinue
        $set.LogGenerationLow | Should -Be 3
        @($warn | Where-Object { "$_" -like '*edb00001.log*truncated*' }).Count | Should -Be 1
    }

    It 'Test-EseBackup flags a log damaged after the backup even with its manifest re-hashed; -Quick does not; restore refuses it' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        Switch-Bit (Join-Path $full.Path 'edb00004.log') (9 * 4096 + 7)
        Update-ManifestEntry $full.Path 'edb00004.log'

        # One damaged set fails its verification with a terminating error carrying the result (issue 14).
        $r = (Get-ThrownError { Test-EseBackup -Path $full.Path -ErrorAction SilentlyContinue }).TargetObject
        $r.IsValid | Should -BeFalse
        @($r.Problems.Kind) | Should -Be @('BadLogSegment')
        $r.Problems[0].Sector | Should -Be 9
        $r.Problems[0].Message | Should -BeLike '*edb00004.log*sector 9*'
        (Test-EseBackup -Path $full.Path -Quick).IsValid | Should -BeTrue

        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $rerr = @(Get-ThrownError { Restore-EseBackup -Path $full.Path -Destination $restored -Confirm:$false })
        $rerr.Count | Should -Be 1
        $rerr[0].Exception.Message | Should -BeLike '*edb00004.log*sector 9*Nothing was restored*'
        Test-Path $restored | Should -BeFalse
    }

    It 'restore refuses a log of another log stream whose manifest entry was re-hashed, as Test-EseBackup flags it' {
        $src = New-FixtureFolder
        $dest = New-TestFolder 'pester-backups'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $other = New-TestFolder 'pester-other'
        $spec = [EseBackup.Fixtures.LogSetSpec]@{ FirstGeneration = 3; LastGeneration = 3; LastIsCurrent = $false; LogFileSize = 128KB; Seed = 42; ReserveLogCount = 0 }
        $written = [EseBackup.Fixtures.EseFixtureWriter]::WriteLogs($other, $spec)
        Copy-Item $written.Logs[0].Path (Join-Path $full.Path 'edb00003.log') -Force
        Update-ManifestEntry $full.Path 'edb00003.log'

        $r = (Get-ThrownError { Test-EseBackup -Path $full.Path -ErrorAction SilentlyContinue }).TargetObject
        @($r.Problems.Kind) | Should -Contain 'ForeignLog'
        $restored = Join-Path (New-TestFolder 'pester-restore') 'app'
        $rerr = @(Get-ThrownError { Restore-EseBackup -Path $full.Path -Destination $restored -Confirm:$false })
        $rerr[0].Exception.Message | Should -BeLike '*edb00003.log*another log stream*'
        Test-Path $restored | Should -BeFalse
    }
}
