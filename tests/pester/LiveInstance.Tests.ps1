# The live-instance cmdlets end to end against the engine model (tests/native/esentmodel.c) standing in
# for esent.dll: the real module in real pwsh, databases and logs written by the fixture writer.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Support/EngineModel.ps1')
    $script:ModelMissing = Get-EngineModelUnavailableReason
}

BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    Add-Type -Path $script:FixturesDll -ErrorAction SilentlyContinue
    . (Join-Path $PSScriptRoot 'Support/EngineModel.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')
    if (-not (Get-EngineModelUnavailableReason)) { Install-EngineModel }

    function script:Open-Live([string] $Name = 'live') {
        $script:Folder = New-LiveFolder $Name
        $script:Instance = Open-EseInstance -DatabasePath $script:Folder.Database.Path -LogPath $script:Folder.Folder -Confirm:$false
        $script:Backups = New-TestFolder 'pester-live-backups'
    }
    function script:Test-BackupOpenInEngine { [EseBackupTests.EngineModelHook]::model_backup_in_progress([uint64]$script:Instance.Handle.ToInt64()) -eq 1 }
}

AfterAll {
    Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
    Uninstall-EngineModel
}

Describe 'Live instance cmdlets against the engine model' -Skip:([bool]$script:ModelMissing) {
    BeforeEach { Install-EngineModel; Open-Live }
    AfterEach { $script:Instance | Close-EseInstance -ErrorAction SilentlyContinue }

    It 'backs up an instance held in a variable: full with truncation, then incremental, and the sets verify' {
        $full = Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -TruncateLog -Confirm:$false
        $full.Kind | Should -Be 'Full'
        @($full.Files | Where-Object Role -eq 'Log').Name | Should -Be @('edb00005.log')
        Test-Path (Join-Path $script:Folder.Folder 'edb00004.log') | Should -BeFalse -Because 'logs below the checkpoint were truncated'

        $incr = Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -Incremental -TruncateLog -Confirm:$false
        $incr.Kind | Should -Be 'Incremental'
        $incr.LogGenerationLow | Should -Be 5
        (Test-EseBackup -Path $script:Backups | Where-Object { -not $_.IsValid }) | Should -BeNullOrEmpty
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'runs Start -Instance | Read-EseBackupFile | Stop -TruncateLog, and takes the instance from the pipeline' {
        $set = Start-EseExternalBackup -Instance $script:Instance | Read-EseBackupFile -Destination $script:Backups | Stop-EseExternalBackup -TruncateLog -Confirm:$false
        $set.Kind | Should -Be 'Full'
        $db = $set.Files | Where-Object Role -eq 'Database'
        $db.Size | Should -Be ((Get-Item $script:Folder.Database.Path).Length + 8192) -Because 'the engine appends its trailer page'

        $incr = $script:Instance | Start-EseExternalBackup -Incremental | Read-EseBackupFile -Destination $script:Backups | Stop-EseExternalBackup -Confirm:$false
        $incr.Kind | Should -Be 'Incremental'
        Test-BackupOpenInEngine | Should -BeFalse
    }

    It 'still binds piped folders and files to -Path, not -Instance' {
        $stopped = New-LiveFolder 'stopped'
        $set = Get-Item $stopped.Folder | Backup-EseDatabase -Destination $script:Backups
        $set.Source | Should -Be $stopped.Folder
        $session = Get-Item $stopped.Database.Path | Start-EseExternalBackup
        $session.Source | Should -BeOfType ([EseBackup.Core.Sources.SnapshotSource])
        $session | Stop-EseExternalBackup -Abort
    }

    It 'refuses an -Instance that is not an instance and names what it takes' {
        $err = $null
        try { Start-EseExternalBackup -Instance 'not an instance' -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike '*ManagedEsent Instance or JET_INSTANCE*'
        @(Get-EseBackupSession).Count | Should -Be 0
    }

    It 'aborts when the engine fails mid-read: the session ends, the engine backup ends, no set looks complete' {
        [EseBackupTests.EngineModelHook]::model_inject('db-read', -1018, 0)   # JET_errReadVerifyFailure
        # One backup that fails throws (issue 14).
        $err = @(Get-ThrownError { Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -Confirm:$false })
        "$($err[0])" | Should -BeLike '*JET_errReadVerifyFailure*'
        @(Get-EseBackupSession).Count | Should -Be 0
        Test-BackupOpenInEngine | Should -BeFalse
        @(Get-ChildItem $script:Backups -Recurse -Filter manifest.json).Count | Should -Be 0
    }

    It 'completes the set and warns when the engine refuses to truncate' {
        [EseBackupTests.EngineModelHook]::model_inject('truncate', -1022, 0)  # JET_errDiskIO
        $set = Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -TruncateLog -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $set.Kind | Should -Be 'Full'
        "$warn" | Should -BeLike '*not truncated*JET_errDiskIO*'
        [EseBackupTests.EngineModelHook]::model_last_arg('JetEndExternalBackupInstance2', 1) | Should -Be 1 -Because 'the backup ended normally'
        (Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -Incremental -Confirm:$false).Kind | Should -Be 'Incremental'
    }

    It 'Close-EseInstance during an open backup aborts the session and shuts the instance down cleanly' {
        $session = Start-EseExternalBackup -Instance $script:Instance
        $script:Instance | Close-EseInstance -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $session.State | Should -Be 'Aborted'
        [EseBackupTests.EngineModelHook]::model_instance_count() | Should -Be 0
        (Get-EseDatabaseInfo -Path $script:Folder.Database.Path).State | Should -Be 'CleanShutdown'
    }

    It 'removing the module mid-backup aborts the session and closes the instance' {
        $session = Start-EseExternalBackup -Instance $script:Instance | Read-EseBackupFile -Destination $script:Backups
        $session.State | Should -Be 'Read'
        Remove-Module EseBackup
        try {
            $session.State | Should -Be 'Aborted'
            [EseBackupTests.EngineModelHook]::model_instance_count() | Should -Be 0
            @(Get-ChildItem $script:Backups -Recurse -Filter manifest.json).Count | Should -Be 0
        }
        finally {
            Import-Module $env:ESEBACKUP_MODULE_PATH -Force
            Install-EngineModel
        }
    }

    It 'Restore-EseBackup -Recover restores the chain and hands the copies and logs to the engine' {
        Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -TruncateLog -Confirm:$false | Out-Null
        $incr = Backup-EseDatabase -Instance $script:Instance -Destination $script:Backups -Incremental -Confirm:$false
        $restored = Join-Path (New-TestFolder 'pester-live-restore') 'app'
        Restore-EseBackup -Path $incr.Path -Destination $restored -Recover -Confirm:$false -ErrorVariable err | Out-Null
        $err | Should -BeNullOrEmpty
        [EseBackupTests.EngineModelHook]::model_call_count('JetExternalRestore2W') | Should -Be 1
        [EseBackupTests.EngineModelHook]::model_last_arg('JetExternalRestore2W', 2) | Should -Be 5   # JET_LOGINFO.ulGenLow
        [EseBackupTests.EngineModelHook]::model_last_arg('JetExternalRestore2W', 3) | Should -Be $incr.LogGenerationHigh
    }
}
