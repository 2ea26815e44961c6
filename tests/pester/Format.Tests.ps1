# The module's format and types files: they load without errors, every view names a type the module really
# has (skipped with the reason while a type does not exist yet), every property a view shows exists on that
# type, and each view renders an object of its type.
BeforeDiscovery {
    $moduleBase = Split-Path $env:ESEBACKUP_MODULE_PATH
    $formatFile = Join-Path $moduleBase 'EseBackup.format.ps1xml'
    $script:Views = @(([xml](Get-Content $formatFile -Raw)).Configuration.ViewDefinitions.View | ForEach-Object {
            $control = if ($_['TableControl']) { 'Table' } elseif ($_['ListControl']) { 'List' } elseif ($_['WideControl']) { 'Wide' } else { 'Custom' }
            @{ ViewName = $_.Name; TypeName = $_.ViewSelectedBy.TypeName; Control = $control; Xml = $_.OuterXml }
        })
}

BeforeAll {
    Import-Module $env:ESEBACKUP_MODULE_PATH -Force
    $script:ModuleBase = Split-Path $env:ESEBACKUP_MODULE_PATH
    $script:FormatFile = Join-Path $script:ModuleBase 'EseBackup.format.ps1xml'
    $script:TypesFile = Join-Path $script:ModuleBase 'EseBackup.types.ps1xml'

    # The module's own assemblies: the cmdlets and the core they reference (loaded the way a cmdlet loads it).
    $cmdletAssembly = (Get-Module EseBackup).ImplementingAssembly
    $coreName = $cmdletAssembly.GetReferencedAssemblies() | Where-Object Name -eq 'EseBackup.Core'
    $script:Assemblies = @($cmdletAssembly, [System.Reflection.Assembly]::Load($coreName))

    function Find-ModuleType([string] $Name) {
        foreach ($a in $script:Assemblies) { $t = $a.GetType($Name, $false); if ($t) { return $t } }
        return $null
    }

    function Get-ViewProperties([string] $ViewXml) {
        # <PropertyName> entries and $_.Name references in script blocks.
        $view = [xml]$ViewXml
        @($view.SelectNodes('//PropertyName') | ForEach-Object InnerText) +
        @($view.SelectNodes('//ScriptBlock') | ForEach-Object { [regex]::Matches($_.InnerText, '\$_\.(\w+)') | ForEach-Object { $_.Groups[1].Value } }) |
            Select-Object -Unique
    }

    function Invoke-InFreshRunspace([string] $Script) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript($Script).Invoke()
            return @($ps.Streams.Error)
        }
        finally { $ps.Dispose() }
    }
}

Describe 'EseBackup.format.ps1xml and EseBackup.types.ps1xml' {
    It 'are listed in the manifest and shipped beside it' {
        $manifest = Import-PowerShellDataFile $env:ESEBACKUP_MODULE_PATH
        $manifest.FormatsToProcess | Should -Contain 'EseBackup.format.ps1xml'
        $manifest.TypesToProcess | Should -Contain 'EseBackup.types.ps1xml'
        Test-Path $script:FormatFile | Should -BeTrue
        Test-Path $script:TypesFile | Should -BeTrue
    }

    It 'the format file loads with Update-FormatData without errors' {
        $errors = Invoke-InFreshRunspace "Update-FormatData -PrependPath '$($script:FormatFile)'"
        $errors | Should -BeNullOrEmpty
    }

    It 'the types file loads with Update-TypeData without errors' {
        $errors = Invoke-InFreshRunspace "Update-TypeData -PrependPath '$($script:TypesFile)'"
        $errors | Should -BeNullOrEmpty
    }

    It 'the module imports in a fresh runspace without errors or warnings' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$($env:ESEBACKUP_MODULE_PATH)'").Invoke()
            @($ps.Streams.Error) | Should -BeNullOrEmpty
            @($ps.Streams.Warning) | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'has views for the types the format readers return' {
        $typeNames = @(([xml](Get-Content $script:FormatFile -Raw)).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName)
        foreach ($t in 'DatabaseHeader', 'LogFileHeader', 'CheckpointHeader', 'DatabaseVerificationResult') {
            $typeNames | Should -Contain "EseBackup.Core.Format.$t"
        }
    }
}

Describe '<Control> view <ViewName> of <TypeName>' -ForEach $script:Views {
    BeforeAll {
        $script:Type = Find-ModuleType $TypeName
    }

    It 'selects a type the module has' {
        if (-not $script:Type) { Set-ItResult -Skipped -Because "$TypeName is not in the module yet" }
        $script:Type | Should -Not -BeNullOrEmpty
    }

    It 'shows only properties the type has' {
        if (-not $script:Type) { Set-ItResult -Skipped -Because "$TypeName is not in the module yet"; return }
        $extra = @((Get-TypeData $TypeName).Members.Keys)
        $real = @($script:Type.GetProperties() | ForEach-Object Name)
        foreach ($p in Get-ViewProperties $Xml) {
            ($p -in $real -or $p -in $extra) | Should -BeTrue -Because "the view shows '$p', which $TypeName does not have"
        }
    }

    It 'renders an object of the type' {
        if (-not $script:Type) { Set-ItResult -Skipped -Because "$TypeName is not in the module yet"; return }
        if (-not $script:Type.GetConstructor([type]::EmptyTypes)) { Set-ItResult -Skipped -Because "$TypeName has no parameterless constructor to make a sample from"; return }
        $sample = [Activator]::CreateInstance($script:Type)
        $text = if ($Control -eq 'List') { $sample | Format-List -View $ViewName | Out-String } else { $sample | Format-Table -View $ViewName | Out-String }
        $text | Should -Not -BeNullOrEmpty
        $text | Should -Not -Match '#ERR|Exception' -Because 'a failing script block shows as an error in the output'
    }
}

Describe 'DisplayFormat' {
    It 'formats <Bytes> bytes as <Expected>' -ForEach @(
        @{ Bytes = 0; Expected = '0 B' }
        @{ Bytes = 1023; Expected = '1023 B' }
        @{ Bytes = 1536; Expected = '1.5 KiB' }
        @{ Bytes = 1048575; Expected = '1.0 MiB' }
        @{ Bytes = 1610612736; Expected = '1.5 GiB' }
        @{ Bytes = 5497558138880; Expected = '5.0 TiB' }
    ) {
        $previous = [System.Globalization.CultureInfo]::CurrentCulture
        [System.Globalization.CultureInfo]::CurrentCulture = [System.Globalization.CultureInfo]::InvariantCulture
        try { [EseBackup.PowerShell.Internal.DisplayFormat]::Size($Bytes) | Should -Be $Expected }
        finally { [System.Globalization.CultureInfo]::CurrentCulture = $previous }
    }

    It 'shows UTC header times as local time and leaves empty times empty' {
        $utc = [datetime]::new(2024, 3, 1, 12, 30, 45, [System.DateTimeKind]::Utc)
        [EseBackup.PowerShell.Internal.DisplayFormat]::LocalTime($utc) | Should -Be $utc.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss')
        [EseBackup.PowerShell.Internal.DisplayFormat]::LocalTime($null) | Should -Be ''
        $stored = [datetime]::new(2024, 3, 1, 12, 30, 45, [System.DateTimeKind]::Unspecified)
        [EseBackup.PowerShell.Internal.DisplayFormat]::LocalTime($stored) | Should -Be '2024-03-01 12:30:45'
    }
}
