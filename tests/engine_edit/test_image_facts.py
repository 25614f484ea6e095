"""What an edit reads of its image up front: edition, computer name, time zone.

Read from real files: disks and WIMs the portable engine built from the sample media
(whose images carry a SOFTWARE hive with the edition's EditionID), and WIMs captured
here with wimlib from a folder holding a hostile answer file.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from nanostudio.catalogue import Edition
from nanostudio.cli.main import main
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.edit.image_facts import ImageFacts, image_facts
from nanostudio.engine.edit.image_files import Volume
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.errors import MediaError
from nanostudio.recipe import OutputSpec, Recipe, SourceSpec
from nanostudio.recipe.model import EditSpec
from nanostudio.recipe.toml_io import save_recipe
from tests.engine_edit.conftest import Original
from tests.engine_portable.helpers import PASSWORD, extract_partition, ntfs_cat, read_gpt, to_raw

GIB = 1 << 30
ZONE = "W. Europe Standard Time"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)


def test_a_disk_and_a_wim_tell_their_edition_name_and_time_zone(
    original_vhdx: Original, original_wim: Original
) -> None:
    # Built for a physical machine: the sample's own drivers serve no VM's devices.
    expected = ImageFacts(Edition.STANDARD, "ORIGINAL", ZONE, drivable=())
    assert image_facts(inspect_edit_source(original_vhdx.path)) == expected
    assert image_facts(inspect_edit_source(original_wim.path)) == expected


def _answer_file_of(disk: Path, work: Path) -> str:
    raw = to_raw(disk, "vhdx", work / "disk.raw")
    volume = extract_partition(raw, read_gpt(raw).partitions[-1], work / "windows.img")
    return ntfs_cat(volume, "/Windows/Panther/unattend.xml").decode("utf-8")


def test_an_edit_that_names_none_keeps_the_images_name_and_time_zone(
    original_vhdx: Original, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.vhdx"
    media = ["--media", str(original_vhdx.media)]
    assert main(["edit", str(original_vhdx.path), *media, "--winrm", "-o", str(edited)]) == 0
    answers = _answer_file_of(edited, tmp_path)
    assert "<ComputerName>ORIGINAL</ComputerName>" in answers
    assert f"<TimeZone>{ZONE}</TimeZone>" in answers
    renamed = tmp_path / "renamed.vhdx"
    args = [*media, "--computer-name", "WEB2", "--timezone", "UTC", "-o", str(renamed)]
    assert main(["edit", str(original_vhdx.path), *args]) == 0
    answers = _answer_file_of(renamed, tmp_path)
    assert "<ComputerName>WEB2</ComputerName>" in answers and "<TimeZone>UTC</TimeZone>" in answers


def test_a_recipe_naming_another_edition_is_refused(
    original_vhdx: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(
        source=SourceSpec(media=original_vhdx.media, edition=Edition.DATACENTER),
        output=OutputSpec(path=tmp_path / "edited.vhdx", size=2 * GIB),
        edit=EditSpec(image=original_vhdx.path),
    )
    path = tmp_path / "edit.toml"
    save_recipe(recipe, path)
    assert main(["recipe", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "source.edition: original.vhdx is a Standard image, and an edit keeps its " in err
    assert 'set source.edition = "Standard"' in err
    assert main(["edit", str(original_vhdx.path), "--recipe", str(path)]) == 2
    assert not (tmp_path / "edited.vhdx").exists()


def test_a_datacenter_only_role_is_refused_on_a_standard_image(
    original_vhdx: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--media", str(original_vhdx.media), "--package", "ShieldedVM"]
    assert main(["edit", str(original_vhdx.path), *args, "-o", str(tmp_path / "x.vhdx")]) == 2
    err = capsys.readouterr().err
    assert "ShieldedVM needs the Datacenter edition" in err
    assert "edit keeps" in err


def _wim_with_answer_file(
    tmp_path: Path, answer_file: bytes, inside: str = "Windows/Panther/unattend.xml"
) -> Path:
    tree = tmp_path / "tree"
    place = tree.joinpath(*inside.split("/"))
    place.parent.mkdir(parents=True)
    place.write_bytes(answer_file)
    wim = tmp_path / "image.wim"
    subprocess.run(["wimlib-imagex", "capture", str(tree), str(wim), "x"], check=True)
    shutil.rmtree(tree)
    return wim


_SHELL = (
    '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">'
    '<component name="Microsoft-Windows-Shell-Setup"><ComputerName>{name}</ComputerName>'
    '</component></settings><settings pass="oobeSystem"><component '
    'name="Microsoft-Windows-Shell-Setup"><TimeZone>{zone}</TimeZone></component>'
    "</settings></unattend>"
)


@pytest.mark.parametrize(
    "answer_file",
    [
        _SHELL.format(name="EVIL&amp;calc", zone="UTC").encode(),  # not a computer name
        _SHELL.format(name="WEB1 &amp; del", zone="UTC\r\nrem").encode(),
        _SHELL.format(name="A" * 16, zone="Mars Standard Time").encode(),
        b'<!DOCTYPE x [<!ENTITY a "WEB1">]>' + _SHELL.format(name="&a;", zone="UTC").encode(),
        b"<unattend",  # not well-formed
        b"\xff\xfe" + bytes(2 << 20),  # larger than any answer file
    ],
    ids=["symbols", "newline", "too-long", "entity", "broken", "huge"],
)
def test_a_hostile_answer_file_gives_no_name(tmp_path: Path, answer_file: bytes) -> None:
    facts = image_facts(inspect_edit_source(_wim_with_answer_file(tmp_path, answer_file)))
    assert facts.computer_name is None
    assert facts.timezone in (None, "UTC")


def test_a_valid_answer_file_in_a_plain_wim(tmp_path: Path) -> None:
    answer = _SHELL.format(name="web-01", zone=" pacific standard time ").encode()
    facts = image_facts(inspect_edit_source(_wim_with_answer_file(tmp_path, answer)))
    assert facts == ImageFacts(None, "web-01", "Pacific Standard Time", drivable=None)


def test_names_are_found_whatever_their_case(tmp_path: Path) -> None:
    """Windows names files without regard to case, ntfs-3g's tools and wimlib do not:
    Microsoft's tools may write ``Unattend.xml`` where NanoStudio writes ``unattend.xml``."""
    answer = _SHELL.format(name="WEB2", zone="UTC").encode()
    wim = _wim_with_answer_file(tmp_path, answer, "WINDOWS/Panther/Unattend.xml")
    assert image_facts(inspect_edit_source(wim)).computer_name == "WEB2"
    # The same tree on an NTFS volume, as a disk's partition is read.
    volume_file = tmp_path / "volume.img"
    with volume_file.open("wb") as stream:
        stream.truncate(16 << 20)
    subprocess.run(["mkntfs", "-F", "-Q", "-q", str(volume_file)], check=True)
    subprocess.run(["wimlib-imagex", "apply", str(wim), "1", str(volume_file)], check=True)
    volume = Volume(volume_file)
    wanted = PurePosixPath("Windows/Panther/unattend.xml")
    assert volume.spelling(wanted) == "/WINDOWS/Panther/Unattend.xml"
    assert volume.spelling(PurePosixPath("Windows/Panther/none.xml")) is None
    volume.cat("/WINDOWS/Panther/Unattend.xml", tmp_path / "read.xml")
    assert (tmp_path / "read.xml").read_bytes() == answer
    with pytest.raises(MediaError, match="cannot be read: ntfscat said"):
        volume.cat("/WINDOWS/Panther", tmp_path / "folder")  # a folder: nothing is left
    assert not (tmp_path / "folder").exists()


