# Every example of every help topic runs (issue 14): the code of each cmdlet's examples and every code block of
# every about topic, read from the help build.ps1 Help built into the module folder, run against fixture-writer folders
# laid out where the examples point (D:\Data, E:\Backups\app, /mnt/snap/data ... map into one world folder).
# An example fails on any error it writes or throws, on exit, and on a claim of its text that a check below
# tests. Examples that cannot run here are listed in $Skips with the reason and reported as skipped.
BeforeDiscovery {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $moduleBase = Split-Path $env:ESEBACKUP_MODULE_PATH
    $script:Examples = [System.Collections.Generic.List[hashtable]]::new()
    foreach ($c in (Get-Command -Module EseBackup -CommandType Cmdlet | Sort-Object Name)) {
        foreach ($e in @((Get-Help $c.Name -Full).examples.example)) {
            $title = ($e.title -replace '^[-\s]+|[-\s]+$', '') -replace '^Example \d+:\s*', ''
            $script:Examples.Add(@{ Topic = $c.Name; Title = $title; Code = [string]$e.code })
        }
    }
    # The about topics as built: code is the lines indented by eight (prose is indented by four or six).
    foreach ($file in (Get-ChildItem (Join-Path $moduleBase 'en-US') -Filter 'about_*.help.txt' | Sort-Object Name)) {
        $topic = $file.Name -replace '\.help\.txt$'
        $title = $null
        $block = [System.Collections.Generic.List[string]]::new()
        foreach ($line in @(Get-Content -LiteralPath $file.FullName) + '') {
            if ($line -match '^ {8}') { $block.Add($line.Substring(8)); continue }
            if ($block.Count -gt 0) {
                $script:Examples.Add(@{ Topic = $topic; Title = $title; Code = ($block -join "`n") })
                $block.Clear()
            }
            if ($line -match '^  (\S.*)$') { $title = $Matches[1] }
            elseif ($line -match '^([A-Z][A-Z ]+)$') { $title = $Matches[1] }
        }
    }
}

BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = if ($env:ESEBACKUP_FIXTURES_PATH) { $env:ESEBACKUP_FIXTURES_PATH } else { Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll' }
    $script:HasFixtures = (Test-Path $script:FixturesDll) -and $(try { Add-Type -Path $script:FixturesDll; [bool]('EseBackup.Fixtures.EseFixtureWriter' -as [type]) } catch { $false })
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')

    # Examples that cannot run on this machine, each with the reason (keys are 'Topic|Title'). Listed, never
    # passed: an entry that matches no example fails the test at the end, so the list stays true.
    $script:Skips = @{
        'Close-EseInstance|Close an instance after a backup'                          = 'needs a live ESE instance over a database esent.dll made (Windows; LiveRoundTrip.Tests runs these cmdlets there)'
        'Close-EseInstance|Close several instances from the pipeline and see what happens' = 'needs live ESE instances in $instances (Windows, esent.dll)'
        'Open-EseInstance|Open a database with its logs and back it up'              = 'needs esent.dll to open an instance (Windows)'
        'Open-EseInstance|An Exchange-style base name and a separate checkpoint folder' = 'needs esent.dll: Open-EseInstance stops with PlatformNotSupported elsewhere, -WhatIf included'
        'Open-EseInstance|Attach every database in a folder'                         = 'needs esent.dll to open an instance (Windows)'
        'Start-EseExternalBackup|Back up a live instance and truncate its logs (Windows)' = 'needs a live ESE instance (Windows, esent.dll)'
        'Restore-EseBackup|Restore the newest incremental with its full set'         = 'runs eseutil, a Windows tool (the restore itself is run by the Get-EseBackupSet and about_EseBackup examples)'
        'Test-EseBackupFreshness|The same state through the DSC resource'           = 'a DSC Configuration needs the PSDesiredStateConfiguration module, which is not part of pwsh'
        'about_EseBackup|Is there a recent backup?'                                  = 'Invoke-DscResource needs the PSDesiredStateConfiguration module, which is not part of pwsh'
    }
    # Skipped by rule, whatever the topic: an example against Azure Blob storage needs an account (the Azurite
    # tests cover the store).
    $script:SkipRules = @(
        @{ Pattern = 'blob\.core\.windows\.net|-ConnectionString|AZURE_STORAGE|devstoreaccount1'; Reason = 'needs Azure Blob storage or Azurite (Blob.Tests runs the Azurite examples against its own Azurite)' }
    )
    $script:SkipsUsed = @{}
    $script:ClaimsUsed = @{}

    # ---- the world the examples run in ---------------------------------------------------------------
    $script:Base = New-TestFolder 'help-examples'
    $script:World = Join-Path $script:Base 'w'
    $script:Template = Join-Path $script:Base 'template'

    function New-Folder([string] $Relative, [string] $DatabaseName = 'Fixture.edb', [long] $First = 1, [long] $Last = 4, [long] $DirtyFrom = 0) {
        $folder = Join-Path $script:World $Relative
        $null = New-Item -ItemType Directory -Path $folder -Force
        $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
        $spec.DatabaseFileName = $DatabaseName
        $spec.Database.PageSize = 8192
        $spec.Database.PageCount = 48
        $spec.Logs.FirstGeneration = $First
        $spec.Logs.LastGeneration = $Last
        $spec.Logs.LogFileSize = 64KB
        if ($DirtyFrom -gt 0) {
            $spec.Database.State = [EseBackup.Core.Format.DatabaseState]::DirtyShutdown
            $spec.Database.RequiredLogLow = $DirtyFrom
            $spec.Database.RequiredLogHigh = $Last
        }
        $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($folder, $spec)
        $folder
    }
    function W([string] $Relative) { Join-Path $script:World $Relative }
    function Step-Log([string] $Folder) { $null = [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($Folder, 'edb', '.log', 5) }
    function Copy-Tree([string] $From, [string] $To) {
        # Hidden entries (leases) included; the copy keeps the absolute paths the sets recorded valid.
        $null = New-Item -ItemType Directory -Path $To -Force
        foreach ($f in [IO.Directory]::GetFiles($From)) { [IO.File]::Copy($f, (Join-Path $To ([IO.Path]::GetFileName($f)))) }
        foreach ($d in [IO.Directory]::GetDirectories($From)) { Copy-Tree $d (Join-Path $To ([IO.Path]::GetFileName($d))) }
    }
    function Reset-World {
        Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
        if (Test-Path -LiteralPath $script:World) { Remove-Item -LiteralPath $script:World -Recurse -Force }
        Copy-Tree $script:Template $script:World
    }
    function Get-Sets([string] $Relative) { @(Get-EseBackupSet -LiteralPath (W $Relative) -ErrorAction SilentlyContinue | Where-Object IsComplete) }
    # The files a set's manifest lists, with their full paths.
    function Get-SetFiles($Set) {
        foreach ($f in (Get-Content -LiteralPath (Join-Path $Set.Path 'manifest.json') -Raw | ConvertFrom-Json).Files) {
            [pscustomobject]@{ Name = $f.Path; Generation = $f.Generation; FullPath = Join-Path $Set.Path $f.Path }
        }
    }
    # Flips one bit in a file (a page or log segment that the verification must then refuse).
    function Set-FlippedBit([string] $Path, [long] $Offset) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $bytes[$Offset] = $bytes[$Offset] -bxor 0x10
        [IO.File]::WriteAllBytes($Path, $bytes)
    }

    if ($script:HasFixtures) {
        # D:\Data: app.edb, shut down dirty and needing logs 0x1F2-0x1F4, with logs 0x1F0-0x1F4 (so -ToGeneration 0x1F4
        # lies inside the chain), a checkpoint, and its logs again under Logs\; the stopped services and snapshots the
        # other examples name.
        $data = New-Folder 'D/Data' -DatabaseName 'app.edb' -First 0x1F0 -Last 0x1F4 -DirtyFrom 0x1F2
        $null = New-Folder 'D/Data/MyService'
        $null = New-Folder 'D/Instances/one'
        $null = New-Folder 'D/Instances/two'
        $snap = New-Folder 'mnt/snap/data'
        $null = New-Folder 'srv/ese'
        $null = New-Folder 'cwd/app' -DatabaseName 'IndexedDB.edb'
        # E:\Backups\app: a full set and an incremental of D:\Data. E:\Backups: a fresh full set of D:\Data with a newer
        # log after it (an incremental has something to copy). /backups: a full set of the snapshot, then a newer log.
        $null = Backup-EseDatabase -Path $data -Destination (W 'E/Backups/app')
        Step-Log $data
        $null = Backup-EseDatabase -Path $data -Destination (W 'E/Backups/app') -Incremental
        $null = Backup-EseDatabase -Path $data -Destination (W 'E/Backups')
        Step-Log $data
        $null = Backup-EseDatabase -Path $snap -Destination (W 'backups')
        Step-Log $snap
        $null = New-Item -ItemType Directory -Path (W 'D/Data/Logs')
        Get-ChildItem -LiteralPath $data -Filter 'edb*.log' | Copy-Item -Destination (W 'D/Data/Logs')
        Rename-Item -LiteralPath $script:World -NewName 'template'
    }

    # ---- running one example -------------------------------------------------------------------------
    # The example's paths point into the world: 'D:\Data\app.edb' -> <world>/D/Data/app.edb, '/mnt/snap/data' ->
    # <world>/mnt/snap/data; a set name such as 20240506-120000Z-incr is the newest set of that kind in its folder.
    function Convert-ExampleCode([string] $Code, [hashtable] $Replace) {
        $w = $script:World
        $code = [regex]::Replace($Code, '(?<![\w$])([A-Z]):\\([^\s''"|)]*)', { param($m) "$w/$($m.Groups[1].Value)/$($m.Groups[2].Value -replace '\\', '/')".TrimEnd('/') })
        $code = [regex]::Replace($code, '(?<=^|[\s''"(=,])/(mnt|srv|backups)(?=[/\s''"|)]|$)', { param($m) "$w/$($m.Groups[1].Value)" })
        $code = [regex]::Replace($code, '([^\s''"|)]+)/\d{8}-\d{6}Z?(?:-\d+)?-(full|incr)\w*', {
                param($m)
                $kind = if ($m.Groups[2].Value -eq 'full') { 'Full' } else { 'Incremental' }
                $set = Get-EseBackupSet -LiteralPath $m.Groups[1].Value | Where-Object { $_.IsComplete -and "$($_.Kind)" -eq $kind } | Select-Object -First 1
                if ($set) { $set.Path } else { $m.Value }
            })
        foreach ($k in $Replace.Keys) { $code = $code.Replace($k, $Replace[$k]) }
        $code
    }

    # Runs the code in a scope of its own in a runspace that imported the module once, from <world>/cwd, as a script
    # with $ErrorActionPreference = 'Stop' would; a confirmation is answered Yes ($ConfirmPreference = 'None'), as the
    # user at a console would. Output is rendered line by line as it comes, so what an example printed before it
    # exits is kept.
    $script:Runspace = [runspacefactory]::CreateRunspace()
    $script:Runspace.Open()
    $init = [powershell]::Create()
    $init.Runspace = $script:Runspace
    $null = $init.AddCommand('Import-Module').AddParameter('Name', $script:ModulePath).Invoke()
    $init.Dispose()
    function Invoke-Example([string] $Code, [hashtable] $Variables = @{}) {
        $ps = [powershell]::Create()
        $ps.Runspace = $script:Runspace
        try {
            $null = $ps.AddScript({
                    param($Location, $Variables, $Code)
                    Set-Location -LiteralPath $Location
                    foreach ($k in $Variables.Keys) { Set-Variable -Name $k -Value $Variables[$k] }
                    $ErrorActionPreference = 'Stop'
                    $ConfirmPreference = 'None'
                    & ([scriptblock]::Create($Code)) | Out-String -Stream -Width 250
                    '<<EXAMPLE-DONE>>'
                }, $true).AddArgument((W 'cwd')).AddArgument($Variables).AddArgument($Code)
            $thrown = $null
            $out = try { @($ps.Invoke()) } catch { $thrown = $_.Exception.InnerException; @() }
            $text = ($out | ForEach-Object { "$_" }) -join "`n"
            [pscustomobject]@{
                Text      = $text
                Completed = $text.Contains('<<EXAMPLE-DONE>>')
                Thrown    = $thrown
                Errors    = @($ps.Streams.Error)
                Warnings  = @($ps.Streams.Warning | ForEach-Object Message)
            }
        }
        finally { $ps.Dispose() }
    }

    # ---- claims the examples make, checked (keys are 'Topic|Title') ----------------------------------
    # Prepare runs before the example (it may return replacements for the code); Check after it, with its result.
    # Damage, when present, runs the example a second time in a world with a fault and checks what its text says
    # the example does then.
    $script:Claims = @{
        'Backup-EseDatabase|Full backup' = @{
            Check = { param($r) $s = @(Get-Sets 'E/Backups' | Where-Object Source -eq (W 'D/Data/MyService')); $s.Count | Should -Be 1; "$($s[0].Kind)" | Should -Be 'Full'; $files = @(Get-SetFiles $s[0]); @($files.Name) | Should -Contain 'Fixture.edb'; @($files | Where-Object Generation).Count | Should -BeGreaterThan 0 }
        }
        'Backup-EseDatabase|Nightly incremental, throttled' = @{ Check = { param($r) "$((Get-Sets 'backups')[0].Kind)" | Should -Be 'Incremental' } }
        'Get-EseBackupSession|See what is open' = @{ Prepare = { $null = Start-EseExternalBackup -Path (W 'srv/ese'); @{} }; Check = { param($r) $r.Text | Should -Match 'Full' } }
        'Get-EseBackupSession|Abort everything left open' = @{
            Prepare = { $null = Start-EseExternalBackup -Path (W 'srv/ese'); $null = Start-EseExternalBackup -Path (W 'D/Data/MyService'); @{} }
            Check   = { param($r) @(Get-EseBackupSession).Count | Should -Be 0 }
        }
        'Get-EseBackupSession|End one session by the id the table shows' = @{
            Prepare = { $s = Start-EseExternalBackup -Path (W 'srv/ese'); $script:Opened = $s; @{ '1fbbcac5' = [EseBackup.PowerShell.Internal.DisplayFormat]::ShortId($s.Id) } }
            Check   = { param($r) $r.Text | Should -Match ([EseBackup.PowerShell.Internal.DisplayFormat]::ShortId($script:Opened.Id)); $script:Opened.IsOpen | Should -BeFalse }
        }
        'Stop-EseExternalBackup|Abort forgotten sessions' = @{
            Prepare = { $null = Start-EseExternalBackup -Path (W 'srv/ese'); @{} }
            Check   = { param($r) @(Get-EseBackupSession).Count | Should -Be 0; Test-Path (W 'srv/ese/manifest.json') | Should -BeFalse }
        }
        'Get-EseBackupSet|List the sets of a destination' = @{ Check = { param($r) $r.Text | Should -Match 'Incremental'; $r.Text | Should -Match 'Full' } }
        'Get-EseBackupSet|Restore the newest complete set' = @{ Check = { param($r) Test-Path (W 'D/Restore/app/app.edb') | Should -BeTrue } }
        'Get-EseBackupSet|Find sets that did not finish' = @{
            Prepare = {
                $s = Start-EseExternalBackup -Path (W 'D/Data') -Destination (W 'E/Backups/app') | Read-EseBackupFile
                $script:Unfinished = Split-Path -Leaf $s.SetPath
                $s | Stop-EseExternalBackup -Abort
                @{}
            }
            Check   = { param($r) $r.Text | Should -Match ([regex]::Escape($script:Unfinished)) }
        }
        'Get-EseDatabaseInfo|Which databases has the engine recorded a backup of?' = @{
            # The claim: snapshot backups (E:\Backups\app holds two of D:\Data) leave the header's backup fields empty.
            Check = { param($r) (Get-EseDatabaseInfo -Path (W 'D/Data/app.edb')).PreviousFullBackup.IsEmpty | Should -BeTrue; (Get-Sets 'E/Backups/app').Count | Should -BeGreaterThan 0; $r.Text | Should -Match 'PreviousFullBackup' }
        }
        'Get-EseLogFile|Is the sequence complete for what the database needs?' = @{
            Check = {
                param($r)
                $db = Get-EseDatabaseInfo (W 'D/Data/app.edb')
                $needed = @(Get-EseLogFile (W 'D/Data') -WarningAction SilentlyContinue | Where-Object { $_.Generation -ge $db.RequiredLogLow -and $_.Generation -le $db.RequiredLogHigh })
                $db.RequiredLogs | Should -Be '498-500'
                $needed.Count | Should -Be 3
                ([regex]::Matches($r.Text, 'edb001F[234]\.log')).Count | Should -Be 3
            }
        }
        'Get-EseLogFile|Check that every log belongs to the same instance' = @{ Check = { param($r) $r.Text | Should -Match 'Count\s*:\s*1\b' } }
        'Get-EseCheckpoint|Checkpoints of several instances' = @{ Check = { param($r) ([regex]::Matches($r.Text, 'edb\.chk')).Count | Should -Be 2 } }
        'Read-EseBackupFile|Read into a destination' = @{ Check = { param($r) @(Get-Sets 'E/Backups' | Where-Object Source -eq (W 'D/Data/MyService')).Count | Should -Be 1 } }
        'Read-EseBackupFile|Throttled read, stopped later' = @{ Check = { param($r) @(Get-Sets 'backups' | Where-Object Source -eq (W 'srv/ese')).Count | Should -Be 1; @(Get-EseBackupSession).Count | Should -Be 0 } }
        'Remove-EseBackupSet|See what a 30-day rule would remove, leftovers included' = @{ Check = { param($r) (Get-Sets 'E/Backups/app').Count | Should -Be 2 } }
        'Remove-EseBackupSet|Keep the last seven sets' = @{ Check = { param($r) (Get-Sets 'E/Backups/app').Count | Should -Be 2 } }
        'Restore-EseBackup|Point-in-time restore into an empty folder' = @{
            Check = { param($r) @(Get-EseLogFile (W 'D/Restore/app-500') -WarningAction SilentlyContinue | ForEach-Object Generation | Sort-Object)[-1] | Should -Be 0x1F4 }
        }
        'Restore-EseBackup|See what a restore would do' = @{ Check = { param($r) Test-Path (W 'D/Restore/app') | Should -BeFalse } }
        'Start-EseExternalBackup|Full backup of a stopped service''s database folder' = @{ Check = { param($r) "$((Get-Sets 'E/Backups' | Where-Object Source -eq (W 'D/Data/MyService')).Kind)" | Should -Be 'Full' } }
        'Start-EseExternalBackup|Incremental backup continuing an existing chain' = @{ Check = { param($r) "$((Get-Sets 'backups')[0].Kind)" | Should -Be 'Incremental' } }
        'Start-EseExternalBackup|Inspect the session between stages' = @{ Check = { param($r) $r.Text | Should -Match 'SourceKey'; (Get-Sets 'cwd/bak').Count | Should -Be 1 } }
        'Start-EseExternalBackup|A short idle timeout for a scripted backup' = @{ Check = { param($r) (Get-EseBackupSession).IdleTimeout | Should -Be ([timespan]'00:05:00') } }
        'Stop-EseExternalBackup|Commit the set' = @{ Check = { param($r) @(Get-Sets 'E/Backups' | Where-Object Source -eq (W 'D/Data/MyService')).Count | Should -Be 1 } }
        'Test-EseBackup|Fail a scheduled job when the newest set is damaged' = @{
            Damage      = { $log = Get-SetFiles (Get-Sets 'E/Backups/app')[0] | Where-Object Generation | Select-Object -First 1; Set-FlippedBit $log.FullPath (4096 * 3 + 100) }
            CheckDamage = { param($r) $r.Completed | Should -BeFalse; $r.Thrown.ErrorRecord.FullyQualifiedErrorId | Should -BeLike 'BackupSetVerificationFailed*' }
        }
        'Test-EseBackupFreshness|Back up only when the last full backup is more than a day old' = @{ Check = { param($r) (Get-Sets 'E/Backups').Count | Should -Be 1 } }
        'Test-EseBackupFreshness|Why is the check failing?' = @{ Check = { param($r) $r.Text | Should -Match 'Reason' } }
        'Test-EseDatabase|Fail a script when the database is damaged' = @{
            Variables   = @{ db = 'D/Data/app.edb' }
            Damage      = { Set-FlippedBit (W 'D/Data/app.edb') (8192 * 12 + 300) }
            CheckDamage = { param($r) $r.Completed | Should -BeFalse -Because 'the example exits'; "$($r.Errors + $r.Thrown)" | Should -Match 'Database damaged:.*app\.edb.*1 .*page.*\b11\b' }
        }
        'Test-EseLogFile|Stop a script when any log is damaged' = @{
            Damage      = { Set-FlippedBit (W 'mnt/snap/data/edb00002.log') (4096 * 3 + 100) }
            CheckDamage = { param($r) $r.Completed | Should -BeFalse -Because 'the example exits'; $r.Text | Should -Match 'edb00002\.log.*generation 2' }
        }
        'about_EseBackup|Back up a snapshot folder step by step' = @{ Check = { param($r) @(Get-Sets 'backups').Count | Should -Be 2; @(Get-EseBackupSession).Count | Should -Be 0 } }
        'about_EseBackup|Nightly: full on Sunday, incremental otherwise, keep two weeks' = @{
            Check = { param($r) $kind = if ((Get-Date).DayOfWeek -eq 'Sunday') { 'Full' } else { 'Incremental' }; "$((Get-Sets 'E/Backups')[0].Kind)" | Should -Be $kind }
        }
        'about_EseBackup|Verify the newest set and restore it to a new folder' = @{ Check = { param($r) Test-Path (W 'D/Restored/app.edb') | Should -BeTrue } }
    }
}

