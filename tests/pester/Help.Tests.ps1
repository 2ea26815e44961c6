# Every exported cmdlet has real help (from docs/help/<Verb-Noun>.md through tools/Build-Help.ps1), not the
# syntax PowerShell makes up when there is none; the module's about topic is found by name.
BeforeDiscovery {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $script:Commands = @(Get-Command -Module EseBackup -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            @{
                Name       = $_.Name
                Parameters = @($_.Parameters.Keys | Where-Object { $_ -notin $common -and $_ -ne 'UseTransaction' } | Sort-Object |
                        ForEach-Object { @{ Parameter = $_ } })
            }
        })
}

BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:ModuleBase = Split-Path $env:ESEBACKUP_MODULE_PATH
}

Describe 'Help files' {
    It 'has the MAML file PowerShell looks for beside the cmdlet assembly' {
        $maml = Join-Path $script:ModuleBase 'en-US/EseBackup.PowerShell.dll-Help.xml'
        Test-Path $maml | Should -BeTrue -Because 'build.ps1 Help writes it from docs/help'
        { [xml](Get-Content $maml -Raw) } | Should -Not -Throw
    }

    It 'finds about_EseBackup by name' {
        $about = Get-Help about_EseBackup
        $about | Should -Not -BeNullOrEmpty
        ($about | Out-String) | Should -Match 'SHORT DESCRIPTION'
        ($about | Out-String) | Should -Match 'Start-EseExternalBackup'
    }
}

Describe 'Help for <Name>' -ForEach $script:Commands {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
    }

    It 'comes from the help file' {
        # Generated help has no description and names no help file.
        Split-Path -Leaf (Get-Command $Name).HelpFile | Should -Be 'EseBackup.PowerShell.dll-Help.xml'
        $script:Help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
    }

    It 'has a synopsis that is not the generated syntax' {
        $synopsis = "$($script:Help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match ("^{0}(\s|$)" -f [regex]::Escape($Name)) -Because 'PowerShell uses the syntax as synopsis when there is no help'
    }

    It 'has a description' {
        ($script:Help.Description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'documents -<Parameter>' -ForEach $Parameters {
        $entry = @($script:Help.Parameters.Parameter | Where-Object Name -eq $Parameter)
        $entry.Count | Should -Be 1 -Because "-$Parameter needs a '### -$Parameter' section in docs/help/$Name.md"
        ($entry[0].Description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'documents no parameter the cmdlet does not have' {
        $actual = @((Get-Command $Name).Parameters.Keys)
        foreach ($p in @($script:Help.Parameters.Parameter)) { $p.Name | Should -BeIn $actual }
    }

    It 'has at least two examples, each with code' {
        $examples = @($script:Help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) { "$($e.Code)".Trim() | Should -Not -BeNullOrEmpty -Because "$($e.Title) needs code" }
    }
}
