# Sets whose databases were read through the engine: patched header pages and the trailer page the engine
# appends (BKIMakeDbTrailer). Made by the fixture library's EngineBackupCopies from fixture-writer sets.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EngineBackupCopies' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')

    function New-EngineMadeChain {
        $src = New-WrittenDatabaseFolder 'pester-engine-src' -PageCount 128 -LastGeneration 5
        $dest = New-TestFolder 'pester-engine-sets'
        $full = Backup-EseDatabase -Path $src -Destination $dest
        $copy = @([EseBackup.Fixtures.EngineBackupCopies]::MakeSetEngineMade($full.Path))[0]
        Step-CurrentLog $src | Should -Be 6
        $incr = Backup-EseDatabase -Path $src -Destination $dest -Incremental
        [pscustomobject]@{ Destination = $dest; Full = $full; Incremental = $incr; Copy = $copy }
    }
}

Describe 'Engine-made backup sets (patched headers, trailer page)' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EngineBackupCopies) is not built at $script:FixturesDll" }
    }

    It 'passes Test-EseBackup and restores with the trailer kept for the engine''s recovery' {
        $c = New-EngineMadeChain
        $results = @(Test-EseBackup -Path $c.Destination -ErrorVariable verr)
        $verr.Count | Should -Be 0
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.IsValid | Should -BeTrue }
        $results[0].PagesChecked | Should -Be (130 + 1)

        $restored = Join-Path (New-TestFolder 'pester-engine-restore') 'app'
        $r = Restore-EseBackup -Path $c.Incremental.Path -Destination $restored -Confirm:$false
        $r.LogGenerationHigh | Should -Be 6
        $db = Join-Path $restored 'Fixture.edb'
        Get-ByteHash $db | Should -Be (Get-ByteHash $c.Copy.Path)
        $info = Get-EseDatabaseInfo -LiteralPath $db
        $info.CurrentFullBackup.LowGeneration | Should -Be 1
        $info.CurrentFullBackup.HighGeneration | Should -Be 0
        (Test-EseDatabase -LiteralPath $db).IsValid | Should -BeTrue
    }

    It 'names the file and page of a damaged trailer, and Restore-EseBackup refuses the set' {
        $c = New-EngineMadeChain
        $bytes = [IO.File]::ReadAllBytes($c.Copy.Path)
        $at = $c.Copy.TrailerFilePage * 8192 + 70
        $bytes[$at] = $bytes[$at] -bxor 0x01
        [IO.File]::WriteAllBytes($c.Copy.Path, $bytes)

        # One damaged set fails its verification with a terminating error carrying the result (issue 14).
        $result = $null
        try { Test-EseBackup -Path $c.Full.Path -ErrorVariable err -ErrorAction SilentlyContinue } catch { $result = $_.TargetObject }
        $result.IsValid | Should -BeFalse
        $bad = @($err | Where-Object { $_.TargetObject.Kind -eq 'BadPage' })
        $bad.Count | Should -Be 1
        $bad[0].TargetObject.File | Should -Be $c.Copy.Path
        $bad[0].TargetObject.PageNumber | Should -Be ($c.Copy.TrailerFilePage - 1)
        $bad[0].Exception.Message | Should -Match 'backup trailer page \(file page \d+, the last page'

        $restored = Join-Path (New-TestFolder 'pester-engine-restore') 'app'
        { Restore-EseBackup -Path $c.Full.Path -Destination $restored -Confirm:$false -ErrorAction Stop } | Should -Throw '*trailer*'
        Test-Path (Join-Path $restored 'Fixture.edb') | Should -BeFalse
    }
}
