from __future__ import annotations

from pathlib import Path, PurePosixPath

from nanostudio.catalogue import find_package
from nanostudio.engine.setupcomplete import (
    FAILURES_LOG,
    FAILURES_LOG_PATH,
    LOG_PATH,
    render_docker_script,
    render_setupcomplete,
)
from nanostudio.engine.staging import StagedContent, StagedDriver, StagedPackage
from nanostudio.recipe import FirstBootSpec, NetworkSpec, Recipe


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
    recipe = Recipe(firstboot=FirstBootSpec(("ipconfig /all", "echo 50% & exit /b 0")))
    text = render_setupcomplete(recipe, staged)
    order = [
        "Microsoft-NanoServer-Defender-Package.cab",
        "Microsoft-NanoServer-Defender-Package_en-us.cab",
        "Microsoft-NanoServer-NPDS-Package.cab",
        'pnputil /add-driver "%SystemDrive%\\NanoStudio\\Drivers\\*.inf" /subdirs /install',
        "ipconfig /all >>",
        "echo 50% & exit /b 0 >>",
        "shutdown /r",
    ]
    positions = [text.index(item) for item in order]
    assert positions == sorted(positions)
    assert text.count("dism /online /add-package") == 3
    assert "/norestart" in text
    # Echoed labels escape cmd's metacharacters; the command itself runs as written.
    assert "first-boot command 2: echo 50%% ^& exit /b 0" in text


def test_restart_only_on_3010() -> None:
    text = render_setupcomplete(Recipe(), StagedContent())
    assert 'if "%~1"=="3010" (' in text
    assert 'if "%RESTART%"=="1" (' in text


def test_docker_script_for_containers() -> None:
    staged = StagedContent(packages=(package("Containers"),), docker=True)
    text = render_setupcomplete(Recipe(), staged)
    assert (
        "powershell -NoProfile -ExecutionPolicy Bypass -File "
        '"%SystemDrive%\\NanoStudio\\install-docker.ps1"' in text
    )
    script = render_docker_script()
    assert (
        "DockerMsftProvider" in script
        and "Set-Service -Name docker -StartupType Automatic" in script
    )
    assert "install-docker" not in render_setupcomplete(Recipe(), StagedContent())


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
