# tools/Build-Help.ps1 against a small binary module compiled from TestData/help/EseHelpSample.cs and the
# markdown fixtures beside it: well-formed markdown becomes MAML that Get-Help shows; malformed markdown
# fails the build with a message naming the file and writes no help for that cmdlet.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:Builder = Join-Path $PSScriptRoot '../../tools/Build-Help.ps1'
    $script:Fixtures = Join-Path $PSScriptRoot 'TestData/help'
    $script:SampleBin = Join-Path $TestDrive 'sample-bin'

    $compile = Invoke-ChildPwsh -Script @'
param($Source, $OutDir)
$ErrorActionPreference = 'Stop'
$null = New-Item -ItemType Directory -Path $OutDir -Force
Add-Type -Path $Source -OutputAssembly (Join-Path $OutDir 'EseHelpSample.dll') -OutputType Library
New-ModuleManifest -Path (Join-Path $OutDir 'EseHelpSample.psd1') -RootModule 'EseHelpSample.dll' -ModuleVersion '1.0' -CmdletsToExport '*'
'@ -ArgumentList (Join-Path $script:Fixtures 'EseHelpSample.cs'), $script:SampleBin
    if ($compile.ExitCode -ne 0) { throw "Compiling the sample module failed: $($compile.Text)" }

    # A fresh copy of the sample module per case, since the builder writes into the module folder.
    function New-SampleModule([string] $Name) {
        $dir = Join-Path $TestDrive $Name
        Copy-Item $script:SampleBin -Destination $dir -Recurse
        return $dir
    }

    function Invoke-Builder([string] $HelpSource, [string] $ModuleDir) {
        Invoke-ChildPwsh -ScriptPath $script:Builder -ArgumentList @('-HelpSource', $HelpSource, '-ModulePath', $ModuleDir)
    }

    # The failing cases run the builder in this process (a child pwsh per case is slow on a shared machine):
    # 'exit' in a script run with & ends only that script and sets $LASTEXITCODE. They share one module copy,
    # which is fine because a failing run writes nothing into it.
    function Invoke-BuilderInProcess([string] $HelpSource) {
        if (-not $script:SharedModule) { $script:SharedModule = New-SampleModule 'failing' }
        $global:LASTEXITCODE = 0
        $output = & $script:Builder -HelpSource $HelpSource -ModulePath $script:SharedModule 6>&1 2>&1
        [pscustomobject]@{ ExitCode = $global:LASTEXITCODE; Text = ($output | ForEach-Object { "$_" }) -join [Environment]::NewLine }
    }

    # The good markdown, changed by one edit, in a folder of its own.
    function New-MutatedHelp([string] $Name, [scriptblock] $Edit) {
        $dir = Join-Path $TestDrive "help-$Name"
        Copy-Item (Join-Path $script:Fixtures 'good') -Destination $dir -Recurse
        $file = Join-Path $dir 'Get-EseHelpSample.md'
        $text = Get-Content $file -Raw
        Set-Content -Path $file -Value (& $Edit $text) -NoNewline
        return $dir
    }
}

