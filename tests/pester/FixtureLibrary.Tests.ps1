# The fixture library as the demo and the benchmarks use it: loaded with Add-Type into real pwsh,
# driven with hashtable-built specs, its files read back by the module's own cmdlets.
BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = @('Release', 'Debug') |
        ForEach-Object { Join-Path $repo "tests/EseBackup.Fixtures/bin/$_/netstandard2.0/EseBackup.Fixtures.dll" } |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $script:FixturesDll) { throw "EseBackup.Fixtures.dll is not built under tests/EseBackup.Fixtures/bin: build the solution first." }
    Add-Type -Path $script:FixturesDll
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) "fixture-pester-$([guid]::NewGuid().ToString('N'))"
}

AfterAll {
    if ($script:Work -and (Test-Path $script:Work)) { Remove-Item $script:Work -Recurse -Force }
}

Describe 'EseBackup.Fixtures from PowerShell' {
    It 'writes a dirty database folder that the module reads as one consistent set' {
        $folder = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder((Join-Path $script:Work 'dirty'), [EseBackup.Fixtures.DatabaseFolderSpec]@{
            Database = [EseBackup.Fixtures.DatabaseSpec]@{ PageSize = 16384; State = 'DirtyShutdown'; RecordCount = 200 }
            Logs     = [EseBackup.Fixtures.LogSetSpec]@{ BaseName = 'E00'; FirstGeneration = 5; LastGeneration = 9; LogFileSize = 256KB }
        })

        $db = Get-EseDatabaseInfo -Path $folder.Database.Path
        $db.State.ToString() | Should -Be 'DirtyShutdown'
        $db.PageSize | Should -Be 16384
        $db.RequiredLogs | Should -Be '8-9'
        $db.LogSignature | Should -Be $folder.LogSignature

        $logs = @(Get-EseLogFile -Path $folder.Folder)
        ($logs | Where-Object { $_.Generation -gt 0 }).Generation | Sort-Object | Should -Be @(5, 6, 7, 8, 9)
        (Get-EseCheckpoint -Path $folder.CheckpointPath).CheckpointGeneration | Should -Be 8
    }

    It 'writes a database whose every page Test-EseDatabase finds valid' {
        $spec = [EseBackup.Fixtures.DatabaseSpec]@{ PageSize = 4096; RecordCount = 1000; PageCount = 2048 }
        $db = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabase((Join-Path $script:Work 'valid.edb'), $spec)
        $db.Rows.Count | Should -Be 1000
        $result = Test-EseDatabase -Path $db.Path
        $result.IsValid | Should -BeTrue
        $result.ValidPages | Should -Be (2048 + 2) # with the two header pages
    }
}
