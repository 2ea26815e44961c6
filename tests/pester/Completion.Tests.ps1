# Tab completion of paths: the inspection cmdlets (-Path / -LiteralPath of Get-EseDatabaseInfo, Test-EseDatabase,
# Get-EseLogFile, Get-EseCheckpoint) complete folders and the ESE files of the kind the command reads, recognised by
# content; BackupSetPathCompleter completes set folders under a destination. Driven through TabExpansion2, the
# same entry point the console's Tab key uses, on real ESE folders and fixture-writer folders.
BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:RealEse = Join-Path $script:RepoRoot '../shared/fixtures/real-ese'
    $script:HasRealEse = Test-Path (Join-Path $script:RealEse 'appdata-folder/edb')
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    $script:Sep = [IO.Path]::DirectorySeparatorChar

    # What Tab offers at the end of $Line (the list-item names and the texts it would insert).
    function Get-Completion([string] $Line) {
        $result = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
        @($result.CompletionMatches)
    }
    function New-TestFolder([string] $Hint) {
        $p = Join-Path ([IO.Path]::GetTempPath()) ("$Hint-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $p | Out-Null
        $p
    }
    function New-FixtureFolder([string] $Folder) {
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 32
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 3
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($Folder, $spec)
    }
}

Describe 'Completion of ESE files on real ESE folders' {
    BeforeAll {
        if ($script:HasRealEse) { Push-Location $script:RealEse }
    }
    AfterAll {
        if ($script:HasRealEse) { Pop-Location }
    }
    BeforeEach {
        if (-not $script:HasRealEse) { Set-ItResult -Skipped -Because "real ESE fixtures are absent (expected at $script:RealEse)" }
    }

    It 'Get-EseDatabaseInfo offers only the database of appdata-folder/edb, relative to the current location' {
        $matches = Get-Completion 'Get-EseDatabaseInfo appdata-folder/edb/'
        @($matches.ListItemText) | Should -Be @('IndexedDB.edb')
        $matches[0].CompletionText | Should -Be 'appdata-folder/edb/IndexedDB.edb'
        $matches[0].ResultType | Should -Be 'ProviderItem'
    }

    It 'Get-EseLogFile offers the logs with headers, not the checkpoint, database or zero-filled reserve logs' {
        @((Get-Completion 'Get-EseLogFile appdata-folder/edb/').ListItemText) | Should -Be @('edb.log', 'edb0000D.log')
    }

    It 'Get-EseCheckpoint -LiteralPath offers only the checkpoint' {
        @((Get-Completion 'Get-EseCheckpoint -LiteralPath appdata-folder/edb/').ListItemText) | Should -Be @('edb.chk')
    }

    It 'Test-EseDatabase recognises databases by content whatever their extension (.mdb, .dat) and filters by the typed prefix' {
        $all = @((Get-Completion 'Test-EseDatabase dissect-esedb/').ListItemText)
        $all | Should -Contain 'Current.mdb'
        $all | Should -Contain 'SRUDB.dat'
        $all | Should -Contain 'basic.edb'
        @((Get-Completion 'Test-EseDatabase dissect-esedb/b').ListItemText) | Should -Be @('basic.edb', 'binary.edb')
    }

    It 'offers folders (every inspection cmdlet also takes a folder) as containers' {
        $matches = Get-Completion 'Get-EseDatabaseInfo ./app'
        @($matches.ListItemText) | Should -Be @('appdata-folder')
        $matches[0].CompletionText | Should -Be './appdata-folder'
        $matches[0].ResultType | Should -Be 'ProviderContainer'
    }
}

