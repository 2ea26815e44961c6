BeforeAll {
    $script:ModulePath = $env:ESEBACKUP_MODULE_PATH
    Import-Module $script:ModulePath -Force
}

Describe 'EseBackup module' {
    It 'imports from the build output with its manifest' {
        $module = Get-Module EseBackup
        $module | Should -Not -BeNullOrEmpty
        $module.Version | Should -Be ([version](Import-PowerShellDataFile $script:ModulePath).ModuleVersion)
        $module.ModuleBase | Should -Be (Split-Path $script:ModulePath)
    }

    It 'declares both PowerShell editions' {
        (Import-PowerShellDataFile $script:ModulePath).CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'exports cmdlets that use approved verbs only' {
        $approved = (Get-Verb).Verb
        $commands = Get-Command -Module EseBackup
        $commands | Should -Not -BeNullOrEmpty
        foreach ($c in $commands) { $c.Verb | Should -BeIn $approved -Because "$($c.Name) must use an approved verb" }
    }
}
