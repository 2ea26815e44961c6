# Races and killed processes against the real module: every case runs in separate pwsh processes (Start-ChildPwsh),
# repeated enough to hit the window, and checks that nothing is written outside a destination, no set is lost and no
# set reported complete fails to verify.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    . (Join-Path $PSScriptRoot 'Support/Failures.ps1')

    # Each source is its own log stream (its own seed): two folders of one stream are copies of one database, and an
    # incremental may rightly build on a set of either.
    $script:SourceSeed = 100
    function New-SmallSource([int] $PageCount = 64) {
        $src = New-TestFolder 'pester-race-src'
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $script:SourceSeed++
        $spec.Database.Seed = $script:SourceSeed
        $spec.Logs.Seed = $script:SourceSeed
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = $PageCount
        $spec.Logs.FirstGeneration = 1
        $spec.Logs.LastGeneration = 5
        $spec.Logs.LogFileSize = 128KB
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($src, $spec)
        $src
    }

    # What every child runs first: the module, the fixture writer, a results file, and a start line shared with its
    # siblings (each says it is ready, then all wait for 'go'), so that they start at the same moment.
    $script:ChildPrelude = @'
param([string] $ModulePath, [string] $FixturesPath, [string] $Work, [string] $Role, [string] $A, [string] $B, [string] $C)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Add-Type -Path $FixturesPath
function Wait-File([string] $Path, [int] $TimeoutSeconds = 90) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path -LiteralPath $Path)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for $Path" }
        Start-Sleep -Milliseconds 5
    }
}
function Write-Result($Fields) { ([pscustomobject]$Fields | ConvertTo-Json -Compress) | Add-Content -LiteralPath (Join-Path $Work "$Role.jsonl") }
function Describe-Error($Record) {
    $e = $Record.Exception
    @{ ok = $false; id = $Record.FullyQualifiedErrorId; type = $e.GetType().Name; jet = "$(if ($e.PSObject.Properties['Error']) { $e.Error })"; message = $e.Message }
}
New-Item -ItemType File -Path (Join-Path $Work "$Role.ready") | Out-Null
Wait-File (Join-Path $Work 'go')

'@

    # Starts one child per role, lets them go together, and returns each role's results (one object per line).
    function Invoke-Together([string] $Work, [hashtable] $Roles, [hashtable] $Arguments = @{}) {
        $children = @{}
        foreach ($role in $Roles.Keys) {
            $args = @('-ModulePath', $script:ModulePath, '-FixturesPath', $script:FixturesDll, '-Work', $Work, '-Role', $role)
            foreach ($k in 'A', 'B', 'C') { if ($Arguments[$k]) { $args += @("-$k", $Arguments[$k]) } }
            $children[$role] = Start-ChildPwsh -Script ($script:ChildPrelude + $Roles[$role]) -ArgumentList $args
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while (@($Roles.Keys | Where-Object { -not (Test-Path (Join-Path $Work "$_.ready")) }).Count -gt 0) {
            if ([DateTime]::UtcNow -gt $deadline) { break }
            Start-Sleep -Milliseconds 20
        }
        New-Item -ItemType File -Path (Join-Path $Work 'go') | Out-Null
        $results = @{}
        foreach ($role in $Roles.Keys) {
            $done = Wait-ChildPwsh $children[$role] -TimeoutSeconds 120
            $done.ExitCode | Should -Be 0 -Because "child '$role' must run to its end: $($done.Text)"
            $file = Join-Path $Work "$role.jsonl"
            $results[$role] = @(if (Test-Path $file) { Get-Content $file | ForEach-Object { $_ | ConvertFrom-Json } })
        }
        $results
    }

    function Get-LeaseFiles([string] $Folder) { @(Get-ChildItem -LiteralPath $Folder -Force -File -Filter '*.lease' -ErrorAction SilentlyContinue) }
}

