"""Whole builds through the runner, on FAKE dism/diskpart/bcdboot: success paths.

The fakes keep a simulated machine; after every build nothing may be attached,
lettered or mounted, and the output folder holds the output and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.content.unattend import encode_password
from nanostudio.engine.events import LogLine
from nanostudio.engine.windows.engine import make_plan
from nanostudio.engine.windows.job import ApplyTool
from nanostudio.paths import log_dir
from nanostudio.recipe import BootSpec, DebugMethod
from nanostudio.secret import Secret
from tests.engine_portable.conftest import write_docker_zip
from tests.windows_engine.builds import (
    E1000_INF,
    PASSWORD,
    assert_machine_clean,
    assert_only_output,
    disk_contents,
    guest_recipe,
    host_recipe,
    inspect,
    plan_for,
    run,
    with_drivers,
)
from tests.windows_engine.conftest import FakeHost, FakeTools


def assert_password_nowhere(tmp_path: Path, fake_tools: FakeTools) -> None:
    secret = PASSWORD.encode()
    wide = PASSWORD.encode("utf-16-le")
    for path in [fake_tools.journal_path, *log_dir().rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert secret not in data and wide not in data, path


def partition(contents: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in contents["partitions"] if p["kind"] == kind)
    return found


@pytest.fixture
def e1000(tmp_path: Path) -> Path:
    folder = tmp_path / "drivers" / "e1000"
    folder.mkdir(parents=True)
    (folder / "e1000.inf").write_text(E1000_INF)
    (folder / "e1000.sys").write_bytes(b"MZ fake driver")
    return folder


def test_vhdx_build_runs_the_plan_in_order_and_leaves_only_the_disk(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    e1000: Path,
    tmp_path: Path,
) -> None:
    recipe = with_drivers(host_recipe(sample_media.root, out / "nano.vhdx"), e1000)
    docker = write_docker_zip(tmp_path)
    recipe = replace(recipe, packages=replace(recipe.packages, docker_zip=docker))
    outcome, events = run(plan_for(recipe, fake_host))
    assert outcome.was_successful(), outcome
    assert_only_output(out, "nano.vhdx")
    assert_machine_clean(fake_tools)

    calls = fake_tools.calls()

    def operation(call: dict[str, Any]) -> str:
        if call["tool"] != "dism":
            return str(call["tool"])
        first = call["argv"][0]
        return str(call["argv"][1] if first.startswith("/Image:") else first).split(":")[0]

    assert [operation(c) for c in calls] == [
        "/English",  # dism /English /? reads the version
        "diskpart",  # create
        "/Apply-Image",
        *["/Add-Package"] * 8,
        "/Add-Driver",
        "/Apply-Unattend",
        "bcdboot",
        "diskpart",  # detach
    ]
    windows_dir = calls[2]["argv"][3].split(":", 1)[1]
    image_calls = [c for c in calls if c["argv"][0].startswith("/Image:")]
    assert {c["argv"][0] for c in image_calls} == {f"/Image:{windows_dir}"}
    packages = [
        Path(c["argv"][2].split(":", 1)[1]).name for c in calls if "/Add-Package" in c["argv"]
    ]
    assert packages == [
        "Microsoft-NanoServer-Host-Package.cab",
        "Microsoft-NanoServer-Host-Package_en-us.cab",
        "Microsoft-NanoServer-OEM-Drivers-Package.cab",
        "Microsoft-NanoServer-OEM-Drivers-Package_en-us.cab",
        "microsoft-nanoserver-dsc-package.cab",
        "Microsoft-NanoServer-DSC-Package_en-us.cab",
        "Microsoft-NanoServer-Containers-Package.cab",
        "Microsoft-NanoServer-Containers-Package_en-us.cab",
    ]
    image_calls = [c["argv"][1] for c in calls if c["argv"][0].startswith("/Image:")]
    assert image_calls[-2:] == [
        "/Add-Driver",
        next(a for a in calls[-3]["argv"] if "Apply-Unattend" in a),
    ]
    assert "/Index:2" in calls[2]["argv"]  # Datacenter by its metadata

    contents = disk_contents(out / "nano.vhdx")
    assert contents["style"] == "gpt"
    assert [(p["kind"], p["fs"], p["label"], p["size_mib"]) for p in contents["partitions"]] == [
        ("efi", "FAT32", "System", 200),
        ("msr", None, None, 128),
        ("primary", "NTFS", "Windows", None),
    ]
    assert contents["header"] == {"fake": "vdisk", "maximum_mib": 8192, "type": "expandable"}
    esp = partition(contents, "efi")["files"]
    assert esp["EFI/Boot/bootx64.efi"] == esp["EFI/Microsoft/Boot/bootmgfw.efi"]
    assert "EFI/Microsoft/Boot/BCD" in esp
    windows = partition(contents, "primary")["files"]
    assert windows["Windows/fake-image.txt"] == "index 2 of NanoServer.wim"
    assert (
        "Windows/servicing/Packages/Microsoft-NanoServer-DSC-Package~31bf3856ad364e35~amd64~en-us~10.0.14393.0.mum"
        in windows
    )
    assert (
        E1000_INF.splitlines()[1]
        in windows["Windows/System32/DriverStore/FileRepository/e1000.inf"]
    )
    setup = windows["Windows/Setup/Scripts/SetupComplete.cmd"]
    assert "localport=5985 profile=any" in setup
    assert '"%ProgramFiles%\\docker\\dockerd.exe" --register-service' in setup
    assert windows["Program Files/docker/dockerd.exe"] == "MZ fake docker/dockerd.exe"
    assert "Program Files/docker/docker.exe" in windows
    assert "dism /online" not in setup  # packages were serviced offline, nothing staged
    assert "shutdown" not in setup.lower()
    assert "NanoStudio-Restart" in windows["Windows/Setup/Scripts/NanoStudio-AfterSetup.cmd"]
    settings = json.loads(windows["Windows/System32/config/fake-offline-settings.json"])
    expected = encode_password(Secret(PASSWORD), "OfflineAdministratorPassword")
    assert settings == {
        "ComputerName": "NANO1",
        "OfflineAdministratorPassword.sha256": hashlib.sha256(expected.encode()).hexdigest(),
        "PlainText": "false",
    }
    assert not any("unattend" in name.lower() for name in windows)
    assert_password_nowhere(tmp_path, fake_tools)
    assert not [e for e in events if isinstance(e, LogLine) and e.level in ("warning", "error")]


def test_every_dism_call_logs_to_its_own_file_in_the_log_folder(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    outcome, _ = run(plan_for(guest_recipe(sample_media.root, out / "g.vhdx"), fake_host))
    assert outcome.was_successful(), outcome
    logs = sorted(p.name for p in log_dir().glob("dism-*.log"))
    assert logs == [
        "dism-apply.log",
        "dism-package-guest-en-us.log",
        "dism-package-guest.log",
        "dism-unattend.log",
    ]
    for call in fake_tools.calls("dism")[1:]:
        assert call["argv"][-3] == "/English"
        assert call["argv"][-2].startswith(f"/LogPath:{log_dir()}")
        assert call["argv"][-1].startswith(f"/ScratchDir:{out}")


def test_vhd_build_is_mbr_with_one_active_partition_booting_bios(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    fake_host.used_letters = {"C", "W"}  # W is taken on this host
    recipe = host_recipe(sample_media.root, out / "nano.vhd")
    outcome, _ = run(plan_for(recipe, fake_host))
    assert outcome.was_successful(), outcome
    assert_only_output(out, "nano.vhd")
    assert_machine_clean(fake_tools)
    contents = disk_contents(out / "nano.vhd")
    assert contents["style"] == "mbr"
    (only,) = contents["partitions"]
    assert (only["kind"], only["fs"], only["active"]) == ("primary", "NTFS", True)
    assert {"bootmgr", "Boot/BCD", "Windows/fake-image.txt"} <= set(only["files"])
    bcdboot = fake_tools.calls("bcdboot")[0]["argv"]
    assert bcdboot == ["Z:\\Windows", "/s", "Z:", "/f", "BIOS", "/l", "en-us"]
    create = fake_tools.calls("diskpart")[0]["script"]
    assert "assign letter=Z\r\n" in create and "active\r\n" in create
    assert "assign letter=S" not in create  # the one partition has one letter


def test_vhd_boot_entries_locate_their_partition_after_bcdboot(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    outcome, events = run(plan_for(host_recipe(sample_media.root, out / "nano.vhd"), fake_host))
    assert outcome.was_successful(), outcome
    assert [c["tool"] for c in fake_tools.calls()][-5:] == [
        "bcdboot",
        "bcdedit",
        "bcdedit",
        "bcdedit",
        "diskpart",
    ]
    store = ["/store", "W:\\Boot\\BCD", "/set"]
    assert [c["argv"] for c in fake_tools.calls("bcdedit")] == [
        [*store, "{bootmgr}", "device", "locate"],
        [*store, "{default}", "device", "locate"],
        [*store, "{default}", "osdevice", "locate"],
    ]
    (only,) = disk_contents(out / "nano.vhd")["partitions"]
    assert only["files"]["Boot/BCD"].splitlines() == [
        "{bootmgr} device locate",
        "{default} device locate",
        "{default} osdevice locate",
        "{default} locale en-us",
    ]
    locate = [e.text for e in events if isinstance(e, LogLine) and e.step == "locate"]
    assert locate.count("The operation completed successfully.") == 3
    logged = [e.text for e in events if isinstance(e, LogLine)]
    assert "the one partition (system and Windows) will get W:" in logged
    assert_machine_clean(fake_tools)


def test_vhdx_keeps_bcdboots_partition_devices_and_lettered_both_partitions(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    fake_host.used_letters = {"C", "S"}
    outcome, events = run(plan_for(guest_recipe(sample_media.root, out / "g.vhdx"), fake_host))
    assert outcome.was_successful(), outcome
    assert fake_tools.calls("bcdedit") == []
    assert fake_tools.calls("bcdboot")[0]["argv"][:3] == ["W:\\Windows", "/s", "Z:"]
    esp = partition(disk_contents(out / "g.vhdx"), "efi")["files"]
    assert esp["EFI/Microsoft/Boot/BCD"].splitlines()[:3] == [
        "{bootmgr} device partition=Z:",
        "{default} device partition=W:",
        "{default} osdevice partition=W:",
    ]
    logged = [e.text for e in events if isinstance(e, LogLine)]
    assert "the system partition will get Z:, the Windows partition W:" in logged
    assert_machine_clean(fake_tools)


def test_wim_build_exports_mounts_services_and_commits(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, tmp_path: Path
) -> None:
    assert sample_media.iso is not None
    recipe = host_recipe(sample_media.iso, out / "nano.wim")
    outcome, _ = run(plan_for(recipe, fake_host))
    assert outcome.was_successful(), outcome
    assert_only_output(out, "nano.wim")
    assert_machine_clean(fake_tools)
    assert fake_tools.calls("diskpart") == [] and fake_tools.calls("bcdboot") == []
    ops = [
        c["argv"][0] if not c["argv"][0].startswith("/Image:") else c["argv"][1]
        for c in fake_tools.calls("dism")
    ]
    assert ops[:3] == ["/English", "/Export-Image", "/Mount-Image"]
    assert ops[-2:] == ["/Apply-Unattend:" + ops[-2].split(":", 1)[1], "/Unmount-Image"]
    assert fake_tools.calls("dism")[-1]["argv"][2] == "/Commit"
    export = fake_tools.calls("dism")[1]["argv"]
    assert "/SourceIndex:2" in export
    assert Path(export[1].split(":", 1)[1]).parent.name == "media"  # copied out of the ISO
    wim = json.loads((out / "nano.wim").read_text())
    assert wim["index"] == "2"
    assert "Windows/Setup/Scripts/SetupComplete.cmd" in wim["files"]
    assert any("OEM-Drivers" in name for name in wim["files"])
    assert_password_nowhere(tmp_path, fake_tools)


def test_wimlib_can_apply_instead_of_dism(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    """The real wimlib-imagex applies the real sample image into the fake's volume."""
    recipe = guest_recipe(sample_media.root, out / "w.vhdx")
    plan = make_plan(
        recipe, inspect(sample_media.root), host=fake_host, apply_tool=ApplyTool.WIMLIB
    )
    outcome, _ = run(plan)
    assert outcome.was_successful(), outcome
    assert "/Apply-Image" not in [c["argv"][0] for c in fake_tools.calls("dism")]
    windows = partition(disk_contents(out / "w.vhdx"), "primary")["files"]
    assert sample_media.standard_marker in windows[sample_media.marker_path.lstrip("/")]
    assert_machine_clean(fake_tools)