def test_without_ntfs_3g_nothing_is_copied_and_nothing_is_known(
    original_vhdx: Original, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows there is no ntfscat: the facts are unknown, found out before the
    partition copy (seconds for a real image), not after it."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no tool at all
    copied: list[Path] = []
    monkeypatch.setattr(
        "nanostudio.engine.edit.image_files.copy_windows_partition",
        lambda source, dest: copied.append(dest),
    )
    disk = Path(shutil.copyfile(original_vhdx.path, tmp_path / "copy.vhdx"))
    facts = image_facts(inspect_edit_source(disk))
    assert (facts.edition, facts.computer_name, facts.drivable) == (None, None, None)
    assert facts.read_error is not None and "ntfscat was not found" in facts.read_error
    assert copied == []
    # Not read is not cached: with the tool back, the same file is read.
    monkeypatch.undo()
    assert image_facts(inspect_edit_source(disk)).computer_name == "ORIGINAL"


def test_an_edit_whose_name_cannot_be_read_must_be_given_one(
    original_vhdx: Original,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its new answer file would otherwise rename the server to the default name."""
    disk = Path(shutil.copyfile(original_vhdx.path, tmp_path / "copy.vhdx"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no ntfs-3g: nothing can be read
    args = [str(disk), "--media", str(original_vhdx.media), "-o", str(tmp_path / "new.vhdx")]
    assert main(["edit", *args]) == 2
    err = capsys.readouterr().err
    assert "system.computer_name: the computer name of copy.vhdx could not be read (" in err
    assert "name the computer with --computer-name" in err
    assert not (tmp_path / "new.vhdx").exists()


def test_a_reading_no_longer_wanted_stops_and_is_not_kept(
    original_vhdx: Original, tmp_path: Path
) -> None:
    """Another image chosen while one is read: the older partition copy stops."""
    disk = Path(shutil.copyfile(original_vhdx.path, tmp_path / "copy.vhdx"))
    source = inspect_edit_source(disk)
    cancel = CancelToken()
    cancel.cancel()
    stopped = image_facts(source, cancel)
    assert stopped.read_error is not None and stopped.computer_name is None
    assert image_facts(source).computer_name == "ORIGINAL"
