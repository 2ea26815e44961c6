# Backup sets in Azure Blob Storage, against a real Blob service (Azurite, tools/azurite) and the real module in
# real pwsh: the store behind every set cmdlet, processes racing and killed, secrets, and how the Azure SDK loads.
# Skipped, saying so, when Azurite is not installed.
BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
    $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:FixturesDll = Join-Path $script:RepoRoot 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
    Add-Type -Path $script:FixturesDll
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    . (Join-Path $PSScriptRoot 'Support/Azurite.ps1')
    $script:Azurite = Start-Azurite
    # The store reads the connection string the way Azure CLI does; each test's child processes inherit it.
    $script:ConnectionStringBefore = $env:AZURE_STORAGE_CONNECTION_STRING
    if ($script:Azurite) { $env:AZURE_STORAGE_CONNECTION_STRING = $script:Azurite.ConnectionString }

    # The set cmdlets take container URLs once the store plumbing (issue 15, i15-store) is in; until then the
    # tests that drive them say so and are skipped (the store itself is tested below through the core's API).
    $script:CmdletsTakeUrls = (Get-Command Backup-EseDatabase).Parameters.ContainsKey('ConnectionString')

    function Skip-WithoutAzurite([switch] $Cmdlets) {
        if (-not $script:Azurite) { Set-ItResult -Skipped -Because $script:AzuriteMissing; return $true }
        if ($Cmdlets -and -not $script:CmdletsTakeUrls) { Set-ItResult -Skipped -Because 'the set cmdlets do not take container URLs in this build (no -ConnectionString on Backup-EseDatabase)'; return $true }
        $false
    }

    # A round trip through the store the module opens for a URL (the core's API, no cmdlet): claim a set, write a
    # file, commit the manifest, list. What the loading tests run in a child.
    $script:StoreRoundTrip = @'
$store = [EseBackup.Core.BackupSets.Stores.BackupStores]::Open($Url)
$store.EnsureExists()
$lease = $store.TryClaimSet('20261130-000000Z-full')
$file = $store.CreateFile('20261130-000000Z-full', 'Fixture.edb'); $file.Stream.Write([byte[]](1..200), 0, 200); $file.Commit(); $file.Dispose()
$store.CommitManifest('20261130-000000Z-full', [Text.Encoding]::UTF8.GetBytes('{}'))
$lease.Dispose()
'SETS=' + (@($store.ListSets() | Where-Object HasManifest).Count)
'@

    # What a child pwsh runs first: the module and the fixture writer.
    $script:ChildPrelude = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($script:ModulePath)'
Add-Type -Path '$($script:FixturesDll)'
"@

    # Flips one byte in page $Page of a blob (a database): the damage a bad disk or a careless hand does.
    function Set-BlobDamage([string] $ContainerUrl, [string] $BlobName, [int] $Page, [int] $PageSize = 8192) {
        $container = ($ContainerUrl.Substring($script:Azurite.BlobEndpoint.Length + 1) -split '/')[0]
        $null = Invoke-AzuriteRaw $script:Azurite @"
`$blob = `$Service.GetBlobContainerClient('$container').GetBlobClient('$BlobName')
`$bytes = `$blob.DownloadContent().Value.Content.ToArray()
`$bytes[$Page * $PageSize + 100] = `$bytes[$Page * $PageSize + 100] -bxor 0x55
`$null = `$blob.Upload([BinaryData]::new(`$bytes), `$true)
"@
    }

    # The part of a blob name under the container.
    function Get-BlobPrefix([string] $Url) { ($Url.Substring($script:Azurite.BlobEndpoint.Length + 1) -split '/', 2)[1] }
}

AfterAll {
    $env:AZURE_STORAGE_CONNECTION_STRING = $script:ConnectionStringBefore
    Stop-Azurite $script:Azurite
}