AfterAll {
    if ($script:Runspace) { $script:Runspace.Dispose() }
    Get-EseBackupSession | Stop-EseExternalBackup -Abort -ErrorAction SilentlyContinue
    if ($script:Base -and (Test-Path $script:Base)) { Remove-Item -LiteralPath $script:Base -Recurse -Force }
}

Describe 'Help examples' {
    It '<Topic>: <Title>' -ForEach $script:Examples {
        $key = "$Topic|$Title"
        $reason = $script:Skips[$key]
        if (-not $reason) { foreach ($rule in $script:SkipRules) { if ($Code -match $rule.Pattern) { $reason = $rule.Reason } } }
        if ($reason) { $script:SkipsUsed[$key] = $true; Set-ItResult -Skipped -Because $reason; return }
        if (-not $script:HasFixtures) { Set-ItResult -Skipped -Because "the fixture library (EseFixtureWriter) is not built at $script:FixturesDll"; return }

        $claim = $script:Claims[$key]
        if ($claim) { $script:ClaimsUsed[$key] = $true } else { $claim = @{} }
        $variables = @{}
        if ($claim.Variables) { foreach ($k in $claim.Variables.Keys) { $variables[$k] = W $claim.Variables[$k] } }

        Reset-World
        $replace = if ($claim.Prepare) { & $claim.Prepare } else { @{} }
        $code = Convert-ExampleCode $Code $replace
        $r = Invoke-Example $code $variables
        $r.Thrown | Should -BeNullOrEmpty -Because "the example threw:`n$code"
        $r.Errors.Count | Should -Be 0 -Because "the example wrote errors ($($r.Errors -join '; ')):`n$code"
        $r.Completed | Should -BeTrue -Because "the example ended early (exit?):`n$code"
        if ($claim.Check) { & $claim.Check $r }

        if ($claim.Damage) {
            Reset-World
            $replace = if ($claim.Prepare) { & $claim.Prepare } else { @{} }
            & $claim.Damage
            $r = Invoke-Example (Convert-ExampleCode $Code $replace) $variables
            & $claim.CheckDamage $r
        }
    }

    It 'every listed skip and claim names an example that exists' -ForEach @(@{ Keys = @($script:Examples | ForEach-Object { "$($_.Topic)|$($_.Title)" }) }) {
        $keys = $Keys
        foreach ($k in $script:Skips.Keys) { $k | Should -BeIn $keys -Because 'a skip must name an example of the built help' }
        foreach ($k in $script:Claims.Keys) { $k | Should -BeIn $keys -Because 'a claim check must name an example of the built help' }
    }
}
