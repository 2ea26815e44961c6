# Container URLs on the cmdlets (issue 15): a URL is never a provider path, goes to the store registered for it,
# and its SAS is never shown. The store here is the real folder store reached through a URL: a routing TEST
# DOUBLE registered by the test (https://store.test/...), so the cmdlets' URL plumbing runs end to end on real
# files. It says nothing about the Azure Blob store, which has its own tests against Azurite.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')

    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("pester-url-" + [guid]::NewGuid().ToString('N'))
    $script:Store = Join-Path $script:Work 'store'
    $script:Secret = 'sig=SECRETSIGNATURE'
    $script:Url = "https://store.test/backups?sv=2024-01-01&$($script:Secret)"
    $null = New-Item -ItemType Directory -Path $script:Store -Force

    # URLs of host store.test are this folder; any other URL is not served by this double.
    $folder = $script:Store
    $script:Factory = [EseBackup.Core.BackupSets.Stores.BackupStoreFactory] {
        param([uri] $Uri, $Credentials)
        if ($Uri.Host -eq 'store.test') { [EseBackup.Core.BackupSets.Stores.FolderBackupStore]::new($folder) }
    }.GetNewClosure()
    [EseBackup.Core.BackupSets.Stores.BackupStores]::Register('pester-url-double', $script:Factory)

    # Every text a user can see of a call: output, errors, warnings, verbose, -WhatIf (all streams of a child scope).
    function Get-AllText([scriptblock] $Call) {
        $out = & $Call *>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "$_ $($_.TargetObject) $($_.Exception)" } else { $_ | Out-String } }
        ($out -join "`n")
    }
}

AfterAll {
    [EseBackup.Core.BackupSets.Stores.BackupStores]::Unregister('pester-url-double')
    foreach ($folder in @($script:Work, $script:Src)) {
        if ($folder -and (Test-Path $folder)) { Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Container URLs on the set cmdlets' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library is not built at $script:FixturesDll" }
    }

    It 'backs up to, lists, verifies, restores from and prunes a store named by URL, and never shows its SAS' {
        $src = New-WrittenDatabaseFolder 'url-src'
        $script:Src = $src
        # -WhatIf writes to the host: a child pwsh shows what a user sees (the same double registered there).
        $child = Invoke-ChildPwsh -Script @"
Import-Module '$($script:ModulePath)'
`$factory = [EseBackup.Core.BackupSets.Stores.BackupStoreFactory] { param([uri] `$u, `$c) if (`$u.Host -eq 'store.test') { [EseBackup.Core.BackupSets.Stores.FolderBackupStore]::new('$($script:Store)') } }
[EseBackup.Core.BackupSets.Stores.BackupStores]::Register('child-double', `$factory)
Backup-EseDatabase -Path '$src' -Destination '$($script:Url)' -WhatIf -Verbose
"@
        $child.ExitCode | Should -Be 0
        $child.Text | Should -Match 'What if: .*https://store\.test/backups'
        $child.Text | Should -Not -Match 'SECRET'
        @(Get-ChildItem $script:Store -Directory).Count | Should -Be 0

        $full = Backup-EseDatabase -Path $src -Destination $script:Url -Confirm:$false
        $full.Path | Should -BeLike "$($script:Store)*"
        # The later stages take the destination from the session opened with the URL.
        $session = Start-EseExternalBackup -Path $src -Destination $script:Url -Incremental
        $session.DestinationRoot | Should -Be 'https://store.test/backups'
        $incr = $session | Read-EseBackupFile | Stop-EseExternalBackup
        $incr.ParentSetId | Should -Be $full.SetId

        $listed = @(Get-EseBackupSet -Path $script:Url)
        $listed.Name | Should -Be @($incr.Name, $full.Name)
        $verified = @(Test-EseBackup -Path $script:Url)
        $verified.Count | Should -Be 2
        $verified | ForEach-Object { $_.IsValid | Should -BeTrue }
        (Test-EseBackupFreshness -Destination $script:Url -MaxAge '1d') | Should -BeTrue

        # One set by its URL (the SAS after the set name).
        $setUrl = "https://store.test/backups/$($incr.Name)?$($script:Secret)"
        (Get-EseBackupSet -LiteralPath $setUrl).Name | Should -Be $incr.Name
        $restored = Restore-EseBackup -Path $setUrl -Destination (Join-Path $script:Work 'restored') -Confirm:$false
        $restored.Databases.Count | Should -Be 1
        (Get-EseDatabaseInfo -Path $restored.Databases[0]).PageSize | Should -Be 8192

        # Retention over the store. Named by its URL, only that set may go; named by the store URL, the rule applies to all.
        $full2 = Backup-EseDatabase -Path $src -Destination $script:Url -Confirm:$false
        $text = Get-AllText { Remove-EseBackupSet -Path $setUrl -KeepLast 1 -Confirm:$false -Verbose }
        $text | Should -Not -Match 'SECRET'
        @(Get-EseBackupSet -Path $script:Url).Name | Should -Be @($full2.Name, $full.Name)
        Remove-EseBackupSet -Path $script:Url -KeepLast 1 -Confirm:$false
        @(Get-EseBackupSet -Path $script:Url).Name | Should -Be @($full2.Name)
    }

    It 'takes a URL as written: no wildcard expansion, no provider path, and a clear error when no store serves it' {
        $url = "https://unserved.invalid/c[1]/x*?$($script:Secret)"
        $err = $null
        try { $null = Get-EseBackupSet -Path $url -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Not -Match 'PathNotFound'
        "$err" | Should -Match 'unserved\.invalid'
        "$err $($err.TargetObject) $($err.Exception)" | Should -Not -Match 'SECRET'

        $text = Get-AllText {
            try { Test-EseBackup -Path $url -ErrorAction Stop } catch { $_ }
            try { Test-EseBackupFreshness -Destination $url -MaxAge 1d -ErrorAction Stop } catch { $_ }
            try { Restore-EseBackup -Path $url -Destination (Join-Path $script:Work 'never') -Confirm:$false -ErrorAction Stop } catch { $_ }
            try { Backup-EseDatabase -Path $script:Src -Destination $url -Confirm:$false -ErrorAction Stop } catch { $_ }
        }
        $text | Should -Match 'unserved\.invalid'
        $text | Should -Not -Match 'SECRET'
        $text | Should -Not -Match 'Cannot find path'
        Test-Path (Join-Path $script:Work 'never') | Should -BeFalse
    }
}
