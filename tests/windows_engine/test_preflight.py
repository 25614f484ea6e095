"""Host checks: elevation, DISM version, output volume, free space, drive letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.windows import preflight
from nanostudio.engine.windows.host import (
    DRIVE_FIXED,
    DRIVE_REMOTE,
    DRIVE_REMOVABLE,
    PlanOnlyHost,
    VolumeFacts,
    pick_letters,
)
from nanostudio.engine.windows.preflight import HostNotReadyError
from nanostudio.errors import ToolMissingError
from tests.windows_engine.builds import host_recipe, plan_for, run
from tests.windows_engine.conftest import FakeHost, FakeTools


def test_not_elevated_says_run_as_administrator() -> None:
    preflight.check_elevated(True)
    with pytest.raises(HostNotReadyError, match="Run as administrator"):
        preflight.check_elevated(False)


def test_dism_version_must_service_2016_images() -> None:
    assert preflight.check_dism_version("Version: 10.0.14393.0") == (10, 0, 14393, 0)
    assert preflight.check_dism_version("Version: 10.0.22621.2792")[2] == 22621
    with pytest.raises(
        HostNotReadyError, match=r"version 10\.0\.10240\.16384, older than .*10\.0\.14393"
    ):
        preflight.check_dism_version("Version: 10.0.10240.16384")
    with pytest.raises(HostNotReadyError, match="could not read DISM's version"):
        preflight.check_dism_version("Error: 740")


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (VolumeFacts("\\\\nas\\share\\", DRIVE_REMOTE, "NTFS"), "network volume"),
        (VolumeFacts("E:\\", DRIVE_FIXED, "FAT32"), "FAT32 volume"),
        (VolumeFacts("E:\\", DRIVE_FIXED, "ReFS"), "needs NTFS"),
    ],
)
def test_output_volume_must_be_local_ntfs(facts: VolumeFacts, words: str) -> None:
    with pytest.raises(HostNotReadyError, match=words):
        preflight.check_volume(facts, "E:\\out")


def test_local_ntfs_volumes_pass() -> None:
    preflight.check_volume(VolumeFacts("C:\\", DRIVE_FIXED, "NTFS"), "C:\\out")
    preflight.check_volume(VolumeFacts("F:\\", DRIVE_REMOVABLE, "ntfs"), "F:\\out")


def test_script_path_must_fit_the_ansi_code_page() -> None:
    preflight.check_script_path("C:\\Builds\\.nanostudio-x", "cp1252", "C:\\Builds")
    preflight.check_script_path("C:\\Bauten-ü\\.nanostudio-x", "cp1252", "C:\\Bauten-ü")
    with pytest.raises(HostNotReadyError, match=r"C:\\构建 cannot be written in a diskpart"):
        preflight.check_script_path("C:\\构建\\.nanostudio-x", "cp1252", "C:\\构建")


def test_letters_prefer_s_then_from_z_down_and_never_a_used_one() -> None:
    assert pick_letters({"A", "B", "C"}, ["S"]) == ["S"]
    assert pick_letters({"C", "S"}, ["S"]) == ["Z"]
    assert pick_letters({"C", "S", "Z", "Y"}, ["S"]) == ["X"]
    used = {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    with pytest.raises(ToolMissingError, match="every drive letter"):
        pick_letters(used, ["S"])


def test_two_letters_are_distinct_and_a_b_c_are_never_handed_out() -> None:
    assert pick_letters(set(), ["S", "W"]) == ["S", "W"]
    assert pick_letters({"C", "S"}, ["S", "W"]) == ["Z", "W"]
    assert pick_letters({"C", "W"}, ["S", "W"]) == ["S", "Z"]
    assert pick_letters({"C", "S", "W", "Z"}, ["S", "W"]) == ["Y", "X"]
    assert pick_letters({"C"}, ["W", "W"]) == ["W", "Z"]
    only_d_free = {chr(c) for c in range(ord("E"), ord("Z") + 1)}
    assert pick_letters(only_d_free, ["S"]) == ["D"]
    with pytest.raises(ToolMissingError, match="only 1 drive letter from D to Z is free"):
        pick_letters(only_d_free, ["S", "W"])


def test_gpt_needs_two_letters_and_mbr_one_for_its_one_partition() -> None:
    assert preflight.choose_letters({"C"}, bios=False) == ("S", "W")
    assert preflight.choose_letters({"C"}, bios=True) == ("W", "W")
    assert preflight.choose_letters({"C", "W"}, bios=True) == ("Z", "Z")
    all_but_d = {chr(c) for c in range(ord("A"), ord("Z") + 1)} - {"D"}
    assert preflight.choose_letters(all_but_d, bios=True) == ("D", "D")
    with pytest.raises(ToolMissingError, match="needs 2"):
        preflight.choose_letters(all_but_d, bios=False)


def test_plan_only_host_refuses_to_run_but_prints_windows_paths() -> None:
    host = PlanOnlyHost()
    assert host.path_text(Path("C:/Builds/nano.vhdx")) == "C:\\Builds\\nano.vhdx"
    with pytest.raises(ToolMissingError, match="--engine portable"):
        host.is_elevated()
    assert host.find_tool("dism") is None


def _build_fails_at_preflight(
    sample_media_root: Path, tmp_path: Path, host: FakeHost, fake_tools: FakeTools, words: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outcome, _ = run(plan_for(host_recipe(sample_media_root, out / "nano.vhdx"), host))
    assert outcome.failed_step == "Check this Windows host"
    assert outcome.error is not None
    assert words in outcome.error
    assert list(out.iterdir()) == []
    assert fake_tools.calls("diskpart") == []


def test_unelevated_host_stops_before_any_tool(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    host = FakeHost(elevated=False)
    _build_fails_at_preflight(sample_media.root, tmp_path, host, fake_tools, "administrator")
    assert fake_tools.calls() == []


def test_old_dism_stops_the_build(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_FAKE_DISM_VERSION", "10.0.10586.0")
    _build_fails_at_preflight(sample_media.root, tmp_path, FakeHost(), fake_tools, "10.0.10586.0")
    assert [c["argv"] for c in fake_tools.calls("dism")] == [["/English", "/?"]]


def test_network_output_folder_stops_the_build(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    host = FakeHost(volume_facts=VolumeFacts("\\\\nas\\builds\\", DRIVE_REMOTE, "NTFS"))
    _build_fails_at_preflight(sample_media.root, tmp_path, host, fake_tools, "local volumes")


def test_missing_tool_is_named(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    (fake_tools.bin_dir / "bcdboot").unlink()
    _build_fails_at_preflight(
        sample_media.root, tmp_path, FakeHost(), fake_tools, "bcdboot.exe was not found"
    )


def test_output_folder_diskpart_cannot_name_stops_the_build(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    """Before any media copy, and with no detach attempted for a disk never created."""
    parent = tmp_path / "Ausgabe-ü"
    parent.mkdir()
    host = FakeHost(script_encoding="ascii")
    _build_fails_at_preflight(
        sample_media.root, parent, host, fake_tools, "cannot be written in a diskpart script"
    )


def test_bios_build_needs_bcdedit_and_uefi_build_does_not(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    (fake_tools.bin_dir / "bcdedit").unlink()
    out = tmp_path / "out"
    out.mkdir()
    outcome, _ = run(plan_for(host_recipe(sample_media.root, out / "nano.vhd"), FakeHost()))
    assert outcome.failed_step == "Check this Windows host"
    assert outcome.error is not None and "bcdedit.exe was not found" in outcome.error
    assert fake_tools.calls() == [] and list(out.iterdir()) == []
    outcome, _ = run(plan_for(host_recipe(sample_media.root, out / "nano.vhdx"), FakeHost()))
    assert outcome.was_successful(), outcome


def test_a_host_with_one_free_letter_cannot_build_a_vhdx(
    sample_media: SampleMedia, fake_tools: FakeTools, tmp_path: Path
) -> None:
    all_but_d = {chr(c) for c in range(ord("A"), ord("Z") + 1)} - {"D"}
    host = FakeHost(used_letters=all_but_d)
    _build_fails_at_preflight(sample_media.root, tmp_path, host, fake_tools, "the build needs 2")