Describe 'Backup sets in a blob container' {
    It 'backs up full and incremental to a container, lists, verifies and restores to disk byte-identical' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-src' -PageCount 300 -LastGeneration 3
        $url = New-AzuriteContainerUrl $script:Azurite 'srv1/SampleService'
        $full = Backup-EseDatabase -Path $src -Destination $url
        $full.Path | Should -BeLike "$url/*-full"
        Step-CurrentLog $src
        $incr = Backup-EseDatabase -Path $src -Destination $url -Incremental
        $incr.Path | Should -BeLike "$url/*-incr"

        $sets = @(Get-EseBackupSet -Path $url)
        $sets.Count | Should -Be 2
        @($sets | Where-Object IsComplete).Count | Should -Be 2
        @($sets.Kind | ForEach-Object { "$_" }) | Sort-Object | Should -Be @('Full', 'Incremental')

        # The layout a person or another tool sees: <prefix>/<set>/<file>, a manifest per set, no lease left.
        $names = Get-AzuriteBlobNames $script:Azurite $url
        $prefix = Get-BlobPrefix $url
        foreach ($s in $sets) { $names | Should -Contain "$prefix/$(Split-Path $s.Path -Leaf)/manifest.json" }
        @($names | Where-Object { $_ -like '*.lease' }) | Should -BeNullOrEmpty

        $results = @(Test-EseBackup -Path $url)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.IsValid | Should -BeTrue -Because ($_ | Out-String) }

        $restored = New-TestFolder 'pester-blob-restored'
        $null = Restore-EseBackup -Path $incr.Path -Destination $restored -Confirm:$false
        $restoredFiles = @(Get-ChildItem $restored -File | Where-Object Name -ne 'restore.json')
        $restoredFiles.Name | Should -Contain 'Fixture.edb'
        foreach ($f in $restoredFiles) {
            Get-ByteHash $f.FullName | Should -Be (Get-ByteHash (Join-Path $src $f.Name)) -Because "$($f.Name) is restored byte for byte"
        }
    }

    It 'Test-EseBackup reports a damaged blob by name and page, and Restore-EseBackup refuses it and writes nothing' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-damage' -PageCount 64 -LastGeneration 2
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $full = Backup-EseDatabase -Path $src -Destination $url
        (Test-EseBackup -Path $full.Path).IsValid | Should -BeTrue
        Step-CurrentLog $src
        $other = Backup-EseDatabase -Path $src -Destination $url

        Set-BlobDamage $url "db/$(Split-Path $full.Path -Leaf)/Fixture.edb" -Page 10
        # One set named: its failed verification is a terminating error carrying the result (as for a folder).
        $result = $null
        try { Test-EseBackup -Path $full.Path -ErrorAction Stop } catch { $result = $_.TargetObject; $message = $_.Exception.Message }
        $result.IsValid | Should -BeFalse
        $message | Should -Match ([regex]::Escape("$($full.Path)/Fixture.edb"))
        $message | Should -Match 'page \d+ .*checksum'
        # The container as a whole: that set fails, the other one still verifies.
        $all = @(Test-EseBackup -Path $url -ErrorAction SilentlyContinue)
        @($all | Where-Object { -not $_.IsValid }).Count | Should -Be 1
        @($all | Where-Object IsValid).Count | Should -Be 1
        (Test-EseBackup -Path $other.Path).IsValid | Should -BeTrue

        $restored = New-TestFolder 'pester-blob-refused'
        { Restore-EseBackup -Path $full.Path -Destination $restored -Confirm:$false -ErrorAction Stop } | Should -Throw
        @(Get-ChildItem $restored -Force) | Should -BeNullOrEmpty
    }

    It 'Remove-EseBackupSet keeps the newest chain whole and removes the blobs of the rest' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-retention' -PageCount 64 -LastGeneration 2
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $full1 = Backup-EseDatabase -Path $src -Destination $url
        Step-CurrentLog $src
        $incr1 = Backup-EseDatabase -Path $src -Destination $url -Incremental
        Step-CurrentLog $src
        $full2 = Backup-EseDatabase -Path $src -Destination $url
        Step-CurrentLog $src
        $incr2 = Backup-EseDatabase -Path $src -Destination $url -Incremental

        $removed = @(Remove-EseBackupSet -Path $url -KeepLast 1 -Confirm:$false)
        @($removed.Path) | Sort-Object | Should -Be (@($full1.Path, $incr1.Path) | Sort-Object)
        @((Get-EseBackupSet -Path $url).Path) | Sort-Object | Should -Be (@($full2.Path, $incr2.Path) | Sort-Object)
        $names = Get-AzuriteBlobNames $script:Azurite $url
        foreach ($gone in $full1, $incr1) { @($names | Where-Object { $_ -like "db/$(Split-Path $gone.Path -Leaf)/*" }) | Should -BeNullOrEmpty }
        (Test-EseBackup -Path $incr2.Path).IsValid | Should -BeTrue
    }

    It 'Test-EseBackupFreshness answers for a container' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-fresh' -PageCount 64 -LastGeneration 2
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        Test-EseBackupFreshness -Destination $url -SourcePath $src -MaxAge '01:00:00' | Should -BeFalse
        $full = Backup-EseDatabase -Path $src -Destination $url
        Test-EseBackupFreshness -Destination $url -SourcePath $src -MaxAge '01:00:00' | Should -BeTrue
        $detail = Test-EseBackupFreshness -Destination $url -MaxAge '01:00:00' -Detailed
        $detail.IsCurrent | Should -BeTrue
        $detail.NewestFullSet.Path | Should -Be $full.Path
        # Another source's backups do not count.
        Test-EseBackupFreshness -Destination $url -SourcePath (New-TestFolder 'pester-blob-other') -MaxAge '01:00:00' | Should -BeFalse
    }
}