Describe 'Concurrent backups, retention and restores in separate processes' {
    BeforeEach {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll" }
    }

    It 'two processes claiming set folders in a tight loop (150 each, many in one second) never claim the same folder, and backups started together all verify' {
        $src = New-SmallSource
        $dest = New-TestFolder 'pester-race-dest'
        $work = New-TestFolder 'pester-race-work'
        # The claim alone, as Read-EseBackupFile makes it (session, then the set folder), then an abort: both
        # processes race for the same next free name of the same second again and again.
        $claims = @'
$done = [System.Collections.Generic.List[object]]::new()
for ($i = 0; $i -lt 150; $i++) {
    $s = [EseBackup.Core.BackupSets.BackupPipeline]::StartSnapshot([string[]] @($A), [EseBackup.Core.Protocol.BackupKind]::Full, $B)
    try { $done.Add(@{ ok = $true; path = [EseBackup.Core.BackupSets.BackupSetWriter]::Create($s, $B).SetPath }) }
    catch { $done.Add((Describe-Error $_)) }
    finally { $s.Abort('claim race test') }
}
foreach ($d in $done) { Write-Result $d }
# Then real backups, started together again.
New-Item -ItemType File -Path (Join-Path $Work "claimed-$Role") | Out-Null
Wait-File (Join-Path $Work 'claimed-one'); Wait-File (Join-Path $Work 'claimed-two')
for ($i = 0; $i -lt 3; $i++) {
    try { $made = Backup-EseDatabase -Path $A -Destination $B -ErrorAction Stop; Write-Result @{ ok = $true; backup = $made.Path } }
    catch { Write-Result (Describe-Error $_) }
}
'@
        $r = Invoke-Together $work @{ one = $claims; two = $claims } @{ A = $src; B = $dest }
        $all = @($r.one) + @($r.two)
        $failed = @($all | Where-Object { -not $_.ok })
        $failed.Count | Should -Be 0 -Because ($failed | Select-Object -First 3 | ForEach-Object message | Out-String)
        @($all | Where-Object path).Count | Should -Be 300
        $shared = @(($r.one | Where-Object path).path | Where-Object { $_ -in ($r.two | Where-Object path).path })
        $shared.Count | Should -Be 0 -Because "each folder is claimed by one process only ($($shared | Select-Object -First 3))"
        # The window was there: both processes claimed folders in the same seconds.
        $seconds = { param($paths) @($paths | ForEach-Object { (Split-Path $_ -Leaf).Substring(0, 15) } | Sort-Object -Unique) }
        @((& $seconds ($r.one | Where-Object path).path) | Where-Object { $_ -in (& $seconds ($r.two | Where-Object path).path) }).Count | Should -BeGreaterThan 0
        # The six real backups made at the same moment: six distinct complete sets that verify.
        $backups = @($all | Where-Object backup)
        $backups.Count | Should -Be 6
        @($backups.backup | Sort-Object -Unique).Count | Should -Be 6
        foreach ($b in $backups) { (Test-EseBackup -Path $b.backup -Quick).IsValid | Should -BeTrue -Because $b.backup }
        @(Get-EseBackupSet -Path $dest | Where-Object IsComplete).Count | Should -Be 6
        (Get-LeaseFiles $dest).Count | Should -Be 0
    }

    It 'retention with -IncludeIncomplete running beside incrementals never removes a set being written or what it builds on' {
        $srcA = New-SmallSource
        $srcB = New-SmallSource 32
        $dest = New-TestFolder 'pester-race-dest'
        $work = New-TestFolder 'pester-race-work'
        (Get-EseDatabaseInfo -Path $srcA).LogSignature | Should -Not -Be (Get-EseDatabaseInfo -Path $srcB).LogSignature -Because 'C is another database, not a copy of A'
        $first = Backup-EseDatabase -Path $srcA -Destination $dest
        # The writer: incrementals of A, slowed down so that each is being written for a few hundred ms; a full when
        # retention took the chain while no incremental was running.
        $writer = @'
for ($i = 0; $i -lt 10; $i++) {
    $null = [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($A, 'edb', '.log', 5)
    $start = [DateTime]::UtcNow.Ticks
    try {
        $s = Backup-EseDatabase -Path $A -Destination $B -Incremental -ThrottleMBps 1 -ErrorAction Stop
        Write-Result @{ ok = $true; kind = 'incr'; path = $s.Path; setId = "$($s.SetId)"; parentId = "$($s.ParentSetId)"; start = $start; end = [DateTime]::UtcNow.Ticks }
    }
    catch {
        Write-Result (Describe-Error $_)
        # Set names have one-second resolution: the failed attempt's incomplete folder, once retention removed it,
        # would free its name for the next incremental of the same second, and the path checks below would take
        # that removal for one of the new set. A new second keeps every name this writer uses unique.
        Start-Sleep -Milliseconds 1100
        $f = Backup-EseDatabase -Path $A -Destination $B -ErrorAction Stop
        Write-Result @{ ok = $true; kind = 'full'; path = $f.Path; setId = "$($f.SetId)"; start = $start; end = [DateTime]::UtcNow.Ticks }
    }
}
New-Item -ItemType File -Path (Join-Path $Work 'writer-done') | Out-Null
'@
        # Retention: a newer full of another source, then keep only the newest set, incomplete ones included.
        $retention = @'
$inUse = 0
while (-not (Test-Path (Join-Path $Work 'writer-done'))) {
    $null = Backup-EseDatabase -Path $C -Destination $B -ErrorAction Stop
    $t0 = [DateTime]::UtcNow.Ticks
    $errs = $null
    # One set that stays in use is the one item failing, which throws (issue 14): its record comes from catch
    # (-ErrorVariable holds it wrapped in an exception).
    try {
        Remove-EseBackupSet -Path $B -KeepLast 1 -IncludeIncomplete -Confirm:$false -Verbose -ErrorAction SilentlyContinue -ErrorVariable errs 4>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.VerboseRecord]) { if ($_.Message -match 'in use') { $inUse++ } }
            else { Write-Result @{ removed = $_.Path; from = $t0; at = [DateTime]::UtcNow.Ticks } }
        }
    }
    catch { $errs = @(@($errs) | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + $_ }
    foreach ($e in @($errs)) { if ($e) { $inUse++; Write-Result (Describe-Error $e) } }
    Start-Sleep -Milliseconds (Get-Random -Maximum 80)
}
Write-Result @{ inUseSeen = $inUse }
'@
        $r = Invoke-Together $work @{ writer = $writer; retention = $retention } @{ A = $srcA; B = $dest; C = $srcB }

        $written = @($r.writer | Where-Object { $_.ok })
        $writerErrors = @($r.writer | Where-Object { $_.PSObject.Properties['ok'] -and -not $_.ok })
        # A writer fails only cleanly: the set it would build on was removed before it took its lease.
        foreach ($e in $writerErrors) { $e.jet | Should -BeIn @('JET_errMissingFullBackup', 'JET_errMissingLogFile') -Because $e.message }
        $removals = @($r.retention | Where-Object { $_.PSObject.Properties['removed'] })
        $retentionErrors = @($r.retention | Where-Object { $_.PSObject.Properties['ok'] })
        foreach ($e in $retentionErrors) { $e.id | Should -BeLike 'BackupSetInUse*' -Because $e.message }
        @($written | Where-Object kind -eq 'incr').Count | Should -BeGreaterThan 2

        $pathOf = @{ "$($first.SetId)" = $first.Path }
        foreach ($w in $written) { $pathOf[$w.setId] = $w.path }
        foreach ($w in $written | Where-Object kind -eq 'incr') {
            foreach ($x in $removals) {
                $inside = $x.from -ge $w.start -and $x.at -le $w.end
                # Neither the set being written nor the set it builds on was removed while it was written.
                ($inside -and $x.removed -eq $w.path) | Should -BeFalse -Because "retention removed $($x.removed) while it was being written"
                ($inside -and $pathOf[$w.parentId] -and $x.removed -eq $pathOf[$w.parentId]) | Should -BeFalse -Because "retention removed $($x.removed), which $($w.path) builds on, while it was being written"
            }
        }
        # The race was run into: retention found sets in use.
        ($r.retention | Where-Object { $_.PSObject.Properties['inUseSeen'] }).inUseSeen | Should -BeGreaterThan 0
        # What is left verifies, chain included; no lease is left.
        $complete = @(Get-EseBackupSet -Path $dest | Where-Object IsComplete)
        $complete.Count | Should -BeGreaterThan 0
        foreach ($s in $complete) { (Test-EseBackup -Path $s.Path -Quick).IsValid | Should -BeTrue -Because $s.Path }
        (Get-LeaseFiles $dest).Count | Should -Be 0
    }

    It 'two restores into one folder, at the same moment or one while the other runs, 20 times or more: one is refused, the other is complete' {
        # 16 MiB, so that a restore lasts long enough for the two to overlap on a busy machine.
        $src = New-SmallSource 2048
        $backups = New-TestFolder 'pester-race-dest'
        $set = Backup-EseDatabase -Path $src -Destination $backups
        $work = New-TestFolder 'pester-race-work'
        $dest = Join-Path (New-TestFolder 'pester-race-restore') 'app'
        $expected = @($set.Files | ForEach-Object { '{0}={1}' -f $_.Name, $_.Hash }) + 'restore.json' | Sort-Object
        $restorer = @'
# At least 20 rounds, and more (up to 100) until the two restores have overlapped once: on a quiet machine a
# 16 MiB restore can finish before the other process starts. Both processes see the marker, written before a
# round's done file, at the top of the next round, so they agree on the number of rounds.
for ($round = 1; $round -le 100; $round++) {
    if ($round -gt 20 -and (Test-Path -LiteralPath (Join-Path $Work 'overlap-seen'))) { break }
    New-Item -ItemType File -Path (Join-Path $Work "r$round-ready-$Role") | Out-Null
    Wait-File (Join-Path $Work "r$round-ready-one"); Wait-File (Join-Path $Work "r$round-ready-two")
    $errs = $null
    if ($round % 2 -eq 0 -and $Role -eq 'two') {
        # Even rounds: this one starts once the other's restore is visibly running (its destination lease exists), so
        # the "refused while another writes" path is taken on a quiet machine too, where a 16 MiB restore can end
        # within the few milliseconds that separate two processes' starts. Odd rounds start both at once (the claim race).
        $lease = Join-Path $B ([EseBackup.Core.BackupSets.FolderLease]::RestoreLeaseName)
        $report = Join-Path $B 'restore.json'
        $until = [DateTime]::UtcNow.AddSeconds(10)
        while (-not [IO.File]::Exists($lease) -and -not [IO.File]::Exists($report) -and [DateTime]::UtcNow -lt $until) { [Threading.Thread]::SpinWait(2000) }
    }
    # A refused restore of the one set throws (issue 14).
    $result = $null
    try { $result = Restore-EseBackup -Path $A -Destination $B -Confirm:$false } catch { $errs = @($_) }
    if ($result) { Write-Result @{ round = $round; ok = $true } }
    else {
        $refusal = Describe-Error $errs[0]
        if ($refusal.id -like 'BackupSetDestinationInUse*') { New-Item -ItemType File -Force -Path (Join-Path $Work 'overlap-seen') | Out-Null }
        Write-Result ($refusal + @{ round = $round })
    }
    New-Item -ItemType File -Path (Join-Path $Work "r$round-done-$Role") | Out-Null
    Wait-File (Join-Path $Work "r$round-done-one"); Wait-File (Join-Path $Work "r$round-done-two")
    if ($Role -eq 'one') {
        # What the destination holds after both: every restored file with its hash, nothing else.
        $seen = @(Get-ChildItem -LiteralPath $B -Force -Recurse -File -ErrorAction SilentlyContinue | ForEach-Object {
            if ($_.Name -eq 'restore.json') { 'restore.json' } else { '{0}={1}' -f $_.Name, [EseBackup.Core.BackupSets.BackupSetWriter]::HashFile($_.FullName) } } | Sort-Object)
        Write-Result @{ round = $round; state = ($seen -join ';') }
        Remove-Item -LiteralPath $B -Recurse -Force -ErrorAction SilentlyContinue
        New-Item -ItemType File -Path (Join-Path $Work "r$round-clean") | Out-Null
    }
    else { Wait-File (Join-Path $Work "r$round-clean") }
}
'@
        $r = Invoke-Together $work @{ one = $restorer; two = $restorer } @{ A = $set.Path; B = $dest }
        $attempts = @($r.one | Where-Object { $_.PSObject.Properties['ok'] }) + @($r.two | Where-Object { $_.PSObject.Properties['ok'] })
        $states = @($r.one | Where-Object { $_.PSObject.Properties['state'] })
        $rounds = @($states).Count
        $rounds | Should -BeGreaterOrEqual 20
        @($states.round | Sort-Object -Unique).Count | Should -Be $rounds
        $inUse = 0
        for ($round = 1; $round -le $rounds; $round++) {
            $these = @($attempts | Where-Object round -eq $round)
            $these.Count | Should -Be 2
            @($these | Where-Object ok).Count | Should -Be 1 -Because "round ${round}: exactly one restore succeeds ($(($these | ForEach-Object message) -join ' / '))"
            $refused = $these | Where-Object { -not $_.ok }
            $refused.id | Should -BeIn @('BackupSetDestinationInUse,EseBackup.PowerShell.Cmdlets.RestoreEseBackupCommand', 'BackupSetDestinationExists,EseBackup.PowerShell.Cmdlets.RestoreEseBackupCommand') -Because $refused.message
            if ($refused.id -like 'BackupSetDestinationInUse*') { $inUse++ }
            ($states | Where-Object round -eq $round).state | Should -Be ($expected -join ';') -Because "round ${round}: the destination holds one complete restore and nothing else"
        }
        # Every round above held its safety assertions. Whether the race itself was exercised is reported, not
        # assumed. (Runs on a quiet machine once saw no DestinationInUse in 100 simultaneous rounds: every refusal there
        # named the complete restore, restore.json included, so the first restore had ended before the second looked;
        # the even rounds now start the second while the first holds its lease.)
        if ($inUse -eq 0) { Set-ItResult -Inconclusive -Because "no round of $rounds saw a DestinationInUse refusal: the overlap was not demonstrated" }
    }

    It 'a backup killed mid-write leaves a stale lease that blocks neither the next backup nor retention' {
        $src = New-SmallSource 512
        $dest = New-TestFolder 'pester-race-dest'
        $null = Backup-EseDatabase -Path $src -Destination $dest
        $null = Step-CurrentLog $src
        foreach ($kind in 'Full', 'Incremental') {
            $slow = "Backup-EseDatabase -Path `$A -Destination `$B -ThrottleMBps 0.05 $(if ($kind -eq 'Incremental') { '-Incremental' })"
            $killed = Start-ChildPwsh -Script "param([string] `$ModulePath, [string] `$A, [string] `$B)`nImport-Module `$ModulePath`n$slow" -ArgumentList @('-ModulePath', $script:ModulePath, '-A', $src, '-B', $dest)
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            $partial = $null
            while (-not $partial -and [DateTime]::UtcNow -lt $deadline) {
                $partial = Get-ChildItem -LiteralPath $dest -Recurse -File -Filter '*.partial' -ErrorAction SilentlyContinue | Select-Object -First 1
                Start-Sleep -Milliseconds 20
            }
            $partial | Should -Not -BeNullOrEmpty -Because "the $kind backup must be writing before it is killed"
            $setPath = Split-Path $partial.FullName -Parent
            $lease = [EseBackup.Core.BackupSets.FolderLease]::PathForSet($setPath)
            [EseBackup.Core.BackupSets.FolderLease]::IsHeld($lease) | Should -BeTrue
            # While it writes, retention keeps it even with -IncludeIncomplete (a newer full is there next).
            $null = Backup-EseDatabase -Path $src -Destination $dest
            @(Remove-EseBackupSet -Path $dest -KeepLast 1 -IncludeIncomplete -Confirm:$false | Where-Object Path -eq $setPath).Count | Should -Be 0
            Test-Path $setPath | Should -BeTrue

            Stop-Process -Id $killed.Process.Id -Force   # SIGKILL: no finally, no cleanup
            $killed.Process.WaitForExit()
            Wait-ChildPwsh $killed | Out-Null

            Test-Path -LiteralPath $lease | Should -BeTrue -Because 'nothing removed the lease file of the killed process'
            [EseBackup.Core.BackupSets.FolderLease]::IsHeld($lease) | Should -BeFalse -Because 'the lock died with the process'
            $listed = @(Get-EseBackupSet -Path $dest)
            @($listed | Where-Object { $_.Name -like '*.lease' }).Count | Should -Be 0
            ($listed | Where-Object Path -eq $setPath).IsComplete | Should -BeFalse
            # The next backups run, the stale chain lease of a killed incremental included; retention removes the killed set and its lease.
            $null = Step-CurrentLog $src
            (Backup-EseDatabase -Path $src -Destination $dest -Incremental).Kind | Should -Be 'Incremental'
            $removed = @(Remove-EseBackupSet -Path $dest -KeepLast 1 -IncludeIncomplete -Confirm:$false)
            $removed.Path | Should -Contain $setPath
            Test-Path -LiteralPath $lease | Should -BeFalse
            (Get-LeaseFiles $dest).Count | Should -Be 0
            foreach ($s in @(Get-EseBackupSet -Path $dest)) { $s.IsComplete | Should -BeTrue; (Test-EseBackup -Path $s.Path -Quick).IsValid | Should -BeTrue }
        }
    }
}

