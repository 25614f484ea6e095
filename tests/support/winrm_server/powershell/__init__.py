"""A scripted PowerShell subset: enough of the language for the remote-console tests.

It is not PowerShell; it answers the way PowerShell 5.1 on Nano Server does for:

  statements   separated by ';' or new lines; '#' comments; `exit [N]`
  values       42, 'text', "text with $var and $env:NAME", $var, $env:COMPUTERNAME,
               $true/$false/$null, 1..N, (pipeline), a, b (arrays), $a + $b, members
               ($p.Path, (Get-Location).Drive, $list.Count, 'text'.Length)
  variables    `$x = ...` kept per runspace pool; $PWD, $HOME, $LASTEXITCODE,
               $VerbosePreference / $DebugPreference ('Continue' shows those streams)
  pipelines    `... | Out-String [-Stream]`, `... | Out-Null`, `... | Write-Output`,
               `... | Select-Object -First N`; items flow on one at a time where
               PowerShell's do (Out-String -Stream, Out-Null, Write-Output)
  commands     Write-Output (echo), Write-Host [-NoNewline] [-ForegroundColor C]
               [-BackgroundColor C], Write-Error, Write-Warning, Write-Verbose [-Verbose],
               Write-Debug [-Debug], Write-Information [-Tags], Write-Progress -Activity
               -Status -PercentComplete [-Id] [-Completed], Read-Host [[-Prompt] text],
               Get-Credential [-UserName u] [-Message m], Start-Sleep [-Seconds] N |
               -Milliseconds N (stoppable), Get-Location (pwd, gl), Set-Location (cd, sl,
               chdir), Get-ChildItem (dir, ls, gci) over a fixed directory tree,
               Get-Command (gcm) [-Name pattern], prompt, hostname, Get-BigOutput -MB N
               [-LineLength L], TabExpansion2 -inputScript S -cursorColumn N
  errors       unknown commands and parameters, missing paths: the ErrorRecords
               PowerShell writes, and the statement is abandoned as PowerShell does.

Side effects go through a `Host` (the PSRP pipeline or the WinRS powershell.exe
adapter), so the same session state serves both. Not supported: functions, script
blocks, if/foreach, hashtables, method calls, pipeline input from the client.
"""

from tests.support.winrm_server.powershell.cmdlets import CONSOLE_COLORS, command_names
from tests.support.winrm_server.powershell.session import Session
from tests.support.winrm_server.powershell.values import (
    NON_INTERACTIVE_MESSAGE,
    ErrorInfo,
    Host,
    NonInteractive,
    Record,
    Stopped,
)

__all__ = [
    "CONSOLE_COLORS",
    "NON_INTERACTIVE_MESSAGE",
    "ErrorInfo",
    "Host",
    "NonInteractive",
    "Record",
    "Session",
    "Stopped",
    "command_names",
]
