BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:FixturesDll = Join-Path $PSScriptRoot '../EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    Add-Type -Path $script:FixturesDll

    function New-SourceFolder([string] $Name) {
        $folder = Join-Path $TestDrive $Name
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 64
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 3
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($folder, $spec)
        $folder
    }
}

Describe 'Test-EseBackupFreshness' {
    It 'is false without a destination, true after a full backup, false once the backup is older than MaxAge' {
        $src = New-SourceFolder 'fresh-src'
        $dest = Join-Path $TestDrive 'fresh-dest'
        Test-EseBackupFreshness -Destination $dest -MaxAge '01:00:00' | Should -BeFalse
        (Test-EseBackupFreshness -Destination $dest -MaxAge '01:00:00' -Detailed).Reason | Should -BeLike '*does not exist*'

        $set = Backup-EseDatabase -Path $src -Destination $dest
        Test-EseBackupFreshness -Destination $dest -SourcePath $src -MaxAge '01:00:00' | Should -BeTrue
        $detail = Test-EseBackupFreshness -Destination $dest -MaxAge '01:00:00' -Detailed
        $detail.NewestFullSet.SetId | Should -Be $set.SetId
        $detail.Reason | Should -BeLike "*$($set.Name)*within*"

        Start-Sleep -Seconds 2
        Test-EseBackupFreshness -Destination $dest -MaxAge '00:00:01' | Should -BeFalse
        (Test-EseBackupFreshness -Destination $dest -MaxAge '00:00:01' -Detailed).Reason | Should -BeLike '*older than*'
    }

    It 'counts only full backups of the named source' {
        $src = New-SourceFolder 'fresh-src2'
        $other = New-SourceFolder 'fresh-other'
        $dest = Join-Path $TestDrive 'fresh-dest2'
        $null = Backup-EseDatabase -Path $other -Destination $dest
        Test-EseBackupFreshness -Destination $dest -SourcePath $src -MaxAge '01:00:00' | Should -BeFalse
        Test-EseBackupFreshness -Destination $dest -SourcePath $other -MaxAge '01:00:00' | Should -BeTrue
    }

    It 'rejects a MaxAge under a second, and a bare number (which would be ticks)' {
        # Issue 14: -MaxAge 24 meant 24 ticks; an age needs a unit and must be at least a second.
        { Test-EseBackupFreshness -Destination $TestDrive -MaxAge '00:00:00' -ErrorAction Stop } | Should -Throw '*under a second*'
        { Test-EseBackupFreshness -Destination $TestDrive -MaxAge 24 } | Should -Throw "*-MaxAge '24' is not an age*'24h'*"
        { Test-EseBackupFreshness -Destination $TestDrive -MaxAge ([timespan]::FromMilliseconds(500)) } | Should -Throw '*under a second*'
    }

    It 'reads ages written as 24h, 7d, 90m, 2w and d.hh:mm:ss' -ForEach @(
        @{ Text = '24h'; Expected = [timespan]::FromHours(24) }
        @{ Text = '7d'; Expected = [timespan]::FromDays(7) }
        @{ Text = '90m'; Expected = [timespan]::FromMinutes(90) }
        @{ Text = '2w'; Expected = [timespan]::FromDays(14) }
        @{ Text = '1.12:00:00'; Expected = [timespan]::FromHours(36) }
    ) {
        (Test-EseBackupFreshness -Destination (Join-Path $TestDrive 'none') -MaxAge $Text -Detailed).MaxAge | Should -Be $Expected
    }
}

Describe 'EseFullBackup DSC resource' {
    BeforeAll {
        $script:Dsc = (Get-Module EseBackup).NestedModules | Where-Object Name -eq 'EseBackupDsc'
    }

    It 'is exported by the manifest' {
        (Import-PowerShellDataFile $env:ESEBACKUP_MODULE_PATH).DscResourcesToExport | Should -Contain 'EseFullBackup'
        $script:Dsc | Should -Not -BeNullOrEmpty
    }

    It 'tests false, sets a full backup, then tests true and gets the set' {
        $src = New-SourceFolder 'dsc-src'
        $dest = Join-Path $TestDrive 'dsc-dest'
        $resource = & $script:Dsc { [EseFullBackup]::new() }
        $resource.Destination = $dest
        $resource.SourcePath = $src
        $resource.MaxAgeHours = 1
        $resource.Test() | Should -BeFalse
        $resource.Set()
        $resource.Test() | Should -BeTrue
        $state = $resource.Get()
        $state.NewestFullBackup | Should -BeLike "$dest*"
        $state.NewestFullTime | Should -Not -BeNullOrEmpty
        @(Get-ChildItem $dest -Directory).Count | Should -Be 1
    }
}
