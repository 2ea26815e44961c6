<#
.SYNOPSIS
    Turns docs/help/*.md into the module's MAML help and about topics.

.DESCRIPTION
    Prose lives in markdown (one docs/help/<Verb-Noun>.md per exported cmdlet); everything that can be read
    from the cmdlet itself (parameter sets, types, mandatory, position, pipeline input, aliases, wildcards,
    defaults) comes from the built module, imported here. Writes
      <ModulePath>/<Culture>/<RootModule>-Help.xml    (the file PowerShell looks for beside a binary module)
      <ModulePath>/<Culture>/about_*.help.txt         (from docs/help/about_*.md)
    Fails (exit code 1, every problem reported as 'file:line: message') when any file is malformed, an exported
    cmdlet has no markdown, or markdown documents a cmdlet or parameter that does not exist; help is then written
    only for the cmdlets and topics whose markdown is good, so the failure costs exactly the broken ones.

    Cmdlet markdown shape (## sections may come in any order, each exactly once):
        # Verb-Noun                  first line (after optional --- front matter ---), equal to the file name
        ## SYNOPSIS                  exactly one non-empty line
        ## DESCRIPTION               at least one paragraph
        ## PARAMETERS                one '### -Name' per parameter, each with a description; none for common
                                     parameters; -WhatIf/-Confirm may be omitted (standard text is used)
        ## INPUTS                    '### Type' entries with optional text, or plain text, or empty (then the
                                     types of ValueFromPipeline parameters are listed)
        ## OUTPUTS                   likewise (empty: the cmdlet's [OutputType] is used)
        ## EXAMPLES                  '### <title>' entries (by convention 'Example N: title'), each with one or more ``` fenced blocks
                                     (the code) and optional text (the remarks); at least one example
        ## NOTES                     paragraphs, may be empty
        ## RELATED LINKS             one link per line: [text](uri), - [text](uri) or plain text; may be empty
                                     (the cmdlet's HelpUri, when it has one, is written before them as 'Online Version:')
    about_<Module>.md: '# about_<Module>' first, then at least '## SHORT DESCRIPTION' and '## LONG DESCRIPTION'.
#>
[CmdletBinding()]
param(
    # Folder with <Verb-Noun>.md and about_*.md.
    [Parameter(Mandatory)][string] $HelpSource,
    # Folder of the built module (holds exactly one .psd1).
    [Parameter(Mandatory)][string] $ModulePath,
    [string] $Culture = 'en-US'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$script:Problems = [System.Collections.Generic.List[string]]::new()
function Add-Problem([string] $File, [int] $Line, [string] $Message) {
    $where = if ($Line -gt 0) { "${File}:$Line" } else { $File }
    $script:Problems.Add("${where}: $Message")
}

$CmdletSections = @('SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'EXAMPLES', 'NOTES', 'RELATED LINKS')
$OptionalParameterText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

#region Markdown

function Read-MarkdownDocument([string] $Path) {
    # Splits a file into a title and level-2 sections, each with level-3 subsections; fenced code is kept
    # verbatim and never mistaken for headings. Problems are recorded against the file and line.
    $name = (Resolve-Path -LiteralPath $Path).ProviderPath
    $lines = @(Get-Content -LiteralPath $Path -Encoding utf8)
    $doc = [ordered]@{ File = $name; Title = $null; TitleLine = 0; Sections = [ordered]@{} }
    $i = 0
    # Optional front matter (platyPS style) is ignored.
    while ($i -lt $lines.Count -and $lines[$i].Trim() -eq '') { $i++ }
    if ($i -lt $lines.Count -and $lines[$i].Trim() -eq '---') {
        $i++
        while ($i -lt $lines.Count -and $lines[$i].Trim() -ne '---') { $i++ }
        $i++
    }
    $section = $null
    $sub = $null
    $fenceStart = 0
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        $lineNo = $i + 1
        if ($fenceStart -eq 0 -and $line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
            $level = $Matches[1].Length
            $text = $Matches[2]
            if ($level -eq 1) {
                if ($null -ne $doc.Title) { Add-Problem $name $lineNo "a second '# ' title ('$text'); only the first line is a title"; continue }
                $doc.Title = $text; $doc.TitleLine = $lineNo
                continue
            }
            if ($null -eq $doc.Title) { Add-Problem $name $lineNo "the file must start with '# <title>'"; $doc.Title = ''; $doc.TitleLine = $lineNo }
            if ($level -eq 2) {
                $key = $text.ToUpperInvariant()
                if ($doc.Sections.Contains($key)) { Add-Problem $name $lineNo "section '## $text' appears twice"; $section = $null; $sub = $null; continue }
                $section = [ordered]@{ Name = $key; Line = $lineNo; Body = [System.Collections.Generic.List[string]]::new(); Subsections = [System.Collections.Generic.List[object]]::new() }
                $doc.Sections[$key] = $section
                $sub = $null
                continue
            }
            if ($level -eq 3) {
                if ($null -eq $section) { Add-Problem $name $lineNo "'### $text' is outside any '## ' section"; continue }
                $sub = [ordered]@{ Title = $text; Line = $lineNo; Body = [System.Collections.Generic.List[string]]::new() }
                $section.Subsections.Add($sub)
                continue
            }
            Add-Problem $name $lineNo "heading level $level is not used in help markdown (use '## ' sections and '### ' entries)"
            continue
        }
        if ($line -match '^\s*(```|~~~)') { $fenceStart = if ($fenceStart -eq 0) { $lineNo } else { 0 } }
        if ($null -eq $doc.Title) {
            if ($line.Trim() -ne '') { Add-Problem $name $lineNo "the file must start with '# <title>'"; $doc.Title = ''; $doc.TitleLine = $lineNo }
            continue
        }
        if ($null -ne $sub) { $sub.Body.Add($line) }
        elseif ($null -ne $section) { $section.Body.Add($line) }
        elseif ($line.Trim() -ne '') { Add-Problem $name $lineNo "text between the title and the first '## ' section" }
    }
    if ($fenceStart -ne 0) { Add-Problem $name $fenceStart 'code fence opened here is never closed' }
    if ($null -eq $doc.Title) { Add-Problem $name 0 'the file is empty'; $doc.Title = '' }
    return $doc
}

function Split-Blocks([System.Collections.Generic.List[string]] $Lines) {
    # Paragraphs (lines joined), list items (one block each) and fenced code (verbatim, Kind = Code).
    $blocks = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $code = $null
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*(```|~~~)') { $blocks.Add([pscustomobject]@{ Kind = 'Code'; Lang = $code.Lang; Text = ($code.Lines -join "`n") }); $code = $null }
            else { $code.Lines.Add($line) }
            continue
        }
        if ($line -match '^\s*(```|~~~)\s*(\S*)') {
            if ($null -ne $current) { $blocks.Add($current); $current = $null }
            $code = @{ Lang = $Matches[2]; Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        if ($line.Trim() -eq '') {
            if ($null -ne $current) { $blocks.Add($current); $current = $null }
            continue
        }
        if ($line -match '^\s*([-*+]|\d+[.)])\s+' -and $null -ne $current) { $blocks.Add($current); $current = $null }
        if ($null -eq $current) { $current = [pscustomobject]@{ Kind = 'Text'; Lang = ''; Text = $line.Trim() } }
        else { $current.Text += ' ' + $line.Trim() }
    }
    if ($null -ne $current) { $blocks.Add($current) }
    return , $blocks
}

function Get-Paragraphs([System.Collections.Generic.List[string]] $Lines) {
    # Text for MAML paragraphs; code keeps its line breaks, indented.
    foreach ($b in (Split-Blocks $Lines)) {
        if ($b.Kind -eq 'Code') { (($b.Text -split "`n") | ForEach-Object { "    $_" }) -join "`n" }
        else { $b.Text }
    }
}

#endregion

#region Cmdlet metadata

function Get-DisplayTypeName([type] $Type) {
    if ($Type.IsArray) { return (Get-DisplayTypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $inner = ($Type.GetGenericArguments() | ForEach-Object { Get-DisplayTypeName $_ }) -join ', '
        return ($Type.Name -replace '`\d+$') + "[$inner]"
    }
    return $Type.Name
}

function Get-FullTypeName([type] $Type) {
    if ($Type.IsArray) { return (Get-FullTypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $inner = ($Type.GetGenericArguments() | ForEach-Object { Get-FullTypeName $_ }) -join ', '
        return ($Type.FullName -replace '`\d+\[.*$') + "[$inner]"
    }
    return $Type.FullName
}

function Get-DefaultValues([System.Management.Automation.CmdletInfo] $Command) {
    # The value a parameter property has before binding is its default: read it from a fresh instance.
    $defaults = @{}
    try { $instance = [Activator]::CreateInstance($Command.ImplementingType) }
    catch { return $defaults }
    foreach ($p in $Command.ImplementingType.GetProperties([System.Reflection.BindingFlags]'Public, Instance')) {
        if (-not $p.CanRead -or $p.GetIndexParameters().Count -gt 0) { continue }
        try { $value = $p.GetValue($instance) } catch { continue }
        $text = if ($null -eq $value) { 'None' }
            elseif ($value -is [System.Management.Automation.SwitchParameter]) { [string]$value.IsPresent }
            elseif ($value -is [array]) { if ($value.Count -eq 0) { 'None' } else { ($value | ForEach-Object { "$_" }) -join ', ' } }
            elseif ("$value" -eq '') { 'None' }
            else { "$value" }
        $defaults[$p.Name] = $text
    }
    return $defaults
}

function Get-ParameterFacts([System.Management.Automation.CmdletInfo] $Command) {
    # One record per documented parameter, in the order the cmdlet declares them (positional first).
    $defaults = Get-DefaultValues $Command
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $facts = foreach ($p in $Command.Parameters.Values) {
        if ($p.Name -in $common -or $p.Name -eq 'UseTransaction') { continue }
        $sets = @($p.ParameterSets.Values)
        $positions = @($sets | Where-Object Position -ge 0 | ForEach-Object Position | Sort-Object -Unique)
        $mandatory = @($sets | Where-Object IsMandatory)
        $byValue = @($sets | Where-Object ValueFromPipeline).Count -gt 0
        $byName = @($sets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
        $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
        [pscustomobject]@{
            Name       = $p.Name
            Type       = $p.ParameterType
            IsSwitch   = $p.SwitchParameter
            Required   = ($mandatory.Count -gt 0 -and $mandatory.Count -eq $sets.Count)
            Position   = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
            Pipeline   = $pipeline
            Aliases    = if ($p.Aliases.Count -gt 0) { $p.Aliases -join ', ' } else { 'none' }
            Globbing   = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
            Default    = if ($defaults.ContainsKey($p.Name)) { $defaults[$p.Name] } else { 'None' }
            SortKey    = if ($positions.Count -gt 0) { $positions[0] } else { [int]::MaxValue }
        }
    }
    return @($facts | Sort-Object SortKey, @{ Expression = { -not $_.Required } })
}

#endregion

#region Validation of one cmdlet document

function Test-CmdletDocument($Doc, [System.Management.Automation.CmdletInfo] $Command, $Facts) {
    $file = $Doc.File
    if ($Doc.Title -ne $Command.Name) { Add-Problem $file $Doc.TitleLine "title '# $($Doc.Title)' must be '# $($Command.Name)'" }
    foreach ($key in $Doc.Sections.Keys) {
        if ($key -notin $CmdletSections) { Add-Problem $file $Doc.Sections[$key].Line "unknown section '## $key' (allowed: $($CmdletSections -join ', '))" }
    }
    foreach ($key in $CmdletSections) {
        if (-not $Doc.Sections.Contains($key)) { Add-Problem $file 0 "missing section '## $key'" }
    }
    foreach ($key in 'SYNOPSIS', 'DESCRIPTION', 'NOTES') {
        if ($Doc.Sections.Contains($key) -and $Doc.Sections[$key].Subsections.Count -gt 0) {
            Add-Problem $file $Doc.Sections[$key].Subsections[0].Line "'## $key' takes text, not '### ' entries"
        }
    }
    if ($Doc.Sections.Contains('SYNOPSIS')) {
        $s = $Doc.Sections['SYNOPSIS']
        $text = @($s.Body | Where-Object { $_.Trim() -ne '' })
        if ($text.Count -eq 0) { Add-Problem $file $s.Line 'SYNOPSIS is empty' }
        elseif ($text.Count -gt 1) { Add-Problem $file $s.Line "SYNOPSIS must be one line (found $($text.Count))" }
    }
    if ($Doc.Sections.Contains('DESCRIPTION') -and @($Doc.Sections['DESCRIPTION'].Body | Where-Object { $_.Trim() -ne '' }).Count -eq 0) {
        Add-Problem $file $Doc.Sections['DESCRIPTION'].Line 'DESCRIPTION is empty'
    }
    if ($Doc.Sections.Contains('PARAMETERS')) {
        $s = $Doc.Sections['PARAMETERS']
        if (@($s.Body | Where-Object { $_.Trim() -ne '' }).Count -gt 0) { Add-Problem $file $s.Line "text under '## PARAMETERS' before the first '### -Name'" }
        $documented = @{}
        foreach ($sub in $s.Subsections) {
            if ($sub.Title -notmatch '^-(\w+)$') { Add-Problem $file $sub.Line "'### $($sub.Title)' under PARAMETERS must be '### -ParameterName'"; continue }
            $pname = $Matches[1]
            $fact = $Facts | Where-Object Name -eq $pname
            if ($null -eq $fact) {
                $why = if ($pname -in [System.Management.Automation.Cmdlet]::CommonParameters) { 'is a common parameter and is not documented per cmdlet' } else { "is not a parameter of $($Command.Name)" }
                Add-Problem $file $sub.Line "-$pname $why"
                continue
            }
            if ($documented.ContainsKey($fact.Name)) { Add-Problem $file $sub.Line "-$pname is documented twice"; continue }
            if ($fact.Name -cne $pname) { Add-Problem $file $sub.Line "write -$pname as -$($fact.Name)" }
            $paragraphs = @(Get-Paragraphs (Remove-YamlBlocks $sub.Body))
            if ($paragraphs.Count -eq 0) { Add-Problem $file $sub.Line "-$pname has no description" }
            $documented[$fact.Name] = $paragraphs
        }
        foreach ($fact in $Facts) {
            if (-not $documented.ContainsKey($fact.Name) -and -not $OptionalParameterText.ContainsKey($fact.Name)) {
                Add-Problem $file $s.Line "parameter -$($fact.Name) of $($Command.Name) is not documented (add '### -$($fact.Name)')"
            }
        }
        $Doc['Parameters'] = $documented
    }
    if ($Doc.Sections.Contains('EXAMPLES')) {
        $s = $Doc.Sections['EXAMPLES']
        if (@($s.Body | Where-Object { $_.Trim() -ne '' }).Count -gt 0) { Add-Problem $file $s.Line "text under '## EXAMPLES' before the first '### Example'" }
        if ($s.Subsections.Count -eq 0) { Add-Problem $file $s.Line "EXAMPLES has no '### Example' entry" }
        foreach ($sub in $s.Subsections) {
            $blocks = Split-Blocks $sub.Body
            if (@($blocks | Where-Object Kind -eq 'Code').Count -eq 0) { Add-Problem $file $sub.Line "example '$($sub.Title)' has no ``````powershell code block" }
        }
    }
    foreach ($key in 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $Doc.Sections.Contains($key)) { continue }
        foreach ($sub in $Doc.Sections[$key].Subsections) {
            if ($key -in 'NOTES', 'RELATED LINKS') { continue }
            if ($sub.Title.Trim() -eq '') { Add-Problem $file $sub.Line "empty '### ' type name under $key" }
        }
    }
    if ($Doc.Sections.Contains('RELATED LINKS') -and $Doc.Sections['RELATED LINKS'].Subsections.Count -gt 0) {
        Add-Problem $file $Doc.Sections['RELATED LINKS'].Subsections[0].Line "'## RELATED LINKS' takes one link per line, not '### ' entries"
    }
}

function Remove-YamlBlocks([System.Collections.Generic.List[string]] $Lines) {
    # platyPS writes a ```yaml block of parameter facts; those come from the cmdlet here, so drop it.
    $kept = [System.Collections.Generic.List[string]]::new()
    $inYaml = $false
    foreach ($line in $Lines) {
        if (-not $inYaml -and $line -match '^\s*```\s*yaml\s*$') { $inYaml = $true; continue }
        if ($inYaml) { if ($line -match '^\s*```\s*$') { $inYaml = $false }; continue }
        $kept.Add($line)
    }
    return , $kept
}

#endregion

#region MAML

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paras([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    $W.WriteStartElement('maml', 'description', $NsMaml)
    if (-not $Paragraphs -or $Paragraphs.Count -eq 0) { $W.WriteElementString('maml', 'para', $NsMaml, '') }
    foreach ($p in $Paragraphs) { $W.WriteElementString('maml', 'para', $NsMaml, $p) }
    $W.WriteEndElement()
}

function Write-Type([System.Xml.XmlWriter] $W, [string] $Name) {
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, $Name)
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $W, $Fact, [string[]] $Paragraphs, [bool] $Required, [string] $Position) {
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($Fact.Type.IsArray).ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Fact.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Fact.Pipeline)
    $W.WriteAttributeString('position', $Position)
    $W.WriteAttributeString('aliases', $Fact.Aliases)
    $W.WriteElementString('maml', 'name', $NsMaml, $Fact.Name)
    Write-Paras $W $Paragraphs
    if (-not $Fact.IsSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', ($Fact.Type.IsArray).ToString().ToLowerInvariant())
        $W.WriteString((Get-DisplayTypeName $Fact.Type))
        $W.WriteEndElement()
    }
    Write-Type $W (Get-FullTypeName $Fact.Type)
    $W.WriteElementString('dev', 'defaultValue', $NsDev, $Fact.Default)
    $W.WriteEndElement()
}

function Get-TypeEntries($Section, [string[]] $Fallback) {
    # '### Type' entries, else the section's text as one entry (e.g. 'None.' or 'System.String: paths'),
    # else (empty section) the types the cmdlet declares, else 'None'.
    $entries = [System.Collections.Generic.List[object]]::new()
    if ($null -eq $Section) { return , $entries }
    foreach ($sub in $Section.Subsections) { $entries.Add([pscustomobject]@{ Name = $sub.Title.Trim(); Paragraphs = @(Get-Paragraphs $sub.Body) }) }
    if ($entries.Count -gt 0) { return , $entries }
    $text = @(Get-Paragraphs $Section.Body)
    if ($text.Count -gt 0) { $entries.Add([pscustomobject]@{ Name = $text[0]; Paragraphs = @($text | Select-Object -Skip 1) }) }
    elseif ($Fallback.Count -gt 0) { foreach ($f in $Fallback) { $entries.Add([pscustomobject]@{ Name = $f; Paragraphs = @() }) } }
    else { $entries.Add([pscustomobject]@{ Name = 'None'; Paragraphs = @() }) }
    return , $entries
}

function Write-CommandHelp([System.Xml.XmlWriter] $W, $Doc, [System.Management.Automation.CmdletInfo] $Command, $Facts) {
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Command.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $Command.Verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $Command.Noun)
    Write-Paras $W @(Get-Paragraphs $Doc.Sections['SYNOPSIS'].Body)
    $W.WriteEndElement()

    Write-Paras $W @(Get-Paragraphs $Doc.Sections['DESCRIPTION'].Body)

    $prose = $Doc['Parameters']
    $textFor = { param($name) if ($prose.ContainsKey($name)) { $prose[$name] } else { @($OptionalParameterText[$name]) } }

    # Syntax: one item per parameter set, from the cmdlet's own metadata.
    $W.WriteStartElement('command', 'syntax', $NsCommand)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Command.Name)
        $inSet = @($set.Parameters | Where-Object { $_.Name -in $Facts.Name } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } })
        foreach ($p in $inSet) {
            $fact = $Facts | Where-Object Name -eq $p.Name
            $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            Write-Parameter $W $fact (& $textFor $p.Name) $p.IsMandatory $position
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($fact in ($Facts | Sort-Object Name)) { Write-Parameter $W $fact (& $textFor $fact.Name) $fact.Required $fact.Position }
    $W.WriteEndElement()

    $pipedTypes = @($Command.Parameters.Values | Where-Object { @($_.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0 } |
        ForEach-Object { Get-FullTypeName $_.ParameterType } | Select-Object -Unique)
    $W.WriteStartElement('command', 'inputTypes', $NsCommand)
    foreach ($e in (Get-TypeEntries $Doc.Sections['INPUTS'] $pipedTypes)) {
        $W.WriteStartElement('command', 'inputType', $NsCommand)
        Write-Type $W $e.Name
        Write-Paras $W $e.Paragraphs
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $outputTypes = @($Command.OutputType | ForEach-Object Name | Select-Object -Unique)
    $W.WriteStartElement('command', 'returnValues', $NsCommand)
    foreach ($e in (Get-TypeEntries $Doc.Sections['OUTPUTS'] $outputTypes)) {
        $W.WriteStartElement('command', 'returnValue', $NsCommand)
        Write-Type $W $e.Name
        Write-Paras $W $e.Paragraphs
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    $notes = @(Get-Paragraphs $Doc.Sections['NOTES'].Body)
    if ($notes.Count -eq 0) { $notes = @('') }
    foreach ($p in $notes) { $W.WriteElementString('maml', 'para', $NsMaml, $p) }
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($sub in $Doc.Sections['EXAMPLES'].Subsections) {
        $blocks = Split-Blocks $sub.Body
        $W.WriteStartElement('command', 'example', $NsCommand)
        $W.WriteElementString('maml', 'title', $NsMaml, "--------- $($sub.Title.Trim()) ---------")
        $W.WriteElementString('dev', 'code', $NsDev, ((@($blocks | Where-Object Kind -eq 'Code') | ForEach-Object Text) -join "`n`n"))
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        $remarks = @($blocks | Where-Object Kind -eq 'Text' | ForEach-Object Text)
        # The empty paragraph keeps a blank line between one example's remarks and the next title.
        $remarks += ''
        foreach ($r in $remarks) { $W.WriteElementString('maml', 'para', $NsMaml, $r) }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    # The cmdlet's HelpUri comes first, as 'Online Version:': Get-Help -Online opens the first link with a URI.
    if ($Command.HelpUri) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, 'Online Version:')
        $W.WriteElementString('maml', 'uri', $NsMaml, $Command.HelpUri)
        $W.WriteEndElement()
    }
    foreach ($line in $Doc.Sections['RELATED LINKS'].Body) {
        $t = $line.Trim() -replace '^[-*+]\s+'
        if ($t -eq '') { continue }
        $uri = ''
        if ($t -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$') {
            $t = $Matches['text']
            $target = $Matches['uri']
            # Only absolute links are useful to Get-Help -Online; sibling .md files are named by their text.
            if ($target -match '^https?://') { $uri = $target }
        }
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $t)
        $W.WriteElementString('maml', 'uri', $NsMaml, $uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

#endregion

#region About topics

function ConvertTo-Wrapped([string] $Text, [int] $Indent, [int] $Width = 80, [int] $HangingIndent = $Indent) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $current = ' ' * $Indent
    $hasWord = $false
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ -ne '' })) {
        if ($hasWord -and ($current.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($current)
            $current = (' ' * $HangingIndent) + $word
        }
        elseif ($hasWord) { $current += " $word" }
        else { $current += $word }
        $hasWord = $true
    }
    if ($hasWord) { $lines.Add($current) }
    return $lines
}

function ConvertTo-AboutText($Doc) {
    # The classic about_*.help.txt layout: section names in capitals at the margin, text indented by four.
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $($Doc.Title)"); $out.Add('')
    $writeBody = {
        param($Lines)
        $blocks = Split-Blocks $Lines
        for ($n = 0; $n -lt $blocks.Count; $n++) {
            $b = $blocks[$n]
            $isItem = { param($x) $x.Kind -eq 'Text' -and $x.Text -match '^([-*+]|\d+[.)])\s+' }
            if ($b.Kind -eq 'Code') { foreach ($l in ($b.Text -split "`n")) { $out.Add(("        $l").TrimEnd()) } }
            elseif ($b.Text -match '^([-*+]|\d+[.)])\s+') { foreach ($l in (ConvertTo-Wrapped $b.Text 4 80 6)) { $out.Add($l) } }
            else { foreach ($l in (ConvertTo-Wrapped $b.Text 4)) { $out.Add($l) } }
            # Consecutive list items stay together; everything else is separated by a blank line.
            if (-not ((& $isItem $b) -and $n + 1 -lt $blocks.Count -and (& $isItem $blocks[$n + 1]))) { $out.Add('') }
        }
    }
    foreach ($key in $Doc.Sections.Keys) {
        $s = $Doc.Sections[$key]
        $out.Add($key)
        & $writeBody $s.Body
        foreach ($sub in $s.Subsections) {
            $out.Add("  $($sub.Title)")
            $out.Add('')
            & $writeBody $sub.Body
        }
    }
    return ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

#endregion

# ---- main ----------------------------------------------------------------------------------------------

if (-not (Test-Path -LiteralPath $HelpSource -PathType Container)) { Write-Host -ForegroundColor Red ("Build-Help: help source folder '$HelpSource' does not exist."); exit 1 }
$manifest = @(Get-ChildItem -LiteralPath $ModulePath -Filter *.psd1 -File -ErrorAction SilentlyContinue)
if ($manifest.Count -ne 1) { Write-Host -ForegroundColor Red "Build-Help: '$ModulePath' must hold exactly one module manifest (.psd1); found $($manifest.Count)."; exit 1 }
$data = Import-PowerShellDataFile -LiteralPath $manifest[0].FullName
$module = Import-Module $manifest[0].FullName -PassThru -Force
$moduleName = $module.Name
$rootModule = [string]$data.RootModule
if (-not $rootModule) { Write-Host -ForegroundColor Red "Build-Help: $($manifest[0].Name) has no RootModule."; exit 1 }

$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
$docs = @{}
foreach ($file in (Get-ChildItem -LiteralPath $HelpSource -Filter *.md -File | Where-Object Name -notlike 'about_*' | Sort-Object Name)) {
    $docs[$file.BaseName] = Read-MarkdownDocument $file.FullName
}
$facts = @{}
$documented = [System.Collections.Generic.List[object]]::new()
foreach ($c in $commands) {
    $facts[$c.Name] = Get-ParameterFacts $c
    if (-not $docs.ContainsKey($c.Name)) { Add-Problem (Join-Path $HelpSource "$($c.Name).md") 0 "exported cmdlet $($c.Name) has no help markdown in $HelpSource"; continue }
    $before = $script:Problems.Count
    Test-CmdletDocument $docs[$c.Name] $c $facts[$c.Name]
    if ($script:Problems.Count -eq $before) { $documented.Add($c) }
}
foreach ($name in $docs.Keys) {
    if ($name -notin $commands.Name) { Add-Problem $docs[$name].File 0 "documents '$name', which $moduleName does not export" }
}

$abouts = @()
$aboutFiles = @(Get-ChildItem -LiteralPath $HelpSource -Filter 'about_*.md' -File | Sort-Object Name)
if (@($aboutFiles | ForEach-Object BaseName) -notcontains "about_$moduleName") { Add-Problem (Join-Path $HelpSource "about_$moduleName.md") 0 "the module's about topic is missing from $HelpSource" }
foreach ($file in $aboutFiles) {
    $before = $script:Problems.Count
    $doc = Read-MarkdownDocument $file.FullName
    if ($doc.Title -ne $file.BaseName) { Add-Problem $doc.File $doc.TitleLine "title '# $($doc.Title)' must be '# $($file.BaseName)'" }
    foreach ($key in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if (-not $doc.Sections.Contains($key)) { Add-Problem $doc.File 0 "missing section '## $key'" }
        elseif (@($doc.Sections[$key].Body | Where-Object { $_.Trim() -ne '' }).Count -eq 0) { Add-Problem $doc.File $doc.Sections[$key].Line "$key is empty" }
    }
    if ($script:Problems.Count -eq $before) { $abouts += $doc }
}

# Help is written for every cmdlet and topic whose markdown is good, so that one bad file costs only its own
# help (and the tests point at exactly that cmdlet); any problem still fails the build below.
$outDir = Join-Path $ModulePath $Culture
$mamlPath = Join-Path $outDir "$rootModule-Help.xml"
$null = New-Item -ItemType Directory -Path $outDir -Force
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$writer = [System.Xml.XmlWriter]::Create($mamlPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($c in $documented) { Write-CommandHelp $writer $docs[$c.Name] $c $facts[$c.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

foreach ($doc in $abouts) {
    $target = Join-Path $outDir "$($doc.Title).help.txt"
    [System.IO.File]::WriteAllText($target, (ConvertTo-AboutText $doc), [System.Text.UTF8Encoding]::new($false))
}
Write-Host "Help: $($documented.Count) of $($commands.Count) cmdlet(s) -> $mamlPath; $($abouts.Count) about topic(s)."
if ($script:Problems.Count -gt 0) {
    # Write-Host (not stderr) so that a caller running this script in-process can capture the report (6>&1).
    Write-Host "Build-Help: $($script:Problems.Count) problem(s) in the help markdown under $HelpSource; help for those files was not written:" -ForegroundColor Red
    foreach ($p in $script:Problems) { Write-Host "  $p" -ForegroundColor Red }
    exit 1
}
exit 0
