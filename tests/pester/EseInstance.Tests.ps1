BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:OnWindows = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)
}

Describe 'Open-EseInstance and Close-EseInstance' {
    It 'are exported with help' {
        foreach ($name in 'Open-EseInstance', 'Close-EseInstance') {
            Get-Command $name -Module EseBackup | Should -Not -BeNullOrEmpty
        }
        (Get-Command Open-EseInstance).Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'rejects a base name that is not three characters' {
        { Open-EseInstance -DatabasePath $PSCommandPath -LogPath $TestDrive -BaseName edb0 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'BaseName'*"
    }

    It 'stops with a NotImplemented error that names esent.dll where there is no Windows' -Skip:$script:OnWindows {
        $db = Join-Path $TestDrive 'data.edb'
        Set-Content -Path $db -Value 'x'
        $err = $null
        try { Open-EseInstance -DatabasePath $db -LogPath (Join-Path $TestDrive 'logs') -ErrorAction Stop }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.CategoryInfo.Category | Should -Be 'NotImplemented'
        $err.Exception.Message | Should -BeLike '*requires Windows (esent.dll)*'
        Test-Path (Join-Path $TestDrive 'logs') | Should -BeFalse -Because 'nothing is created before the platform check'
    }

    It 'reports a missing database file without starting anything' {
        { Open-EseInstance -DatabasePath (Join-Path $TestDrive 'missing.edb') -LogPath $TestDrive -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*missing.edb*'
    }

    It 'does nothing under -WhatIf' {
        $db = Join-Path $TestDrive 'whatif.edb'
        Set-Content -Path $db -Value 'x'
        $logs = Join-Path $TestDrive 'whatif-logs'
        Open-EseInstance -DatabasePath $db -LogPath $logs -WhatIf | Should -BeNullOrEmpty
        Test-Path $logs | Should -BeFalse
    }
}
