# The failure contract (about_EseBackup, ERRORS IN SCRIPTS): a command given one item throws when that item
# fails. Dot-source in BeforeAll.

# Runs a command and returns the ErrorRecord it threw (what `catch` sees), or $null when it completed.
function Get-ThrownError([scriptblock] $Command) {
    try {
        $null = & $Command
        $null
    }
    catch { $_ }
}
