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
then schedules one restart for after it has exited (``render_after_setup``).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from nanostudio.engine.content.cmd_lines import logged_step, powershell, quoted
from nanostudio.engine.content.first_boot_network import network_steps
from nanostudio.engine.content.staging import (
    DOCKER_FOLDER,
    DRIVERS_FOLDER,
    SETUPCOMPLETE_PATH,
    StagedContent,
    windows_path,
)
from nanostudio.engine.content.winrm_https import (
    HTTPS_PORT as WINRM_HTTPS_PORT,
)
from nanostudio.engine.content.winrm_https import (
    PASSWORD_PATH,
    PFX_PATH,
    THUMBPRINT_PATH,
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
# Run by the scheduled tasks, after SetupComplete.cmd (never from inside it).
AFTER_SETUP_SCRIPT = PurePosixPath("Windows/Setup/Scripts/NanoStudio-AfterSetup.cmd")
# Exists while SetupComplete.cmd runs; the restart waits until it is gone.
RUNNING_MARKER = r"%SystemRoot%\Setup\Scripts\setupcomplete.running"
# Every place a copy of the answer file can be left, deleted at the end of first boot.
# - Panther\unattend.xml: where the portable engine writes it, and the folder where
#   Windows caches the answer file it used ("a copy of the answer file is cached to
#   %WINDIR%\Panther", Windows Setup Automation Overview, learn.microsoft.com).
# - Panther\Unattend\{unattend,autounattend}.xml, %SystemDrive%\ and System32\Sysprep:
#   the implicit answer-file search locations (Vista/7 WAIK table, reported).
# - unattended.xml variants: commonly left-over names (privilege-escalation checklists,
#   reported). Windows masks passwords in its own cached copy (reported); NanoStudio's
#   copy is not masked, so it goes.
ANSWER_FILES = (
    r"%SystemRoot%\Panther\unattend.xml",
    r"%SystemRoot%\Panther\unattended.xml",
    r"%SystemRoot%\Panther\Unattend\unattend.xml",
    r"%SystemRoot%\Panther\Unattend\unattended.xml",
    r"%SystemRoot%\Panther\Unattend\autounattend.xml",
    r"%SystemRoot%\System32\Sysprep\unattend.xml",
    r"%SystemRoot%\System32\Sysprep\unattended.xml",
    r"%SystemDrive%\unattend.xml",
    r"%SystemDrive%\autounattend.xml",
)
RESTART_TASK = "NanoStudio-Restart"
AFTER_RESTART_TASK = "NanoStudio-AfterRestart"
RESTART_REASON = "NanoStudio: restart once to finish installing packages and drivers"
RESTART_WAIT_LIMIT = 360  # x 10 s: one hour
# PowerShell's Start-Sleep: Nano's PowerShell has it; timeout.exe on Nano is not documented.
_SLEEP = "powershell -NoProfile -Command Start-Sleep -Seconds"


def render_setupcomplete(recipe: Recipe, staged: StagedContent) -> str:
    """The script text, with CRLF line ends as cmd.exe expects.

    Order: packages, drivers, features, then the network settings (the adapter's
    driver must be installed before its address can be set), the firewall, Docker,
    the user's commands; if anything asked for a restart, the start-up task and the
    restart are scheduled; never a restart from inside the script.
    """
    lines = [
        "@echo off",
        "rem Written by NanoStudio. Runs once at the end of Windows setup.",
        "setlocal",
        *_log_variables(),
        "set RESTART=0",
        'echo [%DATE% %TIME%] NanoStudio first boot started >> "%LOG%"',
        # The restart task waits until this file is gone: SetupComplete has finished.
        f'echo running > "{RUNNING_MARKER}"',
    ]
    if staged.run_first is not None:
        # An edited image's own script first; it removes the marker when it ends, so
        # the marker is written again at once for the steps below.
        lines += logged_step(
            "the image's first-boot script from before the edit",
            f'call "{windows_path(staged.run_first)}"',
        )
        lines.append(f'echo running > "{RUNNING_MARKER}"')
    if staged.timezone_in_unattend:
        lines.append(
            f"rem Time zone {quoted(recipe.system.timezone)}: set by the oobeSystem pass of "
            "Windows\\Panther\\unattend.xml."
        )
    else:
        # The offlineServicing pass DISM applies has no time zone. tzutil.exe on Nano
        # Server 2016 is reported, not documented: Nano Server Image Builder sets the
        # zone by adding `tzutil.exe /s "<zone>"` to SetupComplete.cmd (public sample:
        # techthoughts2/NanoServer SetupComplete.cmd), and dsccommunity/xTimeZone uses
        # tzutil "in the case of Nano Server". A failure is logged, not fatal.
        lines += logged_step(
            f"time zone {recipe.system.timezone}",
            f'tzutil.exe /s "{quoted(recipe.system.timezone)}"',
        )
    for package in staged.packages:
        lines += logged_step(
            f"install package {package.info.name}",
            f'dism /online /add-package /packagepath:"{windows_path(package.target)}" '
            "/quiet /norestart",
        )
        if package.language_target is not None:
            lines += logged_step(
                f"install language package of {package.info.name}",
                f'dism /online /add-package /packagepath:"{windows_path(package.language_target)}" '
                "/quiet /norestart",
            )
    for target, label in staged.update_cabs:
        # After the packages: Microsoft's Nano guide installs the cumulative update
        # "immediately after installing any optional packages"; SSUs come first.
        lines += logged_step(
            f"install update {label}",
            f'dism /online /add-package /packagepath:"{windows_path(target)}" /quiet /norestart',
        )
    if staged.drivers:
        lines += logged_step(
            "install staged drivers",
            f'pnputil /add-driver "{windows_path(DRIVERS_FOLDER)}\\*.inf" /subdirs /install',
        )
    for feature in staged.features:
        lines += logged_step(
            f"enable the {feature} feature",
            # Deploy-Nano-Server.md uses Enable-WindowsOptionalFeature -Online for DNS;
            # dism /online /enable-feature is the same servicing call, used on Nano in
            # Microsoft's IIS-on-Nano-Server.md, and reports 3010 like the packages.
            f"dism /online /enable-feature /featurename:{feature} /quiet /norestart",
        )
    lines += network_steps(recipe)
    if recipe.network.winrm:
        lines += _winrm()
    if recipe.network.winrm_https:
        lines += _winrm_https(recipe)
    if staged.docker_zip is not None:
        lines += _docker()
    for number, command in enumerate(recipe.firstboot.commands, 1):
        lines += logged_step(f"first-boot command {number}: {command}", command)
    lines += [
        'if not "%RESTART%"=="1" goto :finish',
        *_schedule_after_restart(recipe),
        ":finish",
        *_delete_answer_files(),
        'echo [%DATE% %TIME%] NanoStudio first boot finished >> "%LOG%"',
        'if exist "%FAILURES%" echo [%DATE% %TIME%] some steps FAILED: see %FAILURES% >> "%LOG%"',
        f'del /f /q "{RUNNING_MARKER}"',
        "exit /b 0",
        "",
        *(_start_docker() if staged.docker_zip is not None else []),
        *_check(),
    ]
    return "\r\n".join(lines) + "\r\n"


def first_boot_files(recipe: Recipe, staged: StagedContent) -> list[tuple[PurePosixPath, str]]:
    """(path in the image, text) of every script first boot runs; both engines write these."""
    files = [
        (SETUPCOMPLETE_PATH, render_setupcomplete(recipe, staged)),
        (AFTER_SETUP_SCRIPT, render_after_setup(recipe)),
    ]
    return files


def render_after_setup(recipe: Recipe) -> str:
    """``AFTER_SETUP_SCRIPT``: what the scheduled tasks run once SetupComplete is over.

    ``restart``: wait until SetupComplete.cmd has finished (its marker file is gone),
    then restart once. ``after-restart``: at the first start-up after that, apply
    the network settings again (the adapter may only have its driver now) and
    remove both tasks.
    """
    lines = [
        "@echo off",
        "rem Written by NanoStudio. Run by the tasks SetupComplete.cmd schedules.",
        "setlocal",
        *_log_variables(),
        'if /i "%~1"=="restart" goto :restart',
        'if /i "%~1"=="after-restart" goto :after_restart',
        "echo usage: %~nx0 restart^|after-restart",
        "exit /b 2",
        "",
        ":restart",
        "set WAITED=0",
        ":wait",
        f'if not exist "{RUNNING_MARKER}" goto :restart_now',
        f"if %WAITED% geq {RESTART_WAIT_LIMIT} goto :gave_up",
        "set /a WAITED+=1",
        f"{_SLEEP} 10",
        "goto :wait",
        ":gave_up",
        "echo [%DATE% %TIME%] SetupComplete.cmd is still running after an hour: not restarting; "
        'restart by hand ^(Restart-Computer^) >> "%LOG%"',
        "echo [%DATE% %TIME%] FAILED: the scheduled restart gave up waiting for "
        'SetupComplete.cmd >> "%FAILURES%"',
        "exit /b 1",
        ":restart_now",
        *logged_step(
            "SetupComplete.cmd has finished: restart once to finish installing",
            f'shutdown /r /t 30 /c "{quoted(RESTART_REASON)}"',
        ),
        "exit /b 0",
        "",
        ":after_restart",
        'echo [%DATE% %TIME%] NanoStudio: first start-up after the restart >> "%LOG%"',
        "rem Give Plug and Play time to bring up the adapters installed before the restart.",
        f"{_SLEEP} 30",
        *network_steps(recipe),
        *logged_step(
            "remove the one-shot start-up and restart tasks",
            powershell(
                f"Unregister-ScheduledTask -TaskName {RESTART_TASK} -Confirm:$false "
                "-ErrorAction SilentlyContinue; "
                f"Unregister-ScheduledTask -TaskName {AFTER_RESTART_TASK} -Confirm:$false"
            ),
        ),
        'echo [%DATE% %TIME%] NanoStudio: after-restart settings done >> "%LOG%"',
        "exit /b 0",
        "",
        *_check(),
    ]
    return "\r\n".join(lines) + "\r\n"


def _delete_answer_files() -> list[str]:
    """The last step: no copy of the answer file keeps the (reversibly encoded) password.

    SetupComplete.cmd runs after the unattend passes are processed, so none is needed.
    Each path that still exists afterwards is a failure."""
    lines = [
        'set "STEP=delete every copy of the answer file ^(it holds the encoded password^)"',
        "echo [%DATE% %TIME%] delete every copy of the answer file "
        '^(it holds the encoded password^) >> "%LOG%"',
    ]
    for path in ANSWER_FILES:
        lines += [
            f'if exist "{path}" del /f /q "{path}" >> "%LOG%" 2>&1',
            f'if exist "{path}" call :check 1',
        ]
    return lines


def _log_variables() -> list[str]:
    return [f'set "LOG={LOG}"', f'set "FAILURES={FAILURES_LOG}"']


def _start_docker() -> list[str]:
    return [
        ":start_docker",
        *logged_step("start the docker service", powershell("Start-Service -Name docker")),
        "exit /b 0",
        "",
    ]


def _check() -> list[str]:
    return [
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


def _schedule_after_restart(recipe: Recipe) -> list[str]:
    """Scheduled tasks for what must happen after SetupComplete.cmd has exited.

    Microsoft: "You should not reboot the system by adding a command such as
    shutdown -r" in SetupComplete.cmd ("Add a Custom Script to Windows Setup",
    learn.microsoft.com). Nano Server 2016 runs the Task Scheduler service
    (Manage-Nano-Server.md); ``schtasks.exe`` on GA Nano is not documented (it was
    on TP3), while ``Register-ScheduledTask`` is reported to work against Nano
    (firstboot-facts.md / NANO-FACTS.md section 5), so the tasks are registered with
    the ScheduledTasks cmdlets. RunOnce is no help: it runs at a user's logon, and
    nobody logs on to a Nano Server. ``shutdown.exe`` is on Nano (the docs run
    ``shutdown /r /t 5`` there).
    """
    lines: list[str] = []
    if network_steps(recipe):
        lines += logged_step(
            "a restart is needed: register a one-shot start-up task that applies the "
            "network settings again after it",
            _register_task(
                AFTER_RESTART_TASK, "New-ScheduledTaskTrigger -AtStartup", "after-restart"
            ),
        )
    lines += logged_step(
        "a restart is needed: schedule it for when SetupComplete.cmd has finished "
        f"(task {RESTART_TASK})",
        _register_task(
            RESTART_TASK,
            "New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1)",
            "restart",
        ),
    )
    return lines


def _register_task(name: str, trigger: str, argument: str) -> str:
    """A ``Register-ScheduledTask`` call, as SYSTEM, running AFTER_SETUP_SCRIPT ``argument``.

    Inside the PowerShell text there are only single quotes (cmd.exe passes it in one
    double-quoted argument) and no ``%``: the paths come from ``$env:SystemRoot``.
    """
    script = "\\".join(AFTER_SETUP_SCRIPT.parts[1:])  # below the Windows folder
    return powershell(
        f"Register-ScheduledTask -Force -TaskName {name} "
        f"-Trigger ({trigger}) "
        "-Principal (New-ScheduledTaskPrincipal -UserId SYSTEM -LogonType ServiceAccount "
        "-RunLevel Highest) "
        "-Action (New-ScheduledTaskAction -Execute ($env:SystemRoot + '\\System32\\cmd.exe') "
        f"-Argument ('/c ' + $env:SystemRoot + '\\{script} {argument}')) | Out-Null"
    )


def _docker() -> list[str]:
    """Register and start Docker from the static binaries staged in Program Files\\docker.

    Microsoft's Nano container-host instructions of 2016 unzip Docker into Program
    Files and run ``dockerd --register-service``; its binaries install then runs
    ``Start-Service docker`` (firstboot-facts.md section 4). The start type is set to
    Automatic explicitly, so the service also starts after the restart the Containers
    feature usually asks for; before that restart it cannot start (dockerd fails
    without the feature's vmcompute.dll, reported), so it is started now only when no
    restart is pending.
    """
    dockerd = "%ProgramFiles%\\" + "\\".join(DOCKER_FOLDER.parts[1:]) + "\\dockerd.exe"
    return [
        *logged_step("register the docker service", f'"{dockerd}" --register-service'),
        *logged_step(
            "start the docker service automatically",
            powershell("Set-Service -Name docker -StartupType Automatic"),
        ),
        'if "%RESTART%"=="1" (',
        '  echo [%DATE% %TIME%] the docker service starts after the restart >> "%LOG%"',
        ") else (",
        "  call :start_docker",
        ")",
    ]


def _winrm() -> list[str]:
    """What New-NanoServerImage -EnableRemoteManagementPort opens (Write-SetupComplete in
    NanoServerImageGenerator.psm1): an inbound rule for TCP 5985 in every profile from
    any address, then the built-in "Remote Event Log Management" rule group, named by its
    resource string ``@FirewallAPI.dll,-29252`` so it is found in any display language."""
    lines = logged_step(
        f"open TCP {WINRM_PORT} for WinRM in every firewall profile",
        f'netsh advfirewall firewall add rule name="{WINRM_RULE}" dir=in action=allow '
        f"protocol=TCP localport={WINRM_PORT} profile=any",
    )
    lines += logged_step(
        "enable the Remote Event Log Management firewall rules",
        f'netsh advfirewall firewall set rule group="{EVENTLOG_GROUP}" new enable=Yes',
    )
    return lines


WINRM_HTTPS_RULE = "WinRM HTTPS (NanoStudio)"


def _winrm_https(recipe: Recipe) -> list[str]:
    """Import the PFX NanoStudio made, create the HTTPS listener and its firewall rule,
    then delete the PFX, its password and the thumbprint file (winrm_https.py says which
    commands are documented on Nano and which are not).

    The password is never in this script's text nor in the log: cmd reads it from its
    file into a variable (``set /p``), certoc gets it, the variable is cleared. The
    listener names the computer (the certificate's common name)."""
    folder = "%SystemRoot%\\" + "\\".join(PFX_PATH.parent.parts[1:])
    pfx = f"{folder}\\{PFX_PATH.name}"
    password = f"{folder}\\{PASSWORD_PATH.name}"
    thumbprint = f"{folder}\\{THUMBPRINT_PATH.name}"
    name = quoted(recipe.system.computer_name)
    lines = [
        'set "PFXPASS="',
        'set "THUMB="',
        f'if exist "{password}" set /p PFXPASS=<"{password}"',
        f'if exist "{thumbprint}" set /p THUMB=<"{thumbprint}"',
    ]
    lines += logged_step(
        "import the WinRM HTTPS certificate into LocalMachine\\My",
        f'certoc.exe -ImportPFX -p "%PFXPASS%" My "{pfx}"',
    )
    lines.append('set "PFXPASS="')
    lines += logged_step(
        f"create the WinRM HTTPS listener on {WINRM_HTTPS_PORT} for {recipe.system.computer_name}",
        powershell(
            "New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS -Address * "
            f"-HostName '{name.replace(chr(39), chr(39) * 2)}' -CertificateThumbPrint %THUMB% "
            "-Force | Out-Null"
        ),
    )
    lines += logged_step(
        f"open TCP {WINRM_HTTPS_PORT} for WinRM over HTTPS in every firewall profile",
        f'netsh advfirewall firewall add rule name="{WINRM_HTTPS_RULE}" dir=in action=allow '
        f"protocol=TCP localport={WINRM_HTTPS_PORT} profile=any",
    )
    lines += [
        'set "STEP=delete the WinRM certificate\'s PFX and password"',
        'echo [%DATE% %TIME%] delete the WinRM certificate\'s PFX and password >> "%LOG%"',
    ]
    for path in (pfx, password, thumbprint):
        lines += [
            f'if exist "{path}" del /f /q "{path}" >> "%LOG%" 2>&1',
            f'if exist "{path}" call :check 1',
        ]
    return lines