Describe 'A restore whose report does not fit' {
    It 'fails before anything takes its final name, says so, and leaves the destination as it was (a full tmpfs)' {
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library is not built at $script:FixturesDll"; return }
        if ($IsWindows -or (id -u) -ne '0') { Set-ItResult -Skipped -Because 'mounting a small tmpfs needs root on Linux'; return }
        $src = New-SmallSource
        $backups = New-TestFolder 'pester-full-dest'
        $set = Backup-EseDatabase -Path $src -Destination $backups
        # Room for every restored file and the lease, in whole 4 KiB pages, and not one page more.
        $pages = 1 + ($set.Files | ForEach-Object { [math]::Ceiling($_.Size / 4096) } | Measure-Object -Sum).Sum
        $mount = New-TestFolder 'pester-tmpfs'
        & mount -t tmpfs -o "size=$($pages * 4096)" tmpfs $mount 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mount -t tmpfs is not allowed here'; return }
        try {
            # One restore that fails throws (issue 14).
            $err = @(Get-ThrownError { Restore-EseBackup -Path $set.Path -Destination $mount -Confirm:$false })
            $err.Count | Should -Be 1
            $err[0].Exception.Message | Should -Match 'restore\.json\.tmp'
            $err[0].Exception.Message | Should -Match 'Nothing was restored; the destination is as it was'
            @(Get-ChildItem -LiteralPath $mount -Force).Count | Should -Be 0
        }
        finally {
            & umount $mount 2>&1 | Out-Null
        }
        # With one page more the same restore completes.
        & mount -t tmpfs -o "size=$(($pages + 1) * 4096)" tmpfs $mount 2>&1 | Out-Null
        try {
            $r = Restore-EseBackup -Path $set.Path -Destination $mount -Confirm:$false
            $r.ReportProblem | Should -BeNullOrEmpty
            Test-Path (Join-Path $mount 'restore.json') | Should -BeTrue
            @(Get-ChildItem -LiteralPath $mount -Force -Filter '*.lease').Count | Should -Be 0
        }
        finally {
            & umount $mount 2>&1 | Out-Null
        }
    }
}