Describe 'The documented Azurite example' {
    It 'runs as written from <Source> against the test''s Azurite' -ForEach @(
        @{ Source = 'README.md' }
        @{ Source = 'docs/help/about_EseBackup_AzureBlob.md' }
    ) {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $text = Get-Content (Join-Path $script:RepoRoot $Source) -Raw
        $section = [regex]::Match($text, '(?s)###[^\n]*worked example against Azurite.*?```powershell\r?\n(.*?)```')
        $section.Success | Should -BeTrue -Because "$Source has a worked example against Azurite"
        $code = $section.Groups[1].Value
        $code | Should -Match '127\.0\.0\.1:10000'
        # The example's folders: a written database folder as the sample, the restore under a fresh folder.
        $work = New-TestFolder 'pester-blob-example'
        $sample = New-WrittenDatabaseFolder 'pester-blob-example-src' -PageCount 64 -LastGeneration 3
        Move-Item $sample (Join-Path $work 'SampleService')
        $code = $code.Replace('127.0.0.1:10000', "127.0.0.1:$($script:Azurite.Port)").
            Replace('./out/demo/source/SampleService', './SampleService').Replace('./out/demo/restored-from-blob', './restored').
            Replace('Import-Module ./out/EseBackup/EseBackup.psd1', "Import-Module '$($script:ModulePath)'")
        $script = "`$ErrorActionPreference = 'Stop'`nSet-Location '$work'`nImport-Module '$($script:ModulePath)'`n$code`n'EXAMPLE-DONE'"
        $run = Invoke-ChildPwsh -Script $script
        $run.ExitCode | Should -Be 0 -Because $run.Text
        @($run.Output | Where-Object { $_.Trim() })[-1] | Should -Be 'EXAMPLE-DONE'
        $run.Text | Should -Not -Match 'Exception'
        Get-ByteHash (Join-Path $work 'restored/Fixture.edb') | Should -Be (Get-ByteHash (Join-Path $work 'SampleService/Fixture.edb'))
    }
}

