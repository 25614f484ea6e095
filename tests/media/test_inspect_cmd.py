"""``nanostudio inspect``: the table, the JSON, and one clear line for every bad input."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nanostudio
from nanostudio.catalogue import PACKAGES
from nanostudio.cli.main import main
from nanostudio.devtools.sample_media import SampleMedia
from tests.support.fixtures_media import copy_media_folder, truncated_copy

NOBODY = 65534


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["inspect", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_user_error(capsys: pytest.CaptureFixture[str], path: Path, *needles: str) -> str:
    code, out, err = run_cli(capsys, str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_json_has_the_documented_shape(
    sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sample_media.iso is not None
    code, out, err = run_cli(capsys, str(sample_media.iso), "--json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["wim"] == "iso:/NanoServer/NanoServer.wim"
    assert answer["kind"] == "iso"
    assert answer["languages"] == ["de-de", "en-us"]
    assert answer["images"][0] == {
        "index": 1,
        "name": "Windows Server 2016 SERVERSTANDARDNANO",
        "edition": "Standard",
        "edition_id": "ServerStandardNano",
        "flags": "ServerStandardNano",
        "architecture": "amd64",
        "bytes": answer["images"][0]["bytes"],
    }
    assert answer["images"][1]["edition"] == "Datacenter"
    names = [package["name"] for package in answer["packages"]]
    assert names == [package.name for package in PACKAGES]
    npds = next(p for p in answer["packages"] if p["short"] == "NPDS")
    assert npds["requires"] == ["Defender"]
    assert npds["languages"] == ["de-de", "en-us"]
    assert npds["description"]


def test_human_output_is_a_table(
    sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, str(sample_media.root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Source:    {sample_media.root} (media folder)"
    header = next(line for line in lines if line.strip().startswith("Index"))
    standard = next(line for line in lines if "SERVERSTANDARDNANO" in line)
    # Columns line up under their headings.
    assert standard.index("Standard") == header.index("Edition")
    assert standard.index("ServerStandardNano") == header.index("Edition ID")
    for package in PACKAGES:
        assert any(line.strip().startswith(package.short + " ") for line in lines)
    assert "Datacenter only" in out
    assert "needs SCVMM, Compute" in out
    assert "Microsoft-OneCore-ReverseForwarders-Package.cab" in out


def test_the_cli_runs_as_a_program(sample_media: SampleMedia) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "inspect", str(sample_media.wim), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(nanostudio.__file__).resolve().parents[1])},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "wim"


# --- bad input: each is exit 2 with one line that says what to do -------------


def test_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert_user_error(capsys, tmp_path / "nope.iso", "does not exist", "choose")


def test_empty_iso(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.iso"
    empty.touch()
    assert_user_error(capsys, empty, "is empty (0 bytes)", "download the ISO again")


@pytest.mark.parametrize("size", [1, 2048, 40_000, 3_000_000])
def test_random_bytes_iso(capsys: pytest.CaptureFixture[str], tmp_path: Path, size: int) -> None:
    noise = tmp_path / "noise.iso"
    noise.write_bytes(random.Random(size).randbytes(size))
    assert_user_error(capsys, noise, "is not an ISO image", "choose a Windows Server 2016 ISO")


def test_random_file_with_another_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    noise = tmp_path / "download.bin"
    noise.write_bytes(random.Random(7).randbytes(100_000))
    assert_user_error(capsys, noise, "is neither an ISO image nor a WIM file")


def _iso_of(folder: Path, iso: Path, *options: str) -> Path:
    subprocess.run(
        ["genisoimage", "-quiet", *options, "-o", str(iso), str(folder)],
        check=True,
        capture_output=True,
    )
    return iso


def test_iso_without_nanoserver_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "tree" / "sources").mkdir(parents=True)
    (tmp_path / "tree" / "sources" / "install.txt").write_text("not nano")
    iso = _iso_of(tmp_path / "tree", tmp_path / "server2019.iso", "-udf")
    assert_user_error(capsys, iso, "has no NanoServer folder", "2016")


def test_iso_with_nanoserver_folder_but_no_wim(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "tree" / "NanoServer" / "Packages").mkdir(parents=True)
    iso = _iso_of(tmp_path / "tree", tmp_path / "partial.iso", "-udf")
    assert_user_error(capsys, iso, "no NanoServer.wim in it")


def test_iso_without_udf(
    sample_media: SampleMedia, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    iso = _iso_of(sample_media.root, tmp_path / "plain.iso", "-J", "-r")
    assert_user_error(capsys, iso, "has no UDF file system")


def test_truncated_iso(
    sample_media: SampleMedia, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert sample_media.iso is not None
    cut = truncated_copy(sample_media.iso, tmp_path / "cut.iso", 600_000)
    assert_user_error(capsys, cut, "is truncated (read 600 KB of", "download the ISO again")


def test_text_file_named_wim(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "NanoServer.wim"
    text.write_text("This is not a WIM, just notes someone saved with the wrong name.\n")
    assert_user_error(capsys, text, "is not a WIM file", "choose NanoServer.wim")


@pytest.mark.parametrize("as_folder", [False, True])
def test_truncated_wim(
    sample_media: SampleMedia,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    as_folder: bool,
) -> None:
    media = copy_media_folder(sample_media, tmp_path / "media")
    wim = media / "NanoServer" / "NanoServer.wim"
    size = wim.stat().st_size
    truncated_copy(sample_media.wim, wim, size // 3)
    line = assert_user_error(
        capsys, media if as_folder else wim, "NanoServer.wim is truncated (read ", "of "
    )
    assert line.endswith("): copy it again from the ISO")


def test_iso_holding_a_truncated_wim(
    sample_media: SampleMedia, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    media = copy_media_folder(sample_media, tmp_path / "media")
    wim = media / "NanoServer" / "NanoServer.wim"
    truncated_copy(sample_media.wim, wim, wim.stat().st_size - 100)
    iso = _iso_of(media, tmp_path / "bad.iso", "-udf")
    assert_user_error(
        capsys, iso, f"NanoServer.wim in {iso} is truncated", "the ISO is damaged; download it"
    )


def test_folder_without_wim(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "Downloads" / "sources").mkdir(parents=True)
    assert_user_error(capsys, tmp_path / "Downloads", "holds no NanoServer folder")


def test_nanoserver_folder_without_wim(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "media" / "nanoserver" / "Packages").mkdir(parents=True)
    assert_user_error(capsys, tmp_path / "media", "has no NanoServer.wim", "copy the whole")


def test_wim_without_a_nano_image(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "tree" / "Windows").mkdir(parents=True)
    (tmp_path / "tree" / "Windows" / "notepad.exe").write_bytes(b"MZ not really")
    wim = tmp_path / "install.wim"
    subprocess.run(
        [
            "wimlib-imagex",
            "capture",
            str(tmp_path / "tree"),
            str(wim),
            "Windows Server 2016 SERVERSTANDARD",
            "--image-property",
            "WINDOWS/EDITIONID=ServerStandard",
        ],
        check=True,
        capture_output=True,
    )
    assert_user_error(
        capsys,
        wim,
        "holds no Nano Server image",
        '1 "Windows Server 2016 SERVERSTANDARD"',
        "not sources\\install.wim",
    )


@contextlib.contextmanager
def _as_nobody() -> Iterator[None]:
    """Drop the effective uid (root reads anything) and restore it afterwards."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder everyone may enter (tmp_path's parents are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="nanostudio-perm-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d / "locked.iso",
        lambda d: d / "NanoServer.wim",
        lambda d: d / "locked-folder",
    ],
    ids=["iso", "wim", "folder"],
)
def test_unreadable_input(
    sample_media: SampleMedia,
    capsys: pytest.CaptureFixture[str],
    world_dir: Path,
    make: Callable[[Path], Path],
) -> None:
    target = make(world_dir)
    if target.name == "locked-folder":
        copy_media_folder(sample_media, target)
    else:
        assert sample_media.iso is not None
        source = sample_media.iso if target.suffix == ".iso" else sample_media.wim
        shutil.copyfile(source, target)
    target.chmod(0)
    with _as_nobody():
        assert_user_error(capsys, target, "cannot be read (permission denied)", "read access")
