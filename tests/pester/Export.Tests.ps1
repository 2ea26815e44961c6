# Issue 14: one time convention (UTC with a Z: set names, objects, views, -WhatIf and Verbose texts) and objects
# that export cleanly (Export-Csv / ConvertTo-Json read back with Import-Csv / ConvertFrom-Json, field by field
# against the live objects). Real module, real pwsh (child processes and Start-Job), fixture-writer folders.
#
# What PowerShell honours, measured here: Export-Csv writes every visible property (adapted and extended; hidden
# members are left out) as its ToString text; ConvertTo-Json writes every public .NET property by reflection plus
# the visible extended members, cuts at -Depth 2 with a warning, and writes an enum as a number unless it is
# Int64-based. So the deep parts of a set are methods with hidden properties in front (types.ps1xml), problem
# lists have a one-line ToString, and the exported enums are Int64-based.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:Invariant = [cultureinfo]::InvariantCulture

    # What a failing verification writes before its terminating error. Its per-problem errors come first and are
    # non-terminating; under the suite's $ErrorActionPreference = 'Stop' they would end it before the result.
    function Get-Written([scriptblock] $Command) {
        $ErrorActionPreference = 'SilentlyContinue'
        $written = [System.Collections.Generic.List[object]]::new()
        try { & $Command | ForEach-Object { $written.Add($_) } } catch { }
        $written
    }

    function Set-FlippedByte([string] $File, [long] $Offset) {
        $bytes = [IO.File]::ReadAllBytes($File)
        $bytes[$Offset] = $bytes[$Offset] -bxor 0x04
        [IO.File]::WriteAllBytes($File, $bytes)
    }

    # The text Export-Csv writes for a value: collections and objects by their ToString, scalars in the invariant culture.
    function Get-CsvText($Value) {
        if ($null -eq $Value) { return '' }
        if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) { return $Value.ToString() }
        if ($Value -is [double]) { return $Value.ToString('R', $script:Invariant) }
        [System.Management.Automation.LanguagePrimitives]::ConvertTo($Value, [string], $script:Invariant)
    }

    # Every cell of an Import-Csv row against the live object it was exported from; times as instants to the second.
    function Assert-CsvRow($Row, $Live) {
        $names = @($Row.PSObject.Properties.Name)
        $names.Count | Should -BeGreaterThan 3
        foreach ($name in $names) {
            $cell = $Row.$name
            $cell | Should -Not -Match 'System\.Collections|EseBackup\.Core\.' -Because "column $name must hold a value, not a type name"
            $value = $Live.$name
            if ($value -is [DateTimeOffset]) {
                $cell | Should -Match '\+00:00$' -Because "column $name is a UTC instant and says so"
                [DateTimeOffset]::Parse($cell, $script:Invariant) | Should -Be ([DateTimeOffset]::new($value.UtcTicks - $value.UtcTicks % [TimeSpan]::TicksPerSecond, [TimeSpan]::Zero)) -Because "column $name"
            }
            else { $cell | Should -BeExactly (Get-CsvText $value) -Because "column $name" }
        }
    }

    # ConvertTo-Json without -Depth: no truncation warning, enums by name, times as UTC instants, no nested set or manifest.
    function Assert-JsonObject($Live, [string[]] $Absent) {
        $json = $Live | ConvertTo-Json -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings) | Should -BeNullOrEmpty -Because 'the object fits the default depth'
        $back = $json | ConvertFrom-Json
        foreach ($name in $Absent) { $back.PSObject.Properties.Name | Should -Not -Contain $name }
        foreach ($p in $back.PSObject.Properties) {
            $value = $Live.($p.Name)
            if ($null -eq $value) { $p.Value | Should -BeNullOrEmpty -Because $p.Name; continue }
            switch (, $value) {  # the comma: a list is one value here, not items to switch over
                { $_ -is [enum] } { $p.Value | Should -BeExactly $value.ToString() -Because "enum $($p.Name) is written by name"; break }
                { $_ -is [DateTimeOffset] } { ([DateTimeOffset]$p.Value).UtcDateTime | Should -Be $value.UtcDateTime -Because $p.Name; break }
                { $_ -is [datetime] } { ([datetime]$p.Value).ToUniversalTime() | Should -Be $value.ToUniversalTime() -Because $p.Name; break }
                { $_ -is [guid] -or $_ -is [string] } { $p.Value | Should -BeExactly $value.ToString() -Because $p.Name; break }
                { $_ -is [bool] -or $_ -is [int] -or $_ -is [long] } { $p.Value | Should -Be $value -Because $p.Name; break }
                { $_ -is [System.Collections.IEnumerable] } { @($p.Value).Count | Should -Be @($value).Count -Because $p.Name; break }
            }
        }
        $back
    }
}

