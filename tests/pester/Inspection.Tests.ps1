BeforeDiscovery {
    $script:RealRoot = Join-Path $PSScriptRoot '../../../shared/fixtures/real-ese'
    $script:HasReal = Test-Path (Join-Path $script:RealRoot 'PROVENANCE.md')
    $script:RealDatabases = @(
        @{ File = 'appdata-folder/edb/IndexedDB.edb'; PageSize = 32768; State = 'CleanShutdown'; Logs = '0-0' }
        @{ File = 'dissect-esedb/large.edb'; PageSize = 32768; State = 'CleanShutdown'; Logs = '0-0' }
        @{ File = 'go-ese/qmgr.db'; PageSize = 16384; State = 'DirtyShutdown'; Logs = '23-23' }
        @{ File = 'go-ese/ual-hyperv/Current.mdb'; PageSize = 4096; State = 'DirtyShutdown'; Logs = '124-124' }
        @{ File = 'ravendb-esent/Data'; PageSize = 4096; State = 'DirtyShutdown'; Logs = '1-1' }
        @{ File = 'dissect-esedb/basic.edb'; PageSize = 4096; State = 'CleanShutdown'; Logs = '0-0' }
    )
}

BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:RealRoot = Join-Path $PSScriptRoot '../../../shared/fixtures/real-ese'
    if (-not (Test-Path (Join-Path $script:RealRoot 'PROVENANCE.md'))) {
        Write-Warning "Real ESE files not found at $script:RealRoot (../shared beside the checkout): tests that need them are skipped."
    }
    function Real([string] $relative) { Join-Path $script:RealRoot $relative }
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')
}

Describe 'Get-EseDatabaseInfo on real databases' -Skip:(-not $script:HasReal) {
    It 'reads <File> as <State>, <PageSize>-byte pages, logs <Logs>' -ForEach $script:RealDatabases {
        $h = Get-EseDatabaseInfo -Path (Real $File)
        $h.PageSize | Should -Be $PageSize
        $h.State.ToString() | Should -Be $State
        $h.RequiredLogs | Should -Be $Logs
        $h.HeaderChecksumValid | Should -BeTrue
        $h.ShadowHeaderMatches | Should -BeTrue
    }

    It 'lists every database of a folder, recognised by content' {
        $all = Get-EseDatabaseInfo -Path (Real 'go-ese/ual-hyperv')
        $all.Count | Should -Be 3
        ($all | Where-Object State -eq 'DirtyShutdown').Path | Should -BeLike '*Current.mdb'
    }

    It 'binds FileInfo objects from Get-ChildItem by property name' {
        $h = Get-ChildItem -LiteralPath (Real 'dissect-esedb') -Filter '*.edb' | Get-EseDatabaseInfo
        $h.Count | Should -Be 7
    }
}

Describe 'Test-EseDatabase' -Skip:(-not $script:HasReal) {
    It 'finds no bad page in a healthy real database' {
        $r = Test-EseDatabase -Path (Real 'dissect-esedb/large.edb')
        $r.IsValid | Should -BeTrue
        $r.BadPageCount | Should -Be 0
        $r.PagesChecked | Should -Be (25165824 / 32768)
    }

    It 'reports the 16 bad pages of SRUDB.dat as errors and in the result, then fails the verification asked for' {
        # New contract (issue 14): one database that fails verification is a terminating error carrying the result;
        # each bad page is still its own non-terminating error before it.
        $thrown = $null
        try { Test-EseDatabase -Path (Real 'dissect-esedb/SRUDB.dat') -ErrorVariable all -ErrorAction SilentlyContinue } catch { $thrown = $_ }
        $errs = @($all | Where-Object { $_.FullyQualifiedErrorId -like 'BadPageChecksum*' })
        $thrown.FullyQualifiedErrorId | Should -BeLike 'DatabaseVerificationFailed*'
        $thrown.CategoryInfo.Category | Should -Be 'InvalidData'
        $thrown.Exception.Message | Should -BeLike '*SRUDB.dat*16 of 160 page(s)*page 143*'
        $r = $thrown.TargetObject
        $r.BadPageCount | Should -Be 16
        @($r.BadPages.PageNumber) | Should -Be @(143..158)
        $errs.Count | Should -Be 16
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'BadPageChecksum*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject.PageNumber | Should -Be 143
        $errs[0].Exception.Message | Should -BeLike '*SRUDB.dat*page 143*'
    }

    It 'stops at the first bad page with -ErrorAction Stop' {
        { Test-EseDatabase -Path (Real 'dissect-esedb/SRUDB.dat') -ErrorAction Stop } | Should -Throw '*page 143*'
    }

    It 'reports a bit flipped in a copy with its page number' {
        $copy = Join-Path $TestDrive 'flipped.edb'
        Copy-Item (Real 'go-ese/qmgr.db') $copy
        $bytes = [IO.File]::ReadAllBytes($copy)
        $bytes[16384 * 12 + 1000] = $bytes[16384 * 12 + 1000] -bxor 0x10
        [IO.File]::WriteAllBytes($copy, $bytes)
        $r = (Get-ThrownError { Test-EseDatabase -Path $copy -ErrorAction SilentlyContinue }).TargetObject
        @($r.BadPages.PageNumber) | Should -Be @(11)
        $r.BadPages[0].CorrectableBit | Should -Be (1000 * 8 + 4)
    }
}