Describe 'Build-Help with well-formed markdown' {
    BeforeAll {
        $script:ModuleDir = New-SampleModule 'good'
        $script:Run = Invoke-Builder (Join-Path $script:Fixtures 'good') $script:ModuleDir
        $script:MamlPath = Join-Path $script:ModuleDir 'en-US/EseHelpSample.dll-Help.xml'
        $script:Ns = @{
            msh = 'http://msh'; maml = 'http://schemas.microsoft.com/maml/2004/10'
            command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
        }
        function Select-Maml([string] $XPath) { Select-Xml -Path $script:MamlPath -XPath $XPath -Namespace $script:Ns | ForEach-Object Node }
        function Get-MamlParameter([string] $Name) {
            Select-Maml "/msh:helpItems/command:command/command:parameters/command:parameter[maml:name='$Name']"
        }
    }

    It 'succeeds' {
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
    }

    It 'writes valid MAML named after the RootModule dll' {
        Test-Path $script:MamlPath | Should -BeTrue
        { [xml](Get-Content $script:MamlPath -Raw) } | Should -Not -Throw
        @(Select-Maml '/msh:helpItems/command:command').Count | Should -Be 1
        (Select-Maml '//command:details/command:name').InnerText | Should -Be 'Get-EseHelpSample'
        (Select-Maml '//command:details/command:verb').InnerText | Should -Be 'Get'
        (Select-Maml '//command:details/command:noun').InnerText | Should -Be 'EseHelpSample'
    }

    It 'carries the synopsis and the description paragraphs' {
        (Select-Maml '//command:details/maml:description/maml:para').InnerText |
            Should -Be 'Gets a sample object so that the help builder has something to document.'
        $paras = @(Select-Maml '/msh:helpItems/command:command/maml:description/maml:para')
        $paras.Count | Should -Be 2
        $paras[0].InnerText | Should -BeLike 'The Get-EseHelpSample cmdlet exists only in the tests of the help builder. It has two*'
    }

    It 'has one syntax item per parameter set, positional parameter first' {
        $items = @(Select-Maml '//command:syntax/command:syntaxItem')
        $items.Count | Should -Be 2
        $first = @($items[0].SelectNodes('*[local-name()="parameter"]/*[local-name()="name"]') | ForEach-Object InnerText)
        $first | Should -Be @('Path', 'PageSize', 'Force', 'WhatIf', 'Confirm')
        $second = @($items[1].SelectNodes('*[local-name()="parameter"]/*[local-name()="name"]') | ForEach-Object InnerText)
        $second | Should -Contain 'LiteralPath'
        $second | Should -Not -Contain 'Path'
    }

    It 'documents every parameter but the common ones' {
        @(Select-Maml '//command:parameters/command:parameter/maml:name' | ForEach-Object InnerText) |
            Should -Be @('Confirm', 'Force', 'LiteralPath', 'PageSize', 'Path', 'WhatIf')
    }

    It 'takes parameter facts from the cmdlet: required, position, pipeline input, wildcards, type' {
        $path = Get-MamlParameter 'Path'
        $path.required | Should -Be 'true'
        $path.position | Should -Be '0'
        $path.pipelineInput | Should -Be 'True (ByValue, ByPropertyName)'
        $path.globbing | Should -Be 'true'
        $path.parameterValue.InnerText | Should -Be 'String[]'
        $path.type.name | Should -Be 'System.String[]'
        $path.description.para | Should -Be 'Paths to sample files. Wildcards are permitted.'
    }

    It 'takes aliases and defaults from the cmdlet' {
        (Get-MamlParameter 'LiteralPath').aliases | Should -Be 'PSPath, LP'
        (Get-MamlParameter 'LiteralPath').pipelineInput | Should -Be 'True (ByPropertyName)'
        (Get-MamlParameter 'PageSize').defaultValue | Should -Be '8192'
        (Get-MamlParameter 'PageSize').position | Should -Be 'named'
        (Get-MamlParameter 'Force').defaultValue | Should -Be 'False'
        (Get-MamlParameter 'Force').SelectNodes('*[local-name()="parameterValue"]').Count | Should -Be 0
    }

    It 'fills -WhatIf and -Confirm with the standard text when markdown leaves them out' {
        (Get-MamlParameter 'WhatIf').description.para | Should -BeLike 'Shows what would happen*'
        (Get-MamlParameter 'Confirm').description.para | Should -BeLike 'Prompts you for confirmation*'
    }

    It 'has inputs, outputs, notes, examples and links' {
        (Select-Maml '//command:inputTypes/command:inputType/dev:type/maml:name').InnerText | Should -Be 'System.String'
        (Select-Maml '//command:returnValues/command:returnValue/maml:description/maml:para').InnerText | Should -Be 'The page size, as text.'
        (Select-Maml '//maml:alertSet/maml:alert/maml:para').InnerText | Should -Be 'Nothing noteworthy.'
        $examples = @(Select-Maml '//command:examples/command:example')
        $examples.Count | Should -Be 2
        $examples[1].code | Should -Be "'a.edb', 'b.edb' | Get-EseHelpSample -PageSize 32768"
        $examples[1].title | Should -BeLike '*Example 2: Pipe paths*'
        $examples[1].remarks.para[0] | Should -Be 'Gets the sample for two files with 32 KiB pages.'
        $links = @(Select-Maml '//command:relatedLinks/maml:navigationLink')
        # The cmdlet's HelpUri first (what Get-Help -Online opens), then the markdown's links.
        $links.linkText | Should -Be @('Online Version:', 'about_EseHelpSample', 'Online')
        $links[0].uri | Should -Be 'https://example.invalid/docs/Get-EseHelpSample.md'
        $links[2].uri | Should -Be 'https://example.invalid/help'
    }

    It 'writes the about topic as text' {
        $about = Join-Path $script:ModuleDir 'en-US/about_EseHelpSample.help.txt'
        $text = Get-Content $about -Raw
        $text | Should -Match '^TOPIC\r?\n    about_EseHelpSample'
        $text | Should -Match 'SHORT DESCRIPTION\r?\n    A module that exists to test the help builder\.'
        foreach ($line in Get-Content $about) { $line.Length | Should -BeLessOrEqual 80 }
    }

    It 'is what Get-Help shows in a fresh pwsh' {
        $shown = Invoke-ChildPwsh -Script @'
param($Manifest)
Import-Module $Manifest
$help = Get-Help Get-EseHelpSample -Full
[pscustomobject]@{
    Synopsis = $help.Synopsis
    Parameters = @($help.parameters.parameter | ForEach-Object { '{0}={1}' -f $_.name, ($_.description.Text -join ' ') })
    Examples = @($help.examples.example).Count
    About = [string](Get-Help about_EseHelpSample)
} | ConvertTo-Json -Compress
'@ -ArgumentList (Join-Path $script:ModuleDir 'EseHelpSample.psd1')
        $shown.ExitCode | Should -Be 0 -Because $shown.Text
        $help = $shown.Output[-1] | ConvertFrom-Json
        $help.Synopsis | Should -Be 'Gets a sample object so that the help builder has something to document.'
        $help.Parameters | Should -Contain 'PageSize=The page size in bytes.'
        $help.Examples | Should -Be 2
        $help.About | Should -Match 'A module that exists to test the help builder'
    }
}

