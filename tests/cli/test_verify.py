"""``nanostudio verify`` and ``run``: the checks' judges from recorded Windows output, the
command against the loopback WinRM server standing in for a booted VM, bad input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.content.setupcomplete import FAILURES_LOG_PATH, LOG_PATH
from nanostudio.recipe import NetworkSpec, OutputSpec, PackagesSpec, Recipe, SystemSpec
from nanostudio.recipe.toml_io import save_recipe
from nanostudio.remote.exec import CommandResult
from nanostudio.remote.verify import (
    installed_packages,
    ipv4_addresses,
    judge_firewall,
    judge_no_failures,
    judge_package,
    planned_checks,
)
from tests.support.fixtures_winrm import ADMIN_PASSWORD
from tests.support.winrm_server import LoopbackWinRM, free_port

DISM = """
Deployment Image Servicing and Management tool
Version: 10.0.14393.0

Image Version: 10.0.14393.0

Packages listing:

Package Identity : Microsoft-NanoServer-DSC-Package~31bf3856ad364e35~amd64~~10.0.14393.0
State : Installed
Release Type : OnDemand Pack
Install Time : 12/6/2026 10:02 AM

Package Identity : Microsoft-NanoServer-DSC-Package~31bf3856ad364e35~amd64~en-US~10.0.14393.0
State : Installed
Release Type : Language Pack
Install Time : 12/6/2026 10:02 AM

Package Identity : Microsoft-NanoServer-Storage-Package~31bf3856ad364e35~amd64~~10.0.14393.0
State : Install Pending
Release Type : OnDemand Pack
Install Time : 12/6/2026 10:03 AM

