from __future__ import annotations

from pathlib import Path, PurePosixPath

from nanostudio.catalogue import find_package
from nanostudio.engine.content.setupcomplete import (
    ANSWER_FILES,
    FAILURES_LOG,
    FAILURES_LOG_PATH,
    LOG_PATH,
    first_boot_files,
    render_after_setup,
    render_setupcomplete,
)
from nanostudio.engine.content.staging import (
    UNATTEND_PATH,
    StagedContent,
    StagedDriver,
    StagedPackage,
    windows_path,
)
from nanostudio.recipe import FirstBootSpec, NetworkSpec, Recipe, SystemSpec


def package(short: str, language: bool = True) -> StagedPackage:
    info = find_package(short)
    assert info is not None
    base = PurePosixPath("NanoStudio/Packages") / f"{info.name}.cab"
    lang = PurePosixPath("NanoStudio/Packages/en-us") / f"{info.name}_en-us.cab"
    return StagedPackage(
        info,
        f"Packages/{info.name}.cab",
        base,
        "x" if language else None,
        lang if language else None,
    )


def lines(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.split("\r\n")


def test_steps_are_logged_and_checked() -> None:
    text = render_setupcomplete(Recipe(), StagedContent())
    assert 'set "LOG=%SystemRoot%\\Setup\\Scripts\\setupcomplete.log"' in text
    body = lines(text)
    for index, line in enumerate(body):
        if line.startswith("tzutil") or line.startswith("netsh"):
            assert line.endswith('>> "%LOG%" 2>&1')
            assert body[index + 1] == "call :check %ERRORLEVEL%"


def test_winrm_rule_only_when_asked() -> None:
    rule = (
        'netsh advfirewall firewall add rule name="WinRM HTTP (NanoStudio)" dir=in '
        "action=allow protocol=TCP localport=5985 profile=any"
    )
    eventlog = 'netsh advfirewall firewall set rule group="@FirewallAPI.dll,-29252" new enable=Yes'
    text = render_setupcomplete(Recipe(), StagedContent())
    assert rule in text and eventlog in text
    # The same two as New-NanoServerImage -EnableRemoteManagementPort, in its order.
    assert text.index(rule) < text.index(eventlog)
    off = Recipe(network=NetworkSpec(winrm=False))
    assert "5985" not in render_setupcomplete(off, StagedContent())
    assert "-29252" not in render_setupcomplete(off, StagedContent())


def test_static_address_gateway_and_dns() -> None:
    recipe = Recipe(
        network=NetworkSpec(
            ipv4="10.0.0.5/16", gateway="10.0.0.1", dns=("10.0.0.2", "10.0.0.3"), interface="LAN 2"
        )
    )
    text = render_setupcomplete(recipe, StagedContent())
    assert (
        'netsh interface ipv4 set address name="LAN 2" static 10.0.0.5 255.255.0.0 10.0.0.1' in text
    )
    assert 'set dnsservers name="LAN 2" static 10.0.0.2 primary validate=no' in text
    assert 'add dnsservers name="LAN 2" address=10.0.0.3 index=2 validate=no' in text
    assert "netsh interface" not in render_setupcomplete(Recipe(), StagedContent())


def test_packages_base_then_language_in_given_order_then_drivers_then_commands() -> None:
    staged = StagedContent(
        packages=(package("Defender"), package("NPDS", language=False)),
        drivers=(
            StagedDriver(Path("/d"), PurePosixPath("NanoStudio/Drivers/01-d"), ("a.inf",), ()),
        ),
    )
    recipe = Recipe(
        network=NetworkSpec(ipv4="10.0.0.5/24", gateway="10.0.0.1", dns=("10.0.0.1",)),
        firstboot=FirstBootSpec(("ipconfig /all", "echo 50% & exit /b 0")),
    )
    text = render_setupcomplete(recipe, staged)
    order = [
        "Microsoft-NanoServer-Defender-Package.cab",
        "Microsoft-NanoServer-Defender-Package_en-us.cab",
        "Microsoft-NanoServer-NPDS-Package.cab",
        'pnputil /add-driver "%SystemDrive%\\NanoStudio\\Drivers\\*.inf" /subdirs /install',
        # The network only once the drivers and packages are in.
        'netsh interface ipv4 set address name="Ethernet" static 10.0.0.5',
        'netsh interface ipv4 set dnsservers name="Ethernet" static 10.0.0.1',
        "netsh advfirewall firewall add rule",
        "ipconfig /all >>",
        "echo 50% & exit /b 0 >>",
        'if not "%RESTART%"=="1" goto :finish',
        "Register-ScheduledTask -Force -TaskName NanoStudio-AfterRestart",
        "Register-ScheduledTask -Force -TaskName NanoStudio-Restart",
        "\r\n:finish\r\n",
        "NanoStudio first boot finished",
        'del /f /q "%SystemRoot%\\Setup\\Scripts\\setupcomplete.running"',
        "\r\nexit /b 0\r\n\r\n:check\r\n",
    ]
    positions = [text.index(item) for item in order]
    assert positions == sorted(positions)
    assert text.count("dism /online /add-package") == 3
    assert "/norestart" in text
    # Echoed labels escape cmd's metacharacters; the command itself runs as written.
    assert "first-boot command 2: echo 50%% ^& exit /b 0" in text


def first_boot_part(text: str) -> str:
    """From the top to the exit before the :check subroutine."""
    return text[: text.index("\r\n:check\r\n")]


def test_no_restart_inside_setupcomplete() -> None:
    recipe = Recipe(network=NetworkSpec(ipv4="10.0.0.5/24"))
    staged = StagedContent(packages=(package("Defender"),), features=("DNS-Server-Full-Role",))
    text = render_setupcomplete(recipe, staged).lower()
    for restart in ("shutdown", "restart-computer", "wpeutil", "/reboot", "reboot"):
        assert restart not in text
    # The marker the restart waits for: written first, removed last.
    body = lines(first_boot_part(render_setupcomplete(recipe, staged)) + "\r\n")
    marker = '"%SystemRoot%\\Setup\\Scripts\\setupcomplete.running"'
    assert body[7] == f"echo running > {marker}"
    assert body[-4:] == [f"del /f /q {marker}", "exit /b 0", "", ""]


def test_restart_only_on_3010_and_scheduled_after_setupcomplete() -> None:
    text = render_setupcomplete(Recipe(), StagedContent())
    assert 'if "%~1"=="3010" (' in text
    assert "  set RESTART=1" in lines(text)
    assert 'if not "%RESTART%"=="1" goto :finish' in text
    # The restart task starts a minute later and runs the after-setup script as SYSTEM.
    (register,) = [line for line in lines(text) if "TaskName NanoStudio-Restart" in line]
    assert register.startswith('powershell -NoProfile -ExecutionPolicy Bypass -Command "')
    assert "New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes(1)" in register
    assert "-UserId SYSTEM -LogonType ServiceAccount" in register
    assert (
        "-Argument ('/c ' + $env:SystemRoot + "
        "'\\Setup\\Scripts\\NanoStudio-AfterSetup.cmd restart')" in register
    )
    # One quoted argument for cmd.exe: no inner double quotes, no %.
    inner = register.split('-Command "', 1)[1].rsplit('" >> "%LOG%"', 1)[0]
    assert '"' not in inner and "%" not in inner
    # DHCP: nothing to apply again after the restart, so no start-up task.
    assert "NanoStudio-AfterRestart" not in text


def test_after_setup_script_waits_restarts_and_reapplies_the_network() -> None:
    recipe = Recipe(
        network=NetworkSpec(
            ipv4="10.0.0.5/24", gateway="10.0.0.1", dns=("10.0.0.1",), interface="LAN 2"
        )
    )
    files = dict(first_boot_files(recipe, StagedContent()))
    assert set(files) == {
        PurePosixPath("Windows/Setup/Scripts/SetupComplete.cmd"),
        PurePosixPath("Windows/Setup/Scripts/NanoStudio-AfterSetup.cmd"),
    }
    script = files[PurePosixPath("Windows/Setup/Scripts/NanoStudio-AfterSetup.cmd")]
    assert script == render_after_setup(recipe)
    body = lines(script)
    restart = body[body.index(":restart") : body.index(":after_restart")]
    # Wait for SetupComplete.cmd's marker to go, then one restart, logged and checked.
    marker = 'if not exist "%SystemRoot%\\Setup\\Scripts\\setupcomplete.running" goto :restart_now'
    assert restart.index(marker) < restart.index(":restart_now")
    shutdown = [line for line in restart if line.startswith("shutdown")]
    assert shutdown == [
        'shutdown /r /t 30 /c "NanoStudio: restart once to finish installing packages and '
        'drivers" >> "%LOG%" 2>&1'
    ]
    assert restart[restart.index(shutdown[0]) + 1] == "call :check %ERRORLEVEL%"
    after = body[body.index(":after_restart") : body.index(":check")]
    setup = render_setupcomplete(recipe, StagedContent())
    address = (
        'netsh interface ipv4 set address name="LAN 2" static 10.0.0.5 255.255.255.0 10.0.0.1'
        ' >> "%LOG%" 2>&1'
    )
    assert address in after and address in lines(setup)
    assert after.index(address) < next(
        i for i, line in enumerate(after) if "Unregister-ScheduledTask" in line
    )
    assert "Register-ScheduledTask -Force -TaskName NanoStudio-AfterRestart" in setup
    assert "New-ScheduledTaskTrigger -AtStartup" in setup
    assert "shutdown" not in " ".join(after)


def test_docker_from_the_staged_binaries_for_containers() -> None:
    staged = StagedContent(
        packages=(package("Containers"),), docker=True, docker_zip=Path("/z/docker.zip")
    )
    recipe = Recipe(firstboot=FirstBootSpec(("docker version",)))
    text = render_setupcomplete(recipe, staged)
    body = lines(text)
    register = '"%ProgramFiles%\\docker\\dockerd.exe" --register-service >> "%LOG%" 2>&1'
    automatic = (
        'powershell -NoProfile -ExecutionPolicy Bypass -Command "Set-Service -Name docker '
        '-StartupType Automatic" >> "%LOG%" 2>&1'
    )
    start = (
        'powershell -NoProfile -ExecutionPolicy Bypass -Command "Start-Service -Name docker"'
        ' >> "%LOG%" 2>&1'
    )
    order = [
        body.index(next(line for line in body if "Containers-Package.cab" in line)),
        body.index(register),
        body.index(automatic),
        body.index("  call :start_docker"),
        body.index(next(line for line in body if line.startswith("docker version"))),
    ]
    assert order == sorted(order)
    assert body[body.index(register) + 1] == "call :check %ERRORLEVEL%"
    # Started now only when no restart is pending; the subroutine is logged and checked.
    assert body[body.index("  call :start_docker") - 3] == 'if "%RESTART%"=="1" ('
    sub = body[body.index(":start_docker") :]
    assert sub[3] == start and sub[4] == "call :check %ERRORLEVEL%"
    assert "DockerMsftProvider" not in text and "ServicePointManager" not in text
    # Containers without a Docker zip: nothing about Docker at first boot.
    bare = render_setupcomplete(
        recipe, StagedContent(packages=(package("Containers"),), docker=True)
    )
    assert "dockerd" not in bare and ":start_docker" not in bare
    assert len(first_boot_files(recipe, staged)) == 2


def test_failures_go_to_their_own_file_with_the_step_label() -> None:
    recipe = Recipe(firstboot=FirstBootSpec(('echo "50%" & exit /b 1',)))
    text = render_setupcomplete(recipe, StagedContent())
    body = lines(text)
    assert FAILURES_LOG == "%SystemRoot%\\Setup\\Scripts\\setupcomplete-failures.log"
    assert f'set "FAILURES={FAILURES_LOG}"' in body
    assert LOG_PATH == "C:\\Windows\\Setup\\Scripts\\setupcomplete.log"
    assert FAILURES_LOG_PATH == "C:\\Windows\\Setup\\Scripts\\setupcomplete-failures.log"
    # Every checked command is preceded by its label in STEP and its echo to the log.
    for index, line in enumerate(body):
        if line == "call :check %ERRORLEVEL%":
            assert body[index - 3].startswith('set "STEP=')
            assert body[index - 2].startswith("echo [%DATE% %TIME%] ")
    # The label keeps no double quote (it would end the quoted set), is escaped for echo.
    assert "set \"STEP=first-boot command 1: echo '50%%' ^& exit /b 1\"" in body
    check = body[body.index(":check") :]
    assert '  echo   FAILED with exit code %~1 >> "%LOG%"' in check
    assert '  echo [%DATE% %TIME%] FAILED with exit code %~1: %STEP% >> "%FAILURES%"' in check
    assert '  echo   ok ^(exit code 0^) >> "%LOG%"' in check
    assert 'if exist "%FAILURES%" echo' in text


def test_dns_feature_is_enabled_after_the_packages() -> None:
    staged = StagedContent(packages=(package("DNS"),), features=("DNS-Server-Full-Role",))
    text = render_setupcomplete(Recipe(), staged)
    enable = "dism /online /enable-feature /featurename:DNS-Server-Full-Role /quiet /norestart"
    assert f'{enable} >> "%LOG%" 2>&1' in lines(text)
    assert text.index("Microsoft-NanoServer-DNS-Package_en-us.cab") < text.index(enable)
    assert "enable-feature" not in render_setupcomplete(Recipe(), StagedContent())


def test_time_zone_by_unattend_or_by_tzutil() -> None:
    recipe = Recipe(system=SystemSpec(timezone="W. Europe Standard Time"))
    portable = render_setupcomplete(recipe, StagedContent(timezone_in_unattend=True))
    assert "tzutil" not in portable
    assert "rem Time zone W. Europe Standard Time: set by the oobeSystem pass" in portable
    windows = render_setupcomplete(recipe, StagedContent())
    assert 'tzutil.exe /s "W. Europe Standard Time" >> "%LOG%" 2>&1' in lines(windows)


def test_last_step_deletes_every_copy_of_the_answer_file() -> None:
    text = render_setupcomplete(Recipe(), StagedContent())
    body = lines(first_boot_part(text) + "\r\n")
    start = body.index(
        'set "STEP=delete every copy of the answer file ^(it holds the encoded password^)"'
    )
    # After everything else: only the closing log lines and the marker follow it.
    assert body.index(":finish") < start
    assert all("netsh" not in line and "dism" not in line for line in body[start:])
    deletes = [line for line in body[start:] if " del /f /q " in line]
    assert ANSWER_FILES[0] == "%SystemRoot%\\Panther\\unattend.xml"
    assert "%SystemRoot%\\Panther\\Unattend\\unattend.xml" in ANSWER_FILES
    assert "%SystemRoot%\\System32\\Sysprep\\unattend.xml" in ANSWER_FILES
    assert len(deletes) == len(ANSWER_FILES)
    for path, line in zip(ANSWER_FILES, deletes, strict=True):
        assert line == f'if exist "{path}" del /f /q "{path}" >> "%LOG%" 2>&1'
        # A copy that survives the delete is a failure in the failures file.
        assert body[body.index(line) + 1] == f'if exist "{path}" call :check 1'
    # UNATTEND_PATH (where the portable engine writes it) is the first one deleted.
    assert (
        windows_path(UNATTEND_PATH).replace("%SystemDrive%\\Windows", "%SystemRoot%")
        == (ANSWER_FILES[0])
    )
