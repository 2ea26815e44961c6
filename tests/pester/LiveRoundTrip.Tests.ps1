# The live round trip against the real esent.dll (Windows only; .github/workflows/windows.yml runs it and
# fails when it is skipped): a database with rows, backed up through the cmdlets (full with truncation, rows
# added, incremental with truncation), restored with -Recover, every row read back. The module exposes no
# table API, so rows are written and read through its internal EsentTables helper (reflection, test only).
BeforeDiscovery {
    $script:NoEsent = -not ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop')
}

BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    . (Join-Path $PSScriptRoot 'Support/TestFolders.ps1')
    $core = [EseBackup.Core.Sources.EseInstance].Assembly
    $script:Tables = $core.GetType('EseBackup.Core.Interop.EsentTables', $true)
    $script:SessionOf = [EseBackup.Core.Sources.EseInstance].GetProperty('Session', [System.Reflection.BindingFlags]'NonPublic,Instance')
    $script:CreateDb = [EseBackup.Core.Sources.EseInstance].GetMethod('CreateDatabase', [System.Reflection.BindingFlags]'NonPublic,Instance')
    function script:Invoke-Tables([string] $Name, [object[]] $Arguments) {
        $script:Tables.GetMethod($Name, [System.Reflection.BindingFlags]'NonPublic,Static').Invoke($null, $Arguments)
    }
    function script:Add-Rows($Instance, [string] $Database, [int[]] $Values) {
        $session = $script:SessionOf.GetValue($Instance)
        $dbid = Invoke-Tables 'OpenDatabase' @($session, $Database)
        Invoke-Tables 'InsertInt32' @($session, $dbid, 'numbers', 'value', [System.Collections.Generic.List[int]]$Values)
        Invoke-Tables 'CloseDatabase' @($session, $dbid)
    }
}

Describe 'Live round trip through the cmdlets against esent.dll' -Skip:$script:NoEsent {
    It 'backs up full and incremental with truncation, restores with -Recover and reads every row back' {
        $root = New-TestFolder 'pester-roundtrip'
        $live = Join-Path $root 'live'
        $database = Join-Path $live 'db\rows.edb'
        New-Item -ItemType Directory -Path (Split-Path $database) -Force | Out-Null
        $options = [EseBackup.Core.Sources.EseInstanceOptions]@{ PageSize = 8192 }

        # Create the database with a table and 100 rows.
        $setup = [EseBackup.Core.Sources.EseInstance]::Open((Join-Path $live 'logs'), (Join-Path $live 'sys'), 'edb', [string[]]@(), $options)
        $dbid = $script:CreateDb.Invoke($setup, @($database))
        $session = $script:SessionOf.GetValue($setup)
        Invoke-Tables 'CreateInt32Table' @($session, $dbid, 'numbers', 'value')
        Invoke-Tables 'CloseDatabase' @($session, $dbid)
        Add-Rows $setup $database (0..99)
        $setup.Close()

        $backups = Join-Path $root 'backups'
        $instance = Open-EseInstance -DatabasePath $database -LogPath (Join-Path $live 'logs') -SystemPath (Join-Path $live 'sys') -PageSize 8192 -Confirm:$false
        try {
            $full = Backup-EseDatabase -Instance $instance -Destination $backups -TruncateLog -Confirm:$false
            $full.Kind | Should -Be 'Full'
            Add-Rows $instance $database (100..199)
            $incr = Start-EseExternalBackup -Instance $instance -Incremental | Read-EseBackupFile -Destination $backups | Stop-EseExternalBackup -TruncateLog -Confirm:$false
            $incr.Kind | Should -Be 'Incremental'
        }
        finally { $instance | Close-EseInstance }

        (Test-EseBackup -Path $backups | Where-Object { -not $_.IsValid }) | Should -BeNullOrEmpty
        $restored = Join-Path $root 'restored'
        Restore-EseBackup -Path $incr.Path -Destination $restored -Recover -Confirm:$false | Out-Null

        $restoredDb = (Get-ChildItem -Path $restored -Recurse -Filter 'rows.edb' | Select-Object -First 1).FullName
        $restoredDb | Should -Not -BeNullOrEmpty
        $check = [EseBackup.Core.Sources.EseInstance]::Open((Join-Path $root 'check-logs'), (Join-Path $root 'check-sys'), 'edb', [string[]]@($restoredDb), $options)
        try {
            $session = $script:SessionOf.GetValue($check)
            $dbid = Invoke-Tables 'OpenDatabase' @($session, $restoredDb)
            $values = Invoke-Tables 'ReadInt32' @($session, $dbid, 'numbers', 'value')
            Invoke-Tables 'CloseDatabase' @($session, $dbid)
        }
        finally { $check.Close() }
        @($values | Sort-Object) | Should -Be @(0..199)
    }
}