@pytest.mark.parametrize("name", ["nano.vhdx", "nano.vhd"])
def test_ems_and_serial_debugging_are_set_with_the_module_s_bcdedit_calls(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, name: str
) -> None:
    recipe = host_recipe(sample_media.root, out / name)
    recipe = replace(
        recipe, boot=BootSpec(ems=True, debug=DebugMethod.SERIAL, debug_port=3, debug_baud=57600)
    )
    outcome, events = run(plan_for(recipe, fake_host))
    assert outcome.was_successful(), outcome
    store = "W:\\Boot\\BCD" if name.endswith(".vhd") else "S:\\EFI\\Microsoft\\Boot\\BCD"
    options = [c["argv"] for c in fake_tools.calls("bcdedit") if c["argv"][2] != "/set"]
    assert options == [
        ["/store", store, *command]
        for command in (
            ("/emssettings", "EMSPORT:1", "EMSBAUDRATE:115200"),
            ("/ems", "{default}", "ON"),
            ("/bootems", "{default}", "ON"),
            ("/bootems", "{bootmgr}", "ON"),
            ("/dbgsettings", "SERIAL", "DEBUGPORT:3", "BAUDRATE:57600"),
            ("/debug", "{default}", "ON"),
            ("/bootdebug", "{default}", "ON"),
            ("/bootdebug", "{bootmgr}", "ON"),
        )
    ]
    said = [e.text for e in events if isinstance(e, LogLine) and e.step == "boot-options"]
    assert said.count("The operation completed successfully.") == 8
    assert_machine_clean(fake_tools)


def test_a_failing_boot_option_stops_the_build_and_names_it(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    recipe = replace(host_recipe(sample_media.root, out / "nano.vhdx"), boot=BootSpec(ems=True))
    fake_tools.fail("bcdedit|/ems {default} ON|Access is denied.")
    outcome, _ = run(plan_for(recipe, fake_host))
    assert not outcome.was_successful()
    assert outcome.failed_step == "Turn on the EMS console and kernel debugging (bcdedit)"
    assert "bcdedit could not set /ems {default} ON" in (outcome.error or "")
    assert "Access is denied." in (outcome.error or "")
    assert not (out / "nano.vhdx").exists()
    assert_machine_clean(fake_tools)