Describe 'Blob stores under concurrent use and killed processes' {
    It 'two backups started at the same moment by two processes into one container both commit their own set (3 rounds)' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $url = New-AzuriteContainerUrl $script:Azurite 'shared'
        $child = "param([string] `$Source, [string] `$Url, [string] `$Go)`n" + $script:ChildPrelude + @'

while (-not (Test-Path -LiteralPath $Go)) { Start-Sleep -Milliseconds 5 }
$set = Backup-EseDatabase -Path $Source -Destination $Url
"SET=$($set.Path)"
'@
        $all = @()
        foreach ($round in 1..3) {
            $go = Join-Path ([IO.Path]::GetTempPath()) "blob-go-$([guid]::NewGuid().ToString('N'))"
            $children = foreach ($n in 1, 2) {
                $src = New-WrittenDatabaseFolder "pester-blob-race$n" -PageCount 128 -LastGeneration 2
                Start-ChildPwsh -Script $child -ArgumentList @('-Source', $src, '-Url', $url, '-Go', $go)
            }
            Start-Sleep -Seconds 3   # both children have imported the module and wait on the start line
            Set-Content -LiteralPath $go -Value go
            $done = foreach ($c in $children) { Wait-ChildPwsh $c -TimeoutSeconds 180 }
            Remove-Item -LiteralPath $go -Force
            foreach ($d in $done) { $d.ExitCode | Should -Be 0 -Because $d.Text }
            $paths = @($done | ForEach-Object { [regex]::Match($_.Text, 'SET=(\S+)').Groups[1].Value })
            $paths | Should -Not -Contain ''
            $paths[0] | Should -Not -Be $paths[1]
            $all += $paths
        }
        $sets = @(Get-EseBackupSet -Path $url)
        $sets.Count | Should -Be 6
        @($sets.Path) | Sort-Object | Should -Be (@($all) | Sort-Object)
        foreach ($s in $sets) { $s.IsComplete | Should -BeTrue; (Test-EseBackup -Path $s.Path -Quick).IsValid | Should -BeTrue -Because $s.Path }
    }

    It 'a backup killed mid-upload leaves an incomplete set that is listed as such, never built on, and removed once its lease expired' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-killed' -PageCount 8192 -LastGeneration 2   # 64 MiB
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $good = Backup-EseDatabase -Path $src -Destination $url
        # Throttled to 8 MB/s so that the 64 MiB take about 8 s: a quiet machine uploads them to Azurite within the 1.5 s below.
        $child = "param([string] `$Source, [string] `$Url)`n" + $script:ChildPrelude + "`nBackup-EseDatabase -Path `$Source -Destination `$Url -ThrottleMBps 8 | Out-Null"
        $killed = Start-ChildPwsh -Script $child -ArgumentList @('-Source', $src, '-Url', $url)
        # Killed once its set is claimed and its database upload is under way (the lease marker is there, no manifest).
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        do {
            Start-Sleep -Milliseconds 200
            $inProgress = @(Get-EseBackupSet -Path $url -ErrorAction SilentlyContinue | Where-Object { -not $_.IsComplete })
        } until ($inProgress.Count -gt 0 -or $killed.Process.HasExited -or [DateTime]::UtcNow -gt $deadline)
        Start-Sleep -Milliseconds 1500
        $killed.Process.HasExited | Should -BeFalse -Because 'the backup must still be uploading when it is killed'
        Stop-Process -Id $killed.Process.Id -Force   # SIGKILL: no finally, no cleanup
        $killed.Process.WaitForExit()
        $null = Wait-ChildPwsh $killed

        $sets = @(Get-EseBackupSet -Path $url)
        $incomplete = @($sets | Where-Object { -not $_.IsComplete })
        $incomplete.Count | Should -Be 1
        $names = Get-AzuriteBlobNames $script:Azurite $url
        $names | Should -Not -Contain "db/$(Split-Path $incomplete[0].Path -Leaf)/manifest.json"

        # The next incremental builds on the complete full, never on the killed one.
        Step-CurrentLog $src
        $incr = Backup-EseDatabase -Path $src -Destination $url -Incremental
        $byPath = @{}; Get-EseBackupSet -Path $url | ForEach-Object { $byPath[$_.Path] = $_ }
        $byPath[$incr.Path].ParentSetId | Should -Be $byPath[$good.Path].SetId
        (Test-EseBackup -Path $incr.Path).IsValid | Should -BeTrue

        # The killed backup's blob lease is not renewed: while it lasts the set is in use and retention keeps it;
        # once it expired (30 s) the lease is stale and retention takes it over and removes the set.
        $killedPath = $incomplete[0].Path
        $null = Remove-EseBackupSet -Path $url -KeepLast 2 -IncludeIncomplete -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        @((Get-EseBackupSet -Path $url).Path) | Should -Contain $killedPath -Because 'its lease was still live'
        Start-Sleep -Seconds 32
        $removed = @(Remove-EseBackupSet -Path $url -KeepLast 2 -IncludeIncomplete -Confirm:$false)
        @($removed.Path) | Should -Be @($killedPath)
        @((Get-EseBackupSet -Path $url).Path) | Sort-Object | Should -Be (@($good.Path, $incr.Path) | Sort-Object)
        @(Get-AzuriteBlobNames $script:Azurite $url | Where-Object { $_ -like "db/*$(Split-Path $killedPath -Leaf)*" }) | Should -BeNullOrEmpty
    }
}