Describe 'Get-EseLogFile and Get-EseCheckpoint on real folders' -Skip:(-not $script:HasReal) {
    It 'sorts a folder by generation and warns about the gap' {
        $logs = Get-EseLogFile -Path (Real 'appdata-folder/edb') -WarningVariable warn -WarningAction SilentlyContinue
        @($logs.Generation) | Should -Be @(1, 13)
        $logs[0].IsCurrent | Should -BeTrue
        $logs[1].MissingGenerationsBefore | Should -Be 11
        $warn.Count | Should -Be 1
        "$warn" | Should -BeLike '*generations 2-12*missing*'
    }

    It 'reads .jtx logs and lists reserve and temp logs on request' {
        $logs = Get-EseLogFile -Path (Real 'appdata-folder/uss') -IncludeReserve -WarningAction Stop
        @($logs | Where-Object Kind -eq 'Archived' | ForEach-Object Generation) | Should -Be @(64, 65)
        @($logs | Where-Object Kind -eq 'Temp').Generation | Should -Be 63
        @($logs | Where-Object Kind -eq 'Reserve').IsZeroFilled | Should -BeTrue
    }

    It 'reads a checkpoint and the newest log beside it with the same signature' {
        $chk = Get-EseCheckpoint -Path (Real 'appdata-folder/edb/edb.chk')
        $chk.CheckpointGeneration | Should -Be 1
        $chk.NewestLogGeneration | Should -Be 1
        $chk.LogSignature.Random | Should -Be (Get-EseDatabaseInfo (Real 'appdata-folder/edb/IndexedDB.edb')).LogSignature.Random
    }

    It 'names the kind of file when a log is passed as a database and the reverse' {
        # One file that cannot be read is the one job failing: terminating (issue 14).
        $e1 = @(Get-ThrownError { Get-EseDatabaseInfo -Path (Real 'appdata-folder/edb/edb0000D.log') })
        $e1[0].Exception.Message | Should -BeLike '*edb0000D.log*transaction log, not a database*Get-EseLogFile*'
        $e1[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $e1[0].TargetObject | Should -BeLike '*edb0000D.log'
        $e2 = @(Get-ThrownError { Get-EseLogFile -Path (Real 'dissect-esedb/basic.edb') })
        $e2[0].Exception.Message | Should -BeLike '*basic.edb*database, not a transaction log*'
        $e3 = @(Get-ThrownError { Get-EseCheckpoint -Path (Real 'appdata-folder/edb/edb.log') })
        $e3[0].Exception.Message | Should -BeLike '*edb.log*transaction log, not a checkpoint*'
    }
}

Describe 'Bad input to the inspection cmdlets' {
    BeforeAll {
        $script:Empty = Join-Path $TestDrive 'empty.edb'
        Set-Content -LiteralPath $script:Empty -Value $null -NoNewline
        $script:Text = Join-Path $TestDrive 'readme.edb'
        Set-Content -LiteralPath $script:Text -Value ('not a database ' * 1000)
        $script:Short = Join-Path $TestDrive 'short.edb'
        [IO.File]::WriteAllBytes($script:Short, [byte[]]::new(1000))
    }

    It 'says an empty file is empty' {
        $e = @(Get-ThrownError { Get-EseDatabaseInfo -Path $script:Empty })
        $e[0].Exception.Message | Should -BeLike '*empty.edb*is empty*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'says a short file is shorter than a page' {
        $e = @(Get-ThrownError { Test-EseDatabase -Path $script:Short })
        $e[0].Exception.Message | Should -BeLike '*short.edb*shorter than one database page*'
    }

    It 'says a foreign file is not ESE' {
        $e = @(Get-ThrownError { Get-EseDatabaseInfo -Path $script:Text })
        $e[0].Exception.Message | Should -BeLike '*readme.edb*not an ESE file*'
        $e2 = @(Get-ThrownError { Get-EseLogFile -Path $script:Text })
        $e2[0].Exception.Message | Should -BeLike '*readme.edb*not an ESE transaction log*'
    }

    It 'reports a missing path as not found' {
        $e = @(Get-ThrownError { Get-EseDatabaseInfo -Path (Join-Path $TestDrive 'nope.edb') })
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].TargetObject | Should -BeLike '*nope.edb'
    }

    It 'writes a non-terminating error per failing file among several, and reads the others' {
        $good = Join-Path $TestDrive 'copy-of-good.edb'
        if (Test-Path (Real 'PROVENANCE.md')) { Copy-Item (Real 'dissect-esedb/basic.edb') $good } else { Set-ItResult -Skipped -Because 'real ESE fixtures are absent'; return }
        $headers = Get-EseDatabaseInfo -Path $script:Text, $good, (Join-Path $TestDrive 'nope.edb') -ErrorVariable e -ErrorAction SilentlyContinue
        $succeeded = $?
        $succeeded | Should -BeFalse
        @($headers).Count | Should -Be 1
        $e.Count | Should -Be 2
        @($e.TargetObject | Sort-Object) | Should -Be @((Join-Path $TestDrive 'nope.edb'), $script:Text)
    }

    It 'finds no database in an empty folder, for Test-EseDatabase as for Get-EseDatabaseInfo' {
        # Test-EseDatabase now takes folders as Get-EseDatabaseInfo does (issue 14), so an empty one has no database.
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'empty-folder')
        $e = @(Get-ThrownError { Test-EseDatabase -Path $dir.FullName })
        $e[0].Exception.Message | Should -BeLike '*holds no ESE database*'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e2 = @(Get-ThrownError { Get-EseDatabaseInfo -Path $dir.FullName })
        $e2[0].Exception.Message | Should -BeLike '*holds no ESE database*'
    }

    It 'never shows a stack trace for bad input' {
        $e = @(Get-ThrownError { Get-EseDatabaseInfo -Path $script:Text })
        $e[0].Exception.Message | Should -Not -BeLike '*   at *'
        $e[0].Exception.GetType().Name | Should -Be 'EseFormatException'
    }
}