Describe 'One time convention: UTC with a Z' {
    BeforeAll {
        if ($script:HasFixtures) {
            $script:Root = New-TestFolder 'export-time'
            $script:Source = New-WrittenDatabaseFolder 'export-src' -PageCount 128 -LastGeneration 5
            $script:Store = Join-Path $script:Root 'store'
        }
    }
    AfterAll { if ($script:Root) { Remove-Item $script:Root, $script:Source -Recurse -Force -ErrorAction SilentlyContinue } }
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'a runbook sees the set name end its time in Z and parse to the manifest start, UTC instants on objects, and the same convention in views, -WhatIf and Verbose' {
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Source, $Store)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
try {
    $full = Backup-EseDatabase -Path $Source -Destination $Store
    $second = Backup-EseDatabase -Path $Source -Destination $Store
    $listed = @(Get-EseBackupSet -Path $Store)
    [pscustomobject]@{
        Name          = $full.Name
        ManifestStart = $full.GetManifest().StartTime.ToString('o')
        StartType     = $full.StartTime.GetType().FullName
        StartOffset   = $full.StartTime.Offset.ToString()
        EndUtc        = $full.EndTime.UtcDateTime.ToString('o')
        TimeTypes     = @($listed | ForEach-Object { '{0}|{1}' -f $_.Time.GetType().Name, $_.Time.Offset })
        SelectTime    = ($listed | Select-Object Time | Out-String)
        View          = ($listed | Out-String -Width 120)
        ListView      = ($full | Format-List | Out-String -Width 200)
    } | ConvertTo-Json -Compress | Write-Output
    # Retention says the same times: -WhatIf (host) of a rule that removes the older set, Verbose (stream 4) of an age rule.
    Remove-EseBackupSet -Path $Store -KeepLast 1 -WhatIf
    Remove-EseBackupSet -Path $Store -OlderThan '1d' -WhatIf -Verbose 4>&1 | ForEach-Object { "VERBOSE: $_" }
}
catch { "FAILED: $_" }
'@ -ArgumentList $script:ModulePath, $script:Source, $script:Store
        $run.Text | Should -Not -Match 'FAILED:'
        $facts = ($run.Output | Where-Object { $_ -like '{*' } | Select-Object -First 1) | ConvertFrom-Json
        $facts.Name | Should -Match '^\d{8}-\d{6}Z-full$'
        $nameTime = [datetime]::ParseExact($facts.Name.Substring(0, 15), 'yyyyMMdd-HHmmss', $script:Invariant, [Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal')
        $start = [DateTimeOffset]::Parse($facts.ManifestStart, $script:Invariant).UtcDateTime
        $nameTime | Should -Be ([datetime]::new($start.Ticks - $start.Ticks % [TimeSpan]::TicksPerSecond, 'Utc'))
        $facts.StartType | Should -Be 'System.DateTimeOffset'
        $facts.StartOffset | Should -Be '00:00:00'
        @($facts.TimeTypes) | Should -Be @('DateTimeOffset|00:00:00', 'DateTimeOffset|00:00:00')
        # Select-Object shows the instant with its offset, never a bare UTC wall clock.
        $facts.SelectTime | Should -Match '\+00:00'
        # Views: UTC to the minute with its Z in the table, to the second in the list.
        $end = [datetime]::Parse($facts.EndUtc, $script:Invariant, 'RoundtripKind')
        $facts.View | Should -Match ([regex]::Escape($end.ToString('yyyy-MM-dd HH:mm', $script:Invariant) + 'Z'))
        $facts.ListView | Should -Match ("EndTime\s*:\s*" + [regex]::Escape($end.ToString('yyyy-MM-dd HH:mm:ss', $script:Invariant) + 'Z'))
        # -WhatIf names the removed set's end time, Verbose the rule's cut-off, both as yyyy-MM-dd HH:mm:ssZ.
        $whatIf = @($run.Output | Where-Object { $_ -match '^What if:' })
        $whatIf.Count | Should -Be 1
        $whatIf[0] | Should -Match ([regex]::Escape("backup set that ended $($end.ToString('yyyy-MM-dd HH:mm:ss', $script:Invariant))Z"))
        @($run.Output | Where-Object { $_ -match '^VERBOSE: Keeping .*newer than \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ' }).Count | Should -BeGreaterThan 0
        # Nothing was removed (-WhatIf).
        @(Get-ChildItem $script:Store -Directory).Count | Should -Be 2
    }

    It 'a store holding sets named before the Z marker lists, orders, chains, retains and judges freshness with both forms' {
        $root = New-TestFolder 'export-oldnames'
        try {
            $src = New-WrittenDatabaseFolder 'export-oldnames-src' -LastGeneration 5
            $store = Join-Path $root 'store'
            $oldFull = Backup-EseDatabase -Path $src -Destination $store
            $oldIncr = Backup-EseDatabase -Path $src -Destination $store -Incremental -ErrorAction Stop
            # The chain as a version without the marker named it: the same UTC second, no Z.
            $oldFullName = $oldFull.Name -replace 'Z-', '-'
            $oldIncrName = $oldIncr.Name -replace 'Z-', '-'
            Rename-Item $oldFull.Path $oldFullName
            Rename-Item $oldIncr.Path $oldIncrName
            # Freshness and the DSC resource read the old-named full set.
            (Test-EseBackupFreshness -Destination $store -MaxAge '1h' -Detailed).NewestFullSet.Name | Should -Be $oldFullName
            $dsc = (Get-Module EseBackup).NestedModules | Where-Object Name -eq 'EseBackupDsc'
            $resource = & $dsc { [EseFullBackup]::new() }
            $resource.Destination = $store
            $resource.MaxAgeHours = 1
            $resource.Test() | Should -BeTrue
            $state = $resource.Get()
            $state.NewestFullBackup | Should -BeLike "*$oldFullName"
            $state.NewestFullTime.Kind | Should -Be 'Utc'
            Start-Sleep -Milliseconds 1100 # the next set starts in a later second
            $newFull = Backup-EseDatabase -Path $src -Destination $store
            $newFull.Name | Should -Match '^\d{8}-\d{6}Z-full$'

            $sets = @(Get-EseBackupSet -Path $store)
            @($sets.Name) | Should -Be @($newFull.Name, $oldIncrName, $oldFullName)
            @($sets.ChainPosition) | Should -Be @(0, 1, 0)
            Test-EseBackup -Path (Join-Path $store $oldIncrName) | ForEach-Object IsValid | Should -BeTrue
            # Keep 2: the new full and the old-named incremental, which needs its old-named full.
            @(Remove-EseBackupSet -Path $store -KeepLast 2 -Confirm:$false).Count | Should -Be 0
            # Keep 1: the old-named chain goes, the new set stays.
            @(Remove-EseBackupSet -Path $store -KeepLast 1 -Confirm:$false).Name | Sort-Object | Should -Be (@($oldFullName, $oldIncrName) | Sort-Object)
            @(Get-ChildItem $store -Directory).Name | Should -Be @($newFull.Name)
        }
        finally { Remove-Item $root, $src -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Exports read back field by field' {
    BeforeAll {
        if ($script:HasFixtures) {
            $script:Root = New-TestFolder 'export-rows'
            $script:Source = New-WrittenDatabaseFolder 'export-src' -PageCount 128 -LastGeneration 5
            $script:Store = Join-Path $script:Root 'store'
            $script:Set = Backup-EseDatabase -Path $script:Source -Destination $script:Store
            # A damaged copy of the set (one flipped byte in a log) and a damaged database and log outside it.
            $script:Damaged = Join-Path $script:Root 'damaged/20200101-000000Z-full'
            $null = New-Item -ItemType Directory (Split-Path $script:Damaged)
            Copy-Item $script:Set.Path $script:Damaged -Recurse
            Set-FlippedByte (Join-Path $script:Damaged 'edb00002.log') 5000
            $script:BadSource = Join-Path $script:Root 'bad'
            Copy-Item $script:Source $script:BadSource -Recurse
            Set-FlippedByte (Join-Path $script:BadSource 'Fixture.edb') ((100 + 1) * 8192 + 777)
            Set-FlippedByte (Join-Path $script:BadSource 'edb00003.log') 9000
            $script:Csv = Join-Path $script:Root 'out.csv'
        }
    }
    AfterAll { if ($script:Root) { Remove-Item $script:Root, $script:Source -Recurse -Force -ErrorAction SilentlyContinue } }
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'Export-Csv of <What> gives value cells (counts, one-line problems, enum names, UTC instants) that read back with Import-Csv' -ForEach @(
        @{ What = 'Get-EseBackupSet'; Get = { Get-EseBackupSet -Path $script:Store }; Times = @('Time', 'StartTime', 'EndTime') }
        @{ What = 'a BackupSet from Backup-EseDatabase'; Get = { $script:Set }; Times = @('StartTime', 'EndTime') }
        @{ What = 'Test-EseBackup of a valid and a damaged set'; Get = { Test-EseBackup -Path $script:Set.Path; Get-Written { Test-EseBackup -Path $script:Damaged } } }
        @{ What = 'Test-EseDatabase of a database with a bad page'; Get = { Get-Written { Test-EseDatabase -Path (Join-Path $script:BadSource 'Fixture.edb') } } }
        @{ What = 'Test-EseLogFile of a folder with a damaged log'; Get = { Get-Written { Test-EseLogFile -Path $script:BadSource -ErrorAction SilentlyContinue } } }
        @{ What = 'Get-EseDatabaseInfo'; Get = { Get-EseDatabaseInfo -Path $script:Source } }
        @{ What = 'Restore-EseBackup'; Get = { Restore-EseBackup -Path $script:Set.Path -Destination (Join-Path $script:Root "restore-$([guid]::NewGuid().ToString('n'))") -Confirm:$false }; Times = @('RestoredAt') }
        @{ What = 'Test-EseBackupFreshness -Detailed'; Get = { Test-EseBackupFreshness -Destination $script:Store -MaxAge '7d' -Detailed } }
        @{ What = 'a session read and then aborted'; Get = { $s = Start-EseExternalBackup -Path $script:Source | Read-EseBackupFile -Destination (Join-Path $script:Root 'session-store'); $null = $s | Stop-EseExternalBackup -Abort; $s }; Times = @('StartTime', 'EndTime') }
    ) {
        $live = @(& $Get | Where-Object { $null -ne $_ })
        $live.Count | Should -BeGreaterThan 0
        $live | Export-Csv -Path $script:Csv -NoTypeInformation
        $rows = @(Import-Csv -Path $script:Csv)
        $rows.Count | Should -Be $live.Count
        for ($i = 0; $i -lt $live.Count; $i++) { Assert-CsvRow $rows[$i] $live[$i] }
        # The times the module records carry their zone in the cell, not a bare wall clock.
        foreach ($name in @($Times | Where-Object { $_ })) { $rows[0].$name | Should -Match ' \+00:00$' -Because "column $name" }
        # Where a result can fail, its count and one-line summary are columns, and a failure shows in them.
        if ($live[0].PSObject.Properties['ProblemCount']) {
            $bad = @($live | Where-Object { -not $_.IsValid -and $null -ne $_.IsValid })
            $bad.Count | Should -BeGreaterThan 0 -Because 'the damaged input must show up'
            foreach ($b in $bad) {
                $row = $rows[[array]::IndexOf($live, $b)]
                [int]$row.ProblemCount | Should -BeGreaterThan 0
                $row.ProblemSummary | Should -Not -BeNullOrEmpty
                $row.ProblemSummary | Should -Not -Match '[\r\n]'
            }
        }
    }

    It 'Test-EseBackup problems say kind, count and the first message on one line; the list reads as messages' {
        $result = (Get-Written { Test-EseBackup -Path $script:Damaged })[0]
        $result.IsValid | Should -BeFalse
        $result.ProblemCount | Should -Be $result.Problems.Count
        $result.ProblemSummary | Should -Match "^$($result.Problems.Count) problems? \("
        $result.ProblemSummary | Should -Match ([regex]::Escape("$($result.Problems[0].Kind)"))
        $result.ProblemSummary | Should -Match ([regex]::Escape($result.Problems[0].Message))
        $result.Problems.ToString() | Should -Be (@($result.Problems.Message) -join '; ')
    }

    It 'ConvertTo-Json of <What> is flat without -Depth: no warning, enums by name, UTC instants, no nested manifest or set' -ForEach @(
        @{ What = 'Get-EseBackupSet'; Get = { Get-EseBackupSet -Path $script:Store }; Absent = @('Set', 'Manifest') }
        @{ What = 'a BackupSet'; Get = { $script:Set }; Absent = @('Manifest', 'Set') }
        @{ What = 'Test-EseBackup'; Get = { Get-Written { Test-EseBackup -Path $script:Damaged } }; Absent = @() }
        @{ What = 'Test-EseLogFile'; Get = { Test-EseLogFile -Path $script:Source }; Absent = @('Header') }
        @{ What = 'Test-EseDatabase'; Get = { Test-EseDatabase -Path (Join-Path $script:Source 'Fixture.edb') }; Absent = @() }
        @{ What = 'Get-EseDatabaseInfo'; Get = { Get-EseDatabaseInfo -Path $script:Source }; Absent = @() }
        @{ What = 'Restore-EseBackup'; Get = { Restore-EseBackup -Path $script:Set.Path -Destination (Join-Path $script:Root "restore-$([guid]::NewGuid().ToString('n'))") -Confirm:$false }; Absent = @() }
        @{ What = 'Test-EseBackupFreshness -Detailed'; Get = { Test-EseBackupFreshness -Destination $script:Store -MaxAge '7d' -Detailed }; Absent = @('NewestFullSet') }
    ) {
        foreach ($live in @(& $Get)) { $null = Assert-JsonObject $live $Absent }
    }

    It 'a freshness result exports the newest full set as its path and keeps the set itself reachable' {
        $fresh = Test-EseBackupFreshness -Destination $script:Store -MaxAge '7d' -Detailed
        $fresh.IsCurrent | Should -BeTrue
        $fresh.NewestFullSetPath | Should -Be $script:Set.Path
        $fresh.NewestFullSet.SetId | Should -Be $script:Set.SetId
        $fresh.NewestFullSet.Manifest.Kind | Should -Be 'Full'
        ($fresh | ConvertTo-Csv | ConvertFrom-Csv).NewestFullSetPath | Should -Be $script:Set.Path
    }

    It 'a set exports Kind as "Full", its files as a list of flat objects, and keeps its manifest, files and nested set reachable' {
        $back = Assert-JsonObject $script:Set @('Manifest')
        $back.Kind | Should -BeExactly 'Full'
        @($back.Files.Name) | Should -Be @($script:Set.Files.Name)
        @($back.Files.Role) | Should -Be @($script:Set.Files | ForEach-Object { $_.Role.ToString() })
        @($back.Files | ForEach-Object { $_.PSObject.Properties.Name }) | Should -Not -Contain 'Entry'
        # Hidden from exports, still there for scripts.
        $script:Set.Manifest.SetId | Should -Be $script:Set.SetId
        $script:Set.Files[0].Entry.Hash | Should -Be $script:Set.Files[0].Hash
        $info = Get-EseBackupSet -Path $script:Store
        $info.Set.Files.Count | Should -Be $script:Set.Files.Count
        $info.Set.Manifest.SetId | Should -Be $info.SetId
        (Test-EseLogFile -Path $script:Source | Select-Object -First 1).Header.Generation | Should -BeGreaterThan 0
        ($info | Get-Member -MemberType Properties).Name | Should -Not -Contain 'Set'
    }

    It 'Start-Job brings a listing back with its times as UTC instants (text with +00:00) and kinds as names, and the view shows them with a Z' {
        $live = @(Get-EseBackupSet -Path $script:Store)
        $received = @(Start-Job -ScriptBlock { param($m, $p) Import-Module $m; Get-EseBackupSet -Path $p } -ArgumentList $script:ModulePath, $script:Store | Receive-Job -Wait -AutoRemoveJob)
        $received.Count | Should -Be $live.Count
        "$($received[0].Time)" | Should -Match '\+00:00$'
        ([DateTimeOffset]::Parse("$($received[0].Time)", $script:Invariant)).UtcDateTime | Should -Be ([datetime]::new($live[0].Time.UtcTicks - $live[0].Time.UtcTicks % [TimeSpan]::TicksPerSecond, 'Utc'))
        "$($received[0].Kind)" | Should -BeExactly 'Full'
        ($received | Out-String -Width 120) | Should -Be ($live | Out-String -Width 120)
        ($received | Out-String -Width 120) | Should -Match ([regex]::Escape($live[0].Time.UtcDateTime.ToString('yyyy-MM-dd HH:mm', $script:Invariant) + 'Z'))
    }

    It 'a runbook reads its job list with Import-Csv, exports sets and verifications from a child pwsh and a Start-Job, and the files match the live objects' {
        $jobs = Join-Path $script:Root 'jobs.csv'
        [pscustomobject]@{ Path = $script:Store; Export = (Join-Path $script:Root 'sets.csv'); Json = (Join-Path $script:Root 'sets.json'); Tests = (Join-Path $script:Root 'tests.csv') } |
            Export-Csv $jobs -NoTypeInformation
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Jobs)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
try {
    foreach ($job in Import-Csv $Jobs) {
        Get-EseBackupSet -Path $job.Path | Export-Csv $job.Export -NoTypeInformation
        Get-EseBackupSet -Path $job.Path | ConvertTo-Json | Set-Content $job.Json
        $received = Start-Job -ScriptBlock { param($m, $p) Import-Module $m; Test-EseBackup -Path $p } -ArgumentList $ModulePath, $job.Path | Receive-Job -Wait -AutoRemoveJob
        $received | Export-Csv $job.Tests -NoTypeInformation
        "JOB-VIEW=$(($received | Out-String -Width 200) -replace '\s+', ' ')"
    }
    'DONE'
}
catch { "FAILED: $_" }
'@ -ArgumentList $script:ModulePath, $jobs
        $run.Text | Should -Not -Match 'FAILED:'
        $run.Output | Should -Contain 'DONE'
        $live = @(Get-EseBackupSet -Path $script:Store)
        $rows = @(Import-Csv (Join-Path $script:Root 'sets.csv'))
        $rows.Count | Should -Be $live.Count
        for ($i = 0; $i -lt $live.Count; $i++) { Assert-CsvRow $rows[$i] $live[$i] }
        $json = Get-Content (Join-Path $script:Root 'sets.json') -Raw | ConvertFrom-Json
        @($json).Count | Should -Be $live.Count
        @($json)[0].Name | Should -Be $live[0].Name
        @($json)[0].Kind | Should -BeExactly 'Full'
        ([DateTimeOffset]@($json)[0].Time).UtcDateTime | Should -Be $live[0].Time.UtcDateTime
        # The Start-Job results arrived deserialised: their export still holds counts and UTC instants.
        $tests = @(Import-Csv (Join-Path $script:Root 'tests.csv'))
        $tests[0].Name | Should -Be $live[0].Name
        $tests[0].IsValid | Should -Be 'True'
        $tests[0].ProblemCount | Should -Be '0'
        $tests[0].Kind | Should -Be 'Full'
        $tests[0].Problems | Should -Not -Match 'System\.'
    }
}