Describe 'Build-Help with malformed markdown' {
    AfterAll { Remove-Module EseHelpSample -ErrorAction SilentlyContinue }

    It 'fails naming the file and every problem in it, and writes no help for that cmdlet' {
        $moduleDir = New-SampleModule 'malformed'
        $run = Invoke-Builder (Join-Path $script:Fixtures 'malformed') $moduleDir
        $run.ExitCode | Should -Not -Be 0
        $file = [regex]::Escape((Resolve-Path (Join-Path $script:Fixtures 'malformed/Get-EseHelpSample.md')).ProviderPath)
        $run.Text | Should -Match "${file}: missing section '## SYNOPSIS'"
        $run.Text | Should -Match "${file}:17: -NoSuchParameter is not a parameter of Get-EseHelpSample"
        $run.Text | Should -Match "${file}:\d+: parameter -Force of Get-EseHelpSample is not documented"
        $run.Text | Should -Match "${file}:26: example 'Example 1: no code' has no"
        # Only good markdown becomes help: the MAML, if written, has no entry for the broken cmdlet.
        $maml = Join-Path $moduleDir 'en-US/EseHelpSample.dll-Help.xml'
        if (Test-Path $maml) { ([xml](Get-Content $maml -Raw)).helpItems.SelectNodes('*[local-name()="command"]').Count | Should -Be 0 }
    }

    It 'fails when an exported cmdlet has no markdown' {
        $run = Invoke-BuilderInProcess (Join-Path $script:Fixtures 'undocumented')
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match 'Get-EseHelpSample\.md: exported cmdlet Get-EseHelpSample has no help markdown'
    }

    It 'fails when <Case>' -ForEach @(
        @{ Case = 'the synopsis has two lines'; Edit = { param($t) $t -replace '(## SYNOPSIS\r?\n.*)', "`$1`nand a second line" }; Message = 'SYNOPSIS must be one line' }
        @{ Case = 'the description is empty'; Edit = { param($t) $t -replace '(?s)(## DESCRIPTION\r?\n).*?(?=## PARAMETERS)', "`$1`n" }; Message = 'DESCRIPTION is empty' }
        @{ Case = 'a section appears twice'; Edit = { param($t) $t + "`n## NOTES`nagain`n" }; Message = "section '## NOTES' appears twice" }
        @{ Case = 'a section is unknown'; Edit = { param($t) $t + "`n## SEE ALSO`nx`n" }; Message = "unknown section '## SEE ALSO'" }
        @{ Case = 'a code fence is never closed'; Edit = { param($t) $t + "`n``````powershell`nGet-EseHelpSample`n" }; Message = 'code fence opened here is never closed' }
        @{ Case = 'the title is not the cmdlet'; Edit = { param($t) $t -replace '^# Get-EseHelpSample', '# Get-Something' }; Message = "title '# Get-Something' must be '# Get-EseHelpSample'" }
        @{ Case = 'a parameter has no description'; Edit = { param($t) $t -replace '(### -PageSize\r?\n).*', '$1' }; Message = '-PageSize has no description' }
        @{ Case = 'a common parameter is documented'; Edit = { param($t) $t -replace '(## INPUTS)', "### -Verbose`nTalks.`n`n`$1" }; Message = '-Verbose is a common parameter' }
        @{ Case = 'there are no examples'; Edit = { param($t) $t -replace '(?s)(## EXAMPLES\r?\n).*?(?=## NOTES)', "`$1`n" }; Message = "EXAMPLES has no '### Example' entry" }
    ) {
        $helpDir = New-MutatedHelp ($Case -replace '\W', '-') $Edit
        $run = Invoke-BuilderInProcess $helpDir
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match ([regex]::Escape('Get-EseHelpSample.md'))
        $run.Text | Should -Match ([regex]::Escape($Message))
    }

    It 'fails when markdown documents a cmdlet the module does not export' {
        $helpDir = New-MutatedHelp 'extra-cmdlet' { param($t) $t }
        Copy-Item (Join-Path $helpDir 'Get-EseHelpSample.md') (Join-Path $helpDir 'Get-Nothing.md')
        $run = Invoke-BuilderInProcess $helpDir
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match "Get-Nothing\.md: documents 'Get-Nothing', which EseHelpSample does not export"
    }

    It 'fails when the module about topic is missing' {
        $helpDir = New-MutatedHelp 'no-about' { param($t) $t }
        Remove-Item (Join-Path $helpDir 'about_EseHelpSample.md')
        $run = Invoke-BuilderInProcess $helpDir
        $run.ExitCode | Should -Not -Be 0
        $run.Text | Should -Match "about_EseHelpSample\.md: the module's about topic is missing"
    }
}
