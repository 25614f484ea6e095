"""``SetupComplete.cmd``: what Windows runs once, as SYSTEM, at the end of first boot.

Used by both engines. Every step is logged to
``%SystemRoot%\\Setup\\Scripts\\setupcomplete.log`` with its exit code, so a VM
that does not come up as expected can be diagnosed by reading one file. Every step
that fails is also appended to ``setupcomplete-failures.log`` next to it: the file
exists only if something failed, so ``Get-Content`` of that one file (over
``nanostudio exec`` or the console) answers "did first boot work?". Microsoft's
guidance is that Windows does not check the script's exit codes ("Add a Custom
Script to Windows Setup", learn.microsoft.com), hence the script's own log; the
generator's SetupComplete.cmd logs to the same ``setupcomplete.log``
(NanoServerImageGenerator.psm1, Write-SetupComplete).

Packages staged by the portable engine are installed with ``dism /online
/add-package``: Nano Server 2016 ships DISM and services itself online from
cabs copied onto it (Microsoft's "Deploy Nano Server" guide installs roles on a
running Nano Server from a local copy of the Packages folder with ``dism
/online``). The base cab goes first, then its language cab, in dependency
order. ``/norestart`` with exit code 3010 means "restart needed": the script
restarts once, at the end, after the user's own commands.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from nanostudio.engine.staging import (
    DOCKER_SCRIPT,
    DRIVERS_FOLDER,
    StagedContent,
    windows_path,
)
from nanostudio.recipe import Recipe

LOG = r"%SystemRoot%\Setup\Scripts\setupcomplete.log"
FAILURES_LOG = r"%SystemRoot%\Setup\Scripts\setupcomplete-failures.log"
# The same files as the running Nano Server's PowerShell names them, for the GUI and CLI
# to show ("Get-Content <path>"); %SystemRoot% is C:\Windows on an image NanoStudio built.
LOG_PATH = r"C:\Windows\Setup\Scripts\setupcomplete.log"
FAILURES_LOG_PATH = r"C:\Windows\Setup\Scripts\setupcomplete-failures.log"
WINRM_RULE = "WinRM HTTP (NanoStudio)"
WINRM_PORT = 5985
# "Remote Event Log Management" by its resource id, as the generator names it.
EVENTLOG_GROUP = "@FirewallAPI.dll,-29252"
RESTART_NEEDED = 3010


def render_setupcomplete(recipe: Recipe, staged: StagedContent) -> str:
    """The script text, with CRLF line ends as cmd.exe expects."""
    lines = [
        "@echo off",
        "rem Written by NanoStudio. Runs once at the end of Windows setup.",
        "setlocal",
        f'set "LOG={LOG}"',
        f'set "FAILURES={FAILURES_LOG}"',
        "set RESTART=0",
        'echo [%DATE% %TIME%] NanoStudio first boot started >> "%LOG%"',
    ]
    lines += _step(
        f"time zone {recipe.system.timezone}",
        f'tzutil /s "{_quoted(recipe.system.timezone)}"',
    )
    lines += _network(recipe)
    if recipe.network.winrm:
        lines += _winrm()
    for package in staged.packages:
        lines += _step(
            f"install package {package.info.name}",
            f'dism /online /add-package /packagepath:"{windows_path(package.target)}" '
            "/quiet /norestart",
        )
        if package.language_target is not None:
            lines += _step(
                f"install language package of {package.info.name}",
                f'dism /online /add-package /packagepath:"{windows_path(package.language_target)}" '
                "/quiet /norestart",
            )
    if staged.drivers:
        lines += _step(
            "install staged drivers",
            f'pnputil /add-driver "{windows_path(DRIVERS_FOLDER)}\\*.inf" /subdirs /install',
        )
    for feature in staged.features:
        lines += _step(
            f"enable the {feature} feature",
            # Deploy-Nano-Server.md uses Enable-WindowsOptionalFeature -Online for DNS;
            # dism /online /enable-feature is the same servicing call, used on Nano in
            # Microsoft's IIS-on-Nano-Server.md, and reports 3010 like the packages.
            f"dism /online /enable-feature /featurename:{feature} /quiet /norestart",
        )
    if staged.docker:
        lines += _step(
            "install Docker (DockerMsftProvider)",
            f'powershell -NoProfile -ExecutionPolicy Bypass -File "{windows_path(DOCKER_SCRIPT)}"',
        )
    for number, command in enumerate(recipe.firstboot.commands, 1):
        lines += _step(f"first-boot command {number}: {command}", command)
    lines += [
        'echo [%DATE% %TIME%] NanoStudio first boot finished >> "%LOG%"',
        'if exist "%FAILURES%" echo [%DATE% %TIME%] some steps FAILED: see %FAILURES% >> "%LOG%"',
        'if "%RESTART%"=="1" (',
        '  echo [%DATE% %TIME%] restarting once to finish installing >> "%LOG%"',
        '  shutdown /r /t 5 /c "NanoStudio: finishing package installation" >> "%LOG%" 2>&1',
        ")",
        "exit /b 0",
        "",
        ":check",
        f'if "%~1"=="{RESTART_NEEDED}" (',
        "  set RESTART=1",
        f'  echo   ok, restart needed ^(exit code {RESTART_NEEDED}^) >> "%LOG%"',
        ') else if "%~1"=="0" (',
        '  echo   ok ^(exit code 0^) >> "%LOG%"',
        ") else (",
        '  echo   FAILED with exit code %~1 >> "%LOG%"',
        '  echo [%DATE% %TIME%] FAILED with exit code %~1: %STEP% >> "%FAILURES%"',
        ")",
        "exit /b 0",
    ]
    return "\r\n".join(lines) + "\r\n"


def render_docker_script() -> str:
    """PowerShell that installs Docker the way Microsoft documented for Nano Server 2016."""
    lines = [
        "# Written by NanoStudio: installs Docker for the Containers package.",
        "$ErrorActionPreference = 'Stop'",
        "[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12",
        "Install-PackageProvider -Name NuGet -MinimumVersion 2.8.5.201 -Force | Out-Null",
        "Install-Module -Name DockerMsftProvider -Repository PSGallery -Force",
        "Install-Package -Name docker -ProviderName DockerMsftProvider -Force",
        "Set-Service -Name docker -StartupType Automatic",
        "exit 3010  # the Containers feature and the docker service start after a restart",
    ]
    return "\r\n".join(lines) + "\r\n"


def _step(label: str, command: str) -> list[str]:
    """Log the label, run the command into the log, record its exit code.

    ``STEP`` keeps the label for ``:check``'s line in the failures file: inside
    ``set "..."`` the text is stored as written (quotes removed so they cannot end the
    quoted assignment), escaped for the ``echo`` that later expands it.
    """
    return [
        f'set "STEP={_echo_text(label.replace(chr(34), chr(39)))}"',
        f'echo [%DATE% %TIME%] {_echo_text(label)} >> "%LOG%"',
        f'{command} >> "%LOG%" 2>&1',
        "call :check %ERRORLEVEL%",
    ]


def _winrm() -> list[str]:
    """What New-NanoServerImage -EnableRemoteManagementPort opens (Write-SetupComplete in
    NanoServerImageGenerator.psm1): an inbound rule for TCP 5985 in every profile from
    any address, then the built-in "Remote Event Log Management" rule group, named by its
    resource string ``@FirewallAPI.dll,-29252`` so it is found in any display language."""
    lines = _step(
        f"open TCP {WINRM_PORT} for WinRM in every firewall profile",
        f'netsh advfirewall firewall add rule name="{WINRM_RULE}" dir=in action=allow '
        f"protocol=TCP localport={WINRM_PORT} profile=any",
    )
    lines += _step(
        "enable the Remote Event Log Management firewall rules",
        f'netsh advfirewall firewall set rule group="{EVENTLOG_GROUP}" new enable=Yes',
    )
    return lines


def _network(recipe: Recipe) -> list[str]:
    network = recipe.network
    if network.ipv4 is None:
        return []
    interface = ipaddress.IPv4Interface(network.ipv4)
    name = _quoted(network.interface)
    address = f"static {interface.ip} {interface.netmask}"
    if network.gateway:
        address += f" {network.gateway}"
    lines = _step(
        f"static IPv4 {network.ipv4} on {network.interface}",
        f'netsh interface ipv4 set address name="{name}" {address}',
    )
    lines += list(_dns(name, network.dns))
    return lines


def _dns(name: str, servers: Iterable[str]) -> Iterable[str]:
    for index, server in enumerate(servers, 1):
        if index == 1:
            command = (
                f'netsh interface ipv4 set dnsservers name="{name}" static {server} '
                "primary validate=no"
            )
        else:
            command = (
                f'netsh interface ipv4 add dnsservers name="{name}" address={server} '
                f"index={index} validate=no"
            )
        yield from _step(f"DNS server {server}", command)


def _quoted(text: str) -> str:
    """Text for inside double quotes on a cmd line: no quotes, ``%`` doubled."""
    return text.replace('"', "").replace("%", "%%")


def _echo_text(text: str) -> str:
    """Text for ``echo``: cmd's special characters escaped with ``^``, ``%`` doubled."""
    escaped = "".join(f"^{c}" if c in "^&|<>()" else c for c in text)
    return escaped.replace("%", "%%")