Describe 'Secrets stay out of everything the module shows or writes' {
    It 'a SAS URL and a connection string appear in no object, stream, manifest or error' {
        if (Skip-WithoutAzurite -Cmdlets) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-secret' -PageCount 64 -LastGeneration 2
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $container = ($url.Substring($script:Azurite.BlobEndpoint.Length + 1) -split '/')[0]
        $sas = @(Invoke-AzuriteRaw $script:Azurite @"
`$c = `$Service.GetBlobContainerClient('$container'); `$null = `$c.CreateIfNotExists()
`$key = [Azure.Storage.StorageSharedKeyCredential]::new('$script:AzuriteAccount', '$script:AzuriteKey')
foreach (`$p in 'All', 'Read, List') {
    `$b = [Azure.Storage.Sas.BlobSasBuilder]::new([Azure.Storage.Sas.BlobContainerSasPermissions]`$p, [DateTimeOffset]::UtcNow.AddHours(1))
    `$b.BlobContainerName = '$container'
    `$b.ToSasQueryParameters(`$key).ToString()
}
"@)
        $sas.Count | Should -Be 2
        $signatures = @($sas | ForEach-Object { [uri]::UnescapeDataString(([regex]::Match($_, 'sig=([^&]+)')).Groups[1].Value) })
        $child = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$($script:ModulePath)'
`$VerbosePreference = 'Continue'; `$DebugPreference = 'Continue'; `$InformationPreference = 'Continue'
Remove-Item Env:AZURE_STORAGE_CONNECTION_STRING
`$set = Backup-EseDatabase -Path '$src' -Destination '${url}?$($sas[0])' -Verbose
`$set | Format-List * -Force | Out-String
`$set | ConvertTo-Json -Depth 6
Get-EseBackupSet -Path '${url}?$($sas[0])' | ConvertTo-Json -Depth 6
Test-EseBackup -Path '${url}?$($sas[0])' -Verbose | Format-List * -Force | Out-String
# Refused: a read-only SAS cannot write, an account key that is wrong cannot list.
try { Backup-EseDatabase -Path '$src' -Destination '${url}?$($sas[1])' -ErrorAction Stop } catch { `$_ | Format-List * -Force | Out-String; `$_.Exception.ToString() }
`$env:AZURE_STORAGE_CONNECTION_STRING = '$($script:Azurite.ConnectionString)'.Replace('$script:AzuriteKey', 'V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=')
try { Get-EseBackupSet -Path '$url' -ErrorAction Stop } catch { `$_ | Format-List * -Force | Out-String; `$_.Exception.ToString() }
`$env:AZURE_STORAGE_CONNECTION_STRING = '$($script:Azurite.ConnectionString)'
Get-EseBackupSet -Path '$url' -Verbose | Format-List * -Force | Out-String
`$Error | ForEach-Object { `$_ | Out-String }
'CHILD-DONE'
"@
        $r = Invoke-ChildPwsh -Script $child
        $r.Text | Should -Match 'CHILD-DONE'
        $r.Text | Should -Match '403'          # the refusals were reached and reported
        $r.Text | Should -Match 'SAS token'    # ... naming the kind of credential
        foreach ($secret in @($signatures) + @($sas) + @($script:AzuriteKey, 'V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=')) {
            $r.Text.Contains($secret) | Should -BeFalse -Because "no secret ('$($secret.Substring(0, 6))...') may appear in output, objects or errors"
            $r.Text.Contains([uri]::EscapeDataString($secret)) | Should -BeFalse
        }
        # Nor in what is stored: every manifest of the container.
        $manifests = @(Invoke-AzuriteRaw $script:Azurite @"
`$c = `$Service.GetBlobContainerClient('$container')
`$c.GetBlobs() | Where-Object Name -like '*/manifest.json' | ForEach-Object { `$c.GetBlobClient(`$_.Name).DownloadContent().Value.Content.ToString() }
"@) -join "`n"
        $manifests | Should -Match 'Fixture.edb'
        foreach ($secret in @($signatures) + @($script:AzuriteKey)) { $manifests.Contains($secret) | Should -BeFalse }
        $manifests | Should -Not -Match 'sig='
    }
}

Describe 'How the Azure SDK loads' {
    It 'a session that never names a URL never loads the Azure assemblies; naming one loads them in their own load context' {
        if (Skip-WithoutAzurite) { return }
        $src = New-WrittenDatabaseFolder 'pester-blob-lazy' -PageCount 64 -LastGeneration 2
        $dest = New-TestFolder 'pester-blob-lazy-sets'
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $child = $script:ChildPrelude + @"

`$set = Backup-EseDatabase -Path '$src' -Destination '$dest'
`$null = Get-EseBackupSet -Path '$dest'; `$null = Test-EseBackup -Path '$dest'
`$null = Restore-EseBackup -Path `$set.Path -Destination '$dest/restored' -Confirm:`$false
`$null = Test-EseBackupFreshness -Destination '$dest' -MaxAge '01:00:00'
`$null = Remove-EseBackupSet -Path '$dest' -KeepLast 1 -Confirm:`$false
'BEFORE=' + ((@([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name } | Where-Object { `$_ -like 'Azure*' -or `$_ -like 'EseBackup.Stores*' -or `$_ -like 'Microsoft.Identity*' })) -join ',')
`$Url = '$url'
$($script:StoreRoundTrip)
foreach (`$a in [AppDomain]::CurrentDomain.GetAssemblies()) {
    if (`$a.GetName().Name -in 'Azure.Storage.Blobs', 'Azure.Core', 'EseBackup.Stores.Azure', 'EseBackup.Core') {
        'AFTER={0}|{1}' -f `$a.GetName().Name, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$a).Name
    }
}
"@
        $r = Invoke-ChildPwsh -Script $child
        $r.ExitCode | Should -Be 0 -Because $r.Text
        ($r.Output | Where-Object { $_ -like 'BEFORE=*' }) | Should -Be 'BEFORE='
        $r.Output | Should -Contain 'SETS=1'
        $after = @($r.Output | Where-Object { $_ -like 'AFTER=*' })
        $after | Should -Contain 'AFTER=EseBackup.Core|Default'
        foreach ($name in 'Azure.Storage.Blobs', 'Azure.Core', 'EseBackup.Stores.Azure') {
            @($after | Where-Object { $_ -like "AFTER=$name|*" }) | Should -Be @("AFTER=$name|EseBackup store EseBackup.Stores.Azure")
        }
    }

    It 'a session that loaded another Azure.Storage.Blobs version first still backs up to blob, and its own client still works' {
        if (Skip-WithoutAzurite) { return }
        $other = Join-Path $script:RepoRoot 'tests/AzureSdkOtherVersion/bin/Release/net8.0/Azure.Storage.Blobs.dll'
        if (-not (Test-Path $other)) { Set-ItResult -Skipped -Because "the other SDK version is not built at $other (dotnet build EseBackup.sln -c Release)"; return }
        $src = New-WrittenDatabaseFolder 'pester-blob-other-sdk' -PageCount 64 -LastGeneration 2
        $url = New-AzuriteContainerUrl $script:Azurite 'db'
        $backup = if ($script:CmdletsTakeUrls) { "`$set = Backup-EseDatabase -Path '$src' -Destination '$url/cmdlet'; 'VALID=' + (Test-EseBackup -Path `$set.Path).IsValid" } else { "'VALID=True'" }
        $child = @"
`$ErrorActionPreference = 'Stop'
# As Az.Storage or another module would: its own Azure.Storage.Blobs (12.26.0, on Azure.Core 1.49) in use first.
`$null = [Reflection.Assembly]::LoadFrom('$other')
`$client = [Azure.Storage.Blobs.BlobServiceClient]::new('$($script:Azurite.ConnectionString)',
    [Azure.Storage.Blobs.BlobClientOptions]::new([Azure.Storage.Blobs.BlobClientOptions+ServiceVersion]::V2025_11_05))
`$null = `$client.GetBlobContainerClient('othersdk').CreateIfNotExists()
Import-Module '$($script:ModulePath)'
`$Url = '$url'
$($script:StoreRoundTrip)
$backup
'OTHER=' + @(`$client.GetBlobContainers() | Where-Object Name -eq 'othersdk').Count
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Storage.Blobs' } |
    ForEach-Object { 'LOADED={0}|{1}' -f `$_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object
"@
        $r = Invoke-ChildPwsh -Script $child
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'SETS=1'
        $r.Output | Should -Contain 'VALID=True'
        $r.Output | Should -Contain 'OTHER=1'
        @($r.Output | Where-Object { $_ -like 'LOADED=*' }) | Should -Be @('LOADED=12.26.0.0|Default', 'LOADED=12.30.1.0|EseBackup store EseBackup.Stores.Azure')
    }
}