Describe 'Completion of ESE files in fixture-writer folders' {
    BeforeAll {
        if ($script:HasFixtures) {
            $script:Root = New-TestFolder 'pester-complete'
            $script:Db = Join-Path $script:Root 'my db'
            New-FixtureFolder $script:Db
            # Files that are not what their names say: completion must read them, not trust the extension.
            [IO.File]::WriteAllBytes((Join-Path $script:Db 'fake.edb'), [byte[]]::new(16384))
            Set-Content -LiteralPath (Join-Path $script:Db 'notes.txt') -Value 'not ESE'
        }
    }
    AfterAll {
        if ($script:Root) { Remove-Item $script:Root -Recurse -Force -ErrorAction SilentlyContinue }
    }
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'offers the generated database and not a zero-filled .edb or a text file' {
        @((Get-Completion "Get-EseDatabaseInfo '$($script:Db)$($script:Sep)").ListItemText) | Should -Be @('Fixture.edb')
    }

    It 'offers the generated logs to Get-EseLogFile' {
        @((Get-Completion "Get-EseLogFile '$($script:Db)$($script:Sep)").ListItemText) | Should -Be @('edb.log', 'edb00001.log', 'edb00002.log')
    }

    It 'quotes a folder name with a space, and keeps the quote the user opened' {
        Push-Location $script:Root
        try {
            $matches = Get-Completion 'Test-EseDatabase my'
            @($matches.CompletionText) | Should -Be @("'my db'")
            $inside = Get-Completion "Test-EseDatabase 'my db/F"
            @($inside.CompletionText) | Should -Be @("'my db/Fixture.edb'")
        }
        finally { Pop-Location }
    }

    It '<Command> -<Parameter> offers the database through Tab once the cmdlet carries EseFileCompleter' -ForEach @(
        @{ Command = 'Backup-EseDatabase'; Parameter = 'Path' }, @{ Command = 'Backup-EseDatabase'; Parameter = 'LiteralPath' }
        @{ Command = 'Start-EseExternalBackup'; Parameter = 'Path' }, @{ Command = 'Start-EseExternalBackup'; Parameter = 'LiteralPath' }
    ) {
        $completer = (Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
        if (-not $completer) { Set-ItResult -Skipped -Because "$Command -$Parameter has no [ArgumentCompleter(typeof(EseFileCompleter))] yet"; return }
        @((Get-Completion "$Command -$Parameter '$($script:Db)$($script:Sep)").ListItemText) | Should -Be @('Fixture.edb')
    }

    It 'escapes wildcard characters in names for -Path, not for -LiteralPath' {
        $odd = Join-Path $script:Root 'odd'
        $null = New-Item -ItemType Directory $odd
        Copy-Item (Join-Path $script:Db 'Fixture.edb') (Join-Path $odd 'db[1].edb')
        $viaPath = @(Get-Completion "Get-EseDatabaseInfo -Path '$odd$($script:Sep)")
        $viaPath.CompletionText | Should -Be @("'$odd$($script:Sep)db``[1``].edb'")
        # What -Path completes must find the file.
        (Get-EseDatabaseInfo -Path ($viaPath[0].CompletionText.Trim("'"))).Path | Should -Be (Join-Path $odd 'db[1].edb')
        @(Get-Completion "Get-EseDatabaseInfo -LiteralPath '$odd$($script:Sep)").CompletionText | Should -Be @("'$odd$($script:Sep)db[1].edb'")
    }

    It 'offers nothing (and does not fail or add to $Error) for a folder that does not exist' {
        $before = $Error.Count
        @(Get-Completion "Get-EseDatabaseInfo '$($script:Root)$($script:Sep)no-such-folder$($script:Sep)").Count | Should -Be 0
        $Error.Count | Should -Be $before
    }

    It 'resolves PowerShell drives and keeps the drive name the user typed' {
        $null = New-PSDrive -Name EseCompletion -PSProvider FileSystem -Root $script:Db -Scope Global
        try {
            $matches = Get-Completion 'Get-EseDatabaseInfo EseCompletion:/'
            @($matches.ListItemText) | Should -Be @('Fixture.edb')
            $matches[0].CompletionText | Should -Be 'EseCompletion:/Fixture.edb'
        }
        finally { Remove-PSDrive EseCompletion -Scope Global }
    }
}

Describe 'BackupSetPathCompleter' {
    BeforeAll {
        if ($script:HasFixtures) {
            $script:Root = New-TestFolder 'pester-complete-sets'
            $script:Source = Join-Path $script:Root 'source'
            New-FixtureFolder $script:Source
            $script:Destination = Join-Path $script:Root 'backups'
            $null = New-Item -ItemType Directory $script:Destination
            $script:Full = Backup-EseDatabase -Path $script:Source -Destination $script:Destination
            # A killed run: named like a set, no manifest. And a folder that is not a set.
            $script:Incomplete = Join-Path $script:Destination '20200101-000000-full'
            $null = New-Item -ItemType Directory $script:Incomplete
            $null = New-Item -ItemType Directory (Join-Path $script:Destination 'archive')
            $script:Completer = [EseBackup.PowerShell.Completion.BackupSetPathCompleter]::new()
        }
    }
    AfterAll {
        if ($script:Root) { Remove-Item $script:Root -Recurse -Force -ErrorAction SilentlyContinue }
    }
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'offers the set folders under a destination newest first, then the other folders' {
        $word = "$($script:Destination)$($script:Sep)"
        $matches = @($script:Completer.CompleteArgument('Test-EseBackup', 'Path', $word, $null, @{}))
        @($matches.ListItemText) | Should -Be @($script:Full.Name, '20200101-000000-full', 'archive')
        $matches[0].CompletionText | Should -Be (Join-Path $script:Destination $script:Full.Name)
        $matches[0].ToolTip | Should -Not -Match 'incomplete'
        $matches[1].ToolTip | Should -Match 'incomplete'
    }

    It 'walks down from a relative folder prefix' {
        Push-Location $script:Root
        try {
            $matches = @($script:Completer.CompleteArgument('Restore-EseBackup', 'Path', 'back', $null, @{}))
            @($matches.CompletionText) | Should -Be @('backups')
            $inside = @($script:Completer.CompleteArgument('Restore-EseBackup', 'Path', "backups$($script:Sep)2", $null, @{}))
            @($inside.ListItemText) | Should -Be @($script:Full.Name, '20200101-000000-full')
        }
        finally { Pop-Location }
    }

    It 'completes -Path of <Command> through Tab once the cmdlet carries the completer' -ForEach @(
        @{ Command = 'Test-EseBackup' }, @{ Command = 'Get-EseBackupSet' }, @{ Command = 'Restore-EseBackup' }
    ) {
        $cmd = Get-Command $Command -ErrorAction SilentlyContinue
        if (-not $cmd) { Set-ItResult -Skipped -Because "$Command is not in the module yet"; return }
        $completer = $cmd.Parameters['Path'].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
        if (-not $completer) { Set-ItResult -Skipped -Because "$Command -Path has no [ArgumentCompleter(typeof(BackupSetPathCompleter))] yet"; return }
        $line = "$Command -Path '$($script:Destination)$($script:Sep)"
        @((Get-Completion $line).ListItemText) | Should -Contain $script:Full.Name
    }
}