The operation completed successfully.
""".replace("\n", "\r\n")
IPCONFIG = (
    "\r\nWindows IP Configuration\r\n\r\n\r\nEthernet adapter Ethernet:\r\n\r\n"
    "   Connection-specific DNS Suffix  . : \r\n"
    "   IPv4 Address. . . . . . . . . . . : 192.168.56.10\r\n"
    "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n"
    "   Default Gateway . . . . . . . . . : 192.168.56.1\r\n"
)
NETSH_RULE = """
Rule Name:                            WinRM HTTP (NanoStudio)
----------------------------------------------------------------------
Enabled:                              Yes
Direction:                            In
Profiles:                             Domain,Private,Public
Grouping:                             
LocalIP:                              Any
RemoteIP:                             Any
Protocol:                             TCP
LocalPort:                            5985
RemotePort:                           Any
Edge traversal:                       No
Action:                               Allow
Ok.
""".replace("\n", "\r\n")  # noqa: W291
NO_RULE = "No rules match the specified criteria.\r\n"
SETUP_LOG = (
    "10:01:02 step 1 install DSC: exit code 0\r\n10:03:10 step 9 open WinRM: exit code 0\r\n"
)


def test_judges_read_recorded_windows_output() -> None:
    packages = installed_packages(DISM)
    assert len(packages) == 3
    dsc = judge_package("Microsoft-NanoServer-DSC-Package")(CommandResult(DISM, "", 0))
    assert dsc.passed
    storage = judge_package("Microsoft-NanoServer-Storage-Package")(CommandResult(DISM, "", 0))
    assert not storage.passed and "Install Pending" in storage.message
    missing = judge_package("Microsoft-NanoServer-Compute-Package")(CommandResult(DISM, "", 0))
    assert "is not on the VM" in missing.message
    assert ipv4_addresses(IPCONFIG) == ["192.168.56.10"]
    assert judge_firewall(CommandResult(NETSH_RULE, "", 0)).passed
    assert not judge_firewall(CommandResult(NO_RULE, "", 1)).passed
    disabled = judge_firewall(CommandResult(NETSH_RULE.replace("Yes", "No"), "", 0))
    assert "enabled=No" in disabled.message
    gone = CommandResult("", "The system cannot find the file specified.\r\n", 1)
    assert judge_no_failures(gone).passed
    assert not judge_no_failures(CommandResult("step 3 dism: exit code 5\r\n", "", 0)).passed


def _recipe(tmp_path: Path, name: str = "NANO1") -> Path:
    recipe = Recipe(
        packages=PackagesSpec(("DSC",)),
        system=SystemSpec(computer_name=name),
        network=NetworkSpec(ipv4="192.168.56.10/24", gateway="192.168.56.1"),
        output=OutputSpec(path=tmp_path / "nano.vhdx"),
    )
    path = tmp_path / "nano.toml"
    save_recipe(recipe, path)
    return path


def _script_vm(server: LoopbackWinRM, failures: str | None = None) -> None:
    server.commands.update(
        {
            "dism /online /get-packages": (DISM, 0),
            "ipconfig": (IPCONFIG, 0),
            'netsh advfirewall firewall show rule "name=winrm http (nanostudio)"': (NETSH_RULE, 0),
            f"type {LOG_PATH}".lower(): (SETUP_LOG, 0),
            f"type {FAILURES_LOG_PATH}".lower(): (
                (failures, 0) if failures else ("", 1)  # cmd: "cannot find the file"
            ),
        }
    )


def test_planned_checks_name_each_choice(tmp_path: Path) -> None:
    from nanostudio.recipe.toml_io import load_recipe

    names = [c.name for c in planned_checks(load_recipe(_recipe(tmp_path)))]
    assert names == [
        "computer name is NANO1",
        "package DSC is installed",
        "static address 192.168.56.10",
        "firewall rule WinRM HTTP (NanoStudio) allows WinRM",
        "first boot log setupcomplete.log exists",
        "first boot reported no failures",
    ]


def _cases(junit: Path) -> dict[str, str]:
    root = ET.parse(junit).getroot()
    cases = {}
    for case in root.iter("testcase"):
        kids = [child.tag for child in case]
        cases[case.get("name", "")] = next(
            (k for k in kids if k in ("failure", "skipped")), "passed"
        )
    return cases


def test_verify_passes_against_a_vm_that_has_everything(
    winrm_server: LoopbackWinRM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _script_vm(winrm_server)
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", ADMIN_PASSWORD)
    junit = tmp_path / "report.xml"
    address = f"127.0.0.1:{winrm_server.port}"
    code = main(["verify", str(_recipe(tmp_path)), "--address", address, "--junit", str(junit)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "All checks passed." in out
    cases = _cases(junit)
    assert list(cases) == [
        "connect over WinRM",
        "computer name is NANO1",
        "package DSC is installed",
        "static address 192.168.56.10",
        "firewall rule WinRM HTTP (NanoStudio) allows WinRM",
        "first boot log setupcomplete.log exists",
        "first boot reported no failures",
    ]
    assert set(cases.values()) == {"passed"}
    assert ADMIN_PASSWORD not in junit.read_text()


def test_verify_fails_with_the_failed_check_named(
    winrm_server: LoopbackWinRM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _script_vm(winrm_server, failures="10:02:00 step 4 install Storage: exit code 5\r\n")
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", ADMIN_PASSWORD)
    junit = tmp_path / "report.xml"
    recipe = _recipe(tmp_path, name="NANO7")
    code = main(["verify", str(recipe), "--address", f"127.0.0.1:{winrm_server.port}",
                 "--junit", str(junit)])  # fmt: skip
    assert code == 1
    cases = _cases(junit)
    assert cases["computer name is NANO7"] == "failure"
    assert cases["first boot reported no failures"] == "failure"
    assert cases["package DSC is installed"] == "passed"
    assert "FAIL  computer name is NANO7: the VM is called NANO1, not NANO7" in (
        capsys.readouterr().out
    )


def test_verify_without_a_connection_names_the_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", ADMIN_PASSWORD)
    junit = tmp_path / "report.xml"
    code = main(["verify", str(_recipe(tmp_path)), "--address", f"127.0.0.1:{free_port()}",
                 "--junit", str(junit), "--timeout", "1"])  # fmt: skip
    assert code == 1
    root = ET.parse(junit).getroot()
    failure = root.find("./testsuite/testcase[@name='connect over WinRM']/failure")
    assert failure is not None and "The WinRM port is open" in failure.get("message", "")
    assert _cases(junit)["package DSC is installed"] == "skipped"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["verify", "missing.toml"], "does not exist"),
        (["verify", "disk.wim"], "neither a disk"),
        (["verify", "nano.toml", "--timeout", "0"], "--timeout must be more than 0"),
        (["verify", "nano.toml", "--address", "host:99999"], "is not HOST or HOST:PORT"),
        (["verify", "nano.toml", "--junit", "no/such/dir/r.xml"], "does not exist"),
        (["run", "nano.toml", "--no-wait"], "build it first"),
        (["run", "nano.toml", "--no-wait", "--ipv4", "10.0.0.1"], "not an address with a prefix"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    argv: list[str],
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", ADMIN_PASSWORD)
    _recipe(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and words in err[0], err


def test_recipe_with_winrm_closed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nano.vhdx").write_bytes(b"x")
    recipe = Recipe(
        network=NetworkSpec(winrm=False), output=OutputSpec(path=tmp_path / "nano.vhdx")
    )
    save_recipe(recipe, tmp_path / "closed.toml")
    assert main(["run", str(tmp_path / "closed.toml"), "--no-wait"]) == 2
    assert "leaves WinRM closed" in capsys.readouterr().err


def test_accept_real_media_skips_plainly_without_an_iso() -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "accept-real-media"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("skipped: no Windows Server 2016 ISO given")
