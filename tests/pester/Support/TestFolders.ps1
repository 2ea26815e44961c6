# Folders and files the backup and restore tests share. Dot-source in BeforeAll after $script:RealEse is set.

function New-TestFolder([string] $Hint) {
    $p = Join-Path ([IO.Path]::GetTempPath()) ("$Hint-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $p | Out-Null
    $p
}

# A writable copy of real ESE files (the originals are read-only and never modified).
function Copy-RealFolder([string] $Relative, [string] $Filter = '*') {
    $dir = New-TestFolder 'pester-src'
    Get-ChildItem (Join-Path $script:RealEse $Relative) -File -Filter $Filter | Copy-Item -Destination $dir
    Get-ChildItem $dir -File | ForEach-Object { $_.IsReadOnly = $false }
    $dir
}

# The current log fills and the engine starts the next generation (EseFixtureWriter.RollCurrentLog).
function Step-CurrentLog([string] $Folder) { [EseBackup.Fixtures.EseFixtureWriter]::RollCurrentLog($Folder, 'edb', '.log', 5) }

function Get-ByteHash([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }

# A fixture-writer folder (needs EseBackup.Fixtures loaded): database, logs 1..LastGeneration of 128 KiB, checkpoint.
function New-WrittenDatabaseFolder([string] $Hint, [long] $PageCount = 64, [long] $LastGeneration = 3, [int] $PageSize = 8192) {
    $src = New-TestFolder $Hint
    $spec = [EseBackup.Fixtures.DatabaseFolderSpec]::new()
    $spec.Database.PageSize = $PageSize
    $spec.Database.PageCount = $PageCount
    $spec.Logs.FirstGeneration = 1
    $spec.Logs.LastGeneration = $LastGeneration
    $spec.Logs.LogFileSize = 128KB
    $null = [EseBackup.Fixtures.EseFixtureWriter]::WriteDatabaseFolder($src, $spec)
    $src
}
