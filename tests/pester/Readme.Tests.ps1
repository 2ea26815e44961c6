# The README's walkthrough works as written: after the main command (the demo), every PowerShell
# block of the "Walkthrough" section runs, in order, in a fresh non-interactive pwsh from the repository root.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Support/ChildPwsh.ps1')
    $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Fixtures = Join-Path $script:Repo 'tests/EseBackup.Fixtures/bin/Release/netstandard2.0/EseBackup.Fixtures.dll'
}

Describe 'README walkthrough' {
    It 'has the two set-up commands first, and .ci/run runs the test command exactly' {
        $readme = Get-Content (Join-Path $script:Repo 'README.md') -Raw
        $first = [regex]::Match($readme, '(?s)```bash\r?\n(.*?)```').Groups[1].Value
        $commands = @($first -split '\r?\n' | Where-Object { $_ -and $_ -notmatch '^\s*#' })
        $commands | Should -Be @('dotnet tool restore && dotnet pwsh -NoProfile -File build.ps1 Demo', 'dotnet tool restore && dotnet pwsh -NoProfile -File build.ps1 Test')
        (Get-Content (Join-Path $script:Repo '.ci/run')) -contains $commands[1] | Should -BeTrue
    }

    It 'runs every block of the walkthrough after the main command' {
        # The main command's demo step (the module is already built by the test run).
        $demo = Invoke-ChildPwsh -ScriptPath (Join-Path $script:Repo 'tools/Demo.ps1') -ArgumentList @(
            '-ModulePath', $env:ESEBACKUP_MODULE_PATH, '-Destination', (Join-Path $TestDrive 'demo-backups'),
            '-FixturesPath', $script:Fixtures, '-SampleRoot', (Join-Path $script:Repo 'out/demo/source'))
        $demo.ExitCode | Should -Be 0 -Because $demo.Text

        $readme = Get-Content (Join-Path $script:Repo 'README.md') -Raw
        $section = ($readme -split '(?m)^## ') | Where-Object { $_ -like 'Walkthrough*' }
        $blocks = @([regex]::Matches($section, '(?s)```powershell\r?\n(.*?)```') | ForEach-Object { $_.Groups[1].Value })
        $blocks.Count | Should -BeGreaterThan 5
        foreach ($old in 'out/demo/walkthrough', 'out/demo/restored') {
            $p = Join-Path $script:Repo $old
            if (Test-Path $p) { Remove-Item $p -Recurse -Force }
        }
        $script = "`$ErrorActionPreference = 'Stop'`nSet-Location '$($script:Repo)'`n" + ($blocks -join "`n") + "`n'WALKTHROUGH-DONE'"
        $run = Invoke-ChildPwsh -Script $script
        $run.ExitCode | Should -Be 0 -Because $run.Text
        @($run.Output | Where-Object { $_.Trim() })[-1] | Should -Be 'WALKTHROUGH-DONE'
        $run.Text | Should -Not -Match 'Exception'
        Test-Path (Join-Path $script:Repo 'out/demo/restored/Sample.edb') | Should -BeTrue
    }
}
