# A DSC resource for the desired state "a complete full backup of SourcePath, not older than
# MaxAgeHours, exists in Destination". Test asks Test-EseBackupFreshness; Set runs Backup-EseDatabase.
# Usable from DSC configurations (Windows PowerShell 5.1 LCM, PowerShell 7 Invoke-DscResource) and,
# as a plain class, from any script.

[DscResource()]
class EseFullBackup {
    # The folder backup sets go to.
    [DscProperty(Key)]
    [string] $Destination

    # The database folder to back up (a stopped service's folder or a snapshot).
    [DscProperty(Mandatory)]
    [string] $SourcePath

    # How old the newest full backup may be.
    [DscProperty()]
    [int] $MaxAgeHours = 24

    [DscProperty(NotConfigurable)]
    [string] $NewestFullBackup

    # UTC (Kind Utc): a DSC property is a datetime, not the DateTimeOffset the module's objects carry.
    [DscProperty(NotConfigurable)]
    [Nullable[datetime]] $NewestFullTime

    [DscProperty(NotConfigurable)]
    [string] $Reason

    [EseFullBackup] Get() {
        $state = $this.Evaluate()
        $result = [EseFullBackup]::new()
        $result.Destination = $this.Destination
        $result.SourcePath = $this.SourcePath
        $result.MaxAgeHours = $this.MaxAgeHours
        $result.NewestFullBackup = if ($state.NewestFullSet) { $state.NewestFullSet.Path } else { $null }
        $result.NewestFullTime = if ($state.NewestFullTime) { $state.NewestFullTime.UtcDateTime } else { $null }
        $result.Reason = $state.Reason
        return $result
    }

    [bool] Test() {
        $state = $this.Evaluate()
        Write-Verbose $state.Reason
        return $state.IsCurrent
    }

    [void] Set() {
        if (-not (Test-Path -LiteralPath $this.Destination)) {
            $null = New-Item -ItemType Directory -Path $this.Destination -Force
        }
        $set = Backup-EseDatabase -Path $this.SourcePath -Destination $this.Destination -Confirm:$false -ErrorAction Stop
        Write-Verbose "Full backup written to $($set.Path)."
    }

    hidden [object] Evaluate() {
        if ($this.MaxAgeHours -le 0) { throw "MaxAgeHours must be positive (got $($this.MaxAgeHours))." }
        return Test-EseBackupFreshness -Destination $this.Destination -SourcePath $this.SourcePath `
            -MaxAge ([timespan]::FromHours($this.MaxAgeHours)) -Detailed
    }
}
