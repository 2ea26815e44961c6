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

Describe 'Online help' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
        $script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
        # The one definition of the project's address (not confirmed: see the comment beside it in EseBackup.psd1).
        $script:ProjectUri = (Import-PowerShellDataFile $env:ESEBACKUP_MODULE_PATH).PrivateData.PSData.ProjectUri
        $script:HelpBase = "$($script:ProjectUri.TrimEnd('/'))/blob/main/docs/help/"
    }

    It 'the manifest names the project address once, as ProjectUri' {
        $script:ProjectUri | Should -Match '^https://[^/]+/\S+$'
        $manifest = Get-Content (Join-Path $script:RepoRoot 'EseBackup.psd1') -Raw
        ([regex]::Matches($manifest, [regex]::Escape($script:ProjectUri))).Count | Should -Be 1
    }

    It 'every cmdlet has HelpUri <ProjectUri>/blob/main/docs/help/<Name>.md, a file that exists, and it is the first link of its help' {
        foreach ($c in (Get-Command -Module EseBackup -CommandType Cmdlet)) {
            $c.HelpUri | Should -Be "$($script:HelpBase)$($c.Name).md" -Because "$($c.Name)'s HelpUri derives from ProjectUri"
            Test-Path (Join-Path $script:RepoRoot "docs/help/$($c.Name).md") | Should -BeTrue
            $links = @((Get-Help $c.Name -Full).relatedLinks.navigationLink | Where-Object { $_.uri })
            $links[0].uri | Should -Be $c.HelpUri
        }
    }

    It 'Get-Help -Online opens the docs/help page of the cmdlet (a stand-in browser records what it is given)' {
        if (-not $IsLinux) { Set-ItResult -Skipped -Because 'the stand-in browser is an xdg-open script on PATH, which only Linux pwsh calls'; return }
        $bin = Join-Path $TestDrive 'browser'
        $null = New-Item -ItemType Directory -Path $bin -Force
        $record = Join-Path $TestDrive 'opened.txt'
        Set-Content -Path (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`nprintf '%s\n' `"`$1`" >> '$record'`n" -NoNewline
        chmod +x (Join-Path $bin 'xdg-open')
        $run = Invoke-ChildPwsh -Script @'
param($ModulePath, $Bin)
$ErrorActionPreference = 'Stop'
$env:PATH = $Bin + [IO.Path]::PathSeparator + $env:PATH
$env:BROWSER = ''
Import-Module $ModulePath
Get-Help Backup-EseDatabase -Online
Get-Help Get-EseBackupSession -Online
'OPENED'
'@ -ArgumentList $env:ESEBACKUP_MODULE_PATH, $bin
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (@(Get-Content $record -ErrorAction SilentlyContinue).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        @(Get-Content $record) | Should -Be @("$($script:HelpBase)Backup-EseDatabase.md", "$($script:HelpBase)Get-EseBackupSession.md")
    }

    It 'about_EseBackup lists its SEE ALSO entries one per line' {
        $text = Get-Content (Join-Path $script:ModuleBase 'en-US/about_EseBackup.help.txt') -Raw
        $seeAlso = ($text -split '(?m)^SEE ALSO\r?$')[1]
        $entries = @($seeAlso -split '\r?\n' | Where-Object { $_.Trim() })
        $entries.Count | Should -BeGreaterThan 5
        foreach ($e in $entries) { $e | Should -Match '^\s+- (Get-Help \S+( -Online)?|Get-Command -Module EseBackup)$' }
    }
}
