# A session nobody stops is aborted once idle for -IdleTimeout: the source leaves backup mode, the next
# command warns, and a stage given the session says it was aborted for idleness.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')

}

Describe 'Start-EseExternalBackup -IdleTimeout' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
        Get-EseBackupSession | Stop-EseExternalBackup -Abort -Confirm:$false
        $null = Get-EseBackupSession -WarningAction SilentlyContinue   # reports left over from other tests
    }

    It 'aborts a forgotten session once idle, warns, and frees the folder for the next backup' {
        $src = New-WrittenDatabaseFolder 'pester-idle-src'
        $dest = New-TestFolder 'pester-idle-sets'
        Start-EseExternalBackup -Path $src -IdleTimeout 00:00:05 | Read-EseBackupFile -Destination $dest | Out-Null

        $open = @(Get-EseBackupSession | Where-Object SourceKey -eq $src)
        $open.Count | Should -Be 1
        $session = $open[0]
        $session.State | Should -Be 'Read'
        $session.IdleTimeout | Should -Be ([timespan]'00:00:05')
        $session.IdleTime | Should -BeLessThan ([timespan]'00:00:05')
        ($open | Format-Table | Out-String) | Should -Match '\bIdle\b'

        # Another backup of the folder is refused while the forgotten session holds it.
        { Start-EseExternalBackup -Path $src -ErrorAction Stop } | Should -Throw '*already in progress*'

        $deadline = [datetime]::UtcNow.AddSeconds(60)
        while ($session.IsOpen -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $session.State | Should -Be 'Aborted'
        $session.AbortedForIdleness | Should -BeTrue

        $listed = @(Get-EseBackupSession -WarningVariable warnings -WarningAction SilentlyContinue)
        $listed | Where-Object Id -eq $session.Id | Should -BeNullOrEmpty
        $idle = @($warnings | Where-Object { "$_" -like "*$($session.Id)*" })
        $idle.Count | Should -Be 1
        "$($idle[0])" | Should -Match 'aborted.*idle'

        # A stage given the aborted session says why it ended.
        { $session | Stop-EseExternalBackup } | Should -Throw "*backup session $($session.Id) was idle*"

        # The source really left backup mode: the folder backs up again at once.
        $again = Start-EseExternalBackup -Path $src
        $again.IsOpen | Should -BeTrue
        $again | Stop-EseExternalBackup -Abort -Confirm:$false
    }

    It 'shows the idle time growing while nobody uses the session, and a stage resets it' {
        $src = New-WrittenDatabaseFolder 'pester-idle-src'
        $session = Start-EseExternalBackup -Path $src -IdleTimeout 00:10:00
        Start-Sleep -Milliseconds 1200
        $shown = Get-EseBackupSession | Where-Object Id -eq $session.Id
        $before = $shown.IdleTime
        $before | Should -BeGreaterThan ([timespan]'00:00:01')
        $shown.IdleTimeout | Should -Be ([timespan]'00:10:00')
        $null = $session | Read-EseBackupFile -Destination (New-TestFolder 'pester-idle-sets')
        $session.IdleTime | Should -BeLessThan $before
        $session | Stop-EseExternalBackup | Should -Not -BeNullOrEmpty
    }

    It 'refuses a timeout that is not positive' {
        $src = New-WrittenDatabaseFolder 'pester-idle-src'
        { Start-EseExternalBackup -Path $src -IdleTimeout 0 -ErrorAction Stop } | Should -Throw '*positive*'
        Get-EseBackupSession | Where-Object SourceKey -eq $src | Should -BeNullOrEmpty
    }
}
