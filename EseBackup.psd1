@{
    RootModule           = 'EseBackup.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0d6c1e-8a4b-4f7e-9c2d-3b1a7e6f4d20'
    Author               = 'EseBackup developers'
    CompanyName          = 'EseBackup'
    Copyright            = '(c) EseBackup developers. MIT License.'
    Description          = 'Back up, verify and restore Extensible Storage Engine (ESE / ESENT) databases: the JET external backup protocol as PowerShell pipeline stages, plus database, log and checkpoint headers as objects.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    # The DSC resource EseFullBackup (a class in a script module) rides along as a nested module.
    NestedModules        = @('EseBackupDsc.psm1')
    DscResourcesToExport = @('EseFullBackup')
    FormatsToProcess     = @('EseBackup.format.ps1xml')
    TypesToProcess       = @('EseBackup.types.ps1xml')
    CmdletsToExport      = '*'
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('ESE', 'ESENT', 'JET', 'Backup', 'Restore', 'Database', 'Windows', 'Linux')
            LicenseUri = 'https://opensource.org/licenses/MIT'
            # The one definition of where the project lives: each cmdlet's HelpUri (Get-Help -Online) is
            # ProjectUri + '/blob/main/docs/help/<Cmdlet>.md', generated from this line when the cmdlets build
            # (EseBackup.PowerShell.csproj) and written into the help by tools/Build-Help.ps1.
            # NOT CONFIRMED: the repository has no remote and no public address is known; confirm or correct
            # this value before publishing (Help.Tests checks that everything derives from it).
            ProjectUri = 'https://github.com/EseBackup/EseBackup'
        }
    }
}
