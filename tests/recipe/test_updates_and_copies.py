"""Issue 16: servicing packages (-ServicingPackagePath) and files copied into the image
(-CopyPath) in the recipe: TOML, validation (bad input of each kind), the
New-NanoServerImage command; and the packages the catalogue knows but does not offer."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from nanostudio.catalogue import NOT_OFFERED, not_offered
from nanostudio.cli.main import main
from nanostudio.engine.content.setupcomplete import AFTER_SETUP_SCRIPT
from nanostudio.engine.content.staging import SETUPCOMPLETE_PATH, STAGING_ROOT, UNATTEND_PATH
from nanostudio.recipe import CopyPath, FilesSpec, OutputSpec, PackagesSpec, Recipe, SourceSpec
from nanostudio.recipe.copies import (
    PROTECTED,
    destination_problem,
    normalize_destination,
    scan_copy_source,
)
from nanostudio.recipe.model import MIB
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.toml_io import load_recipe, parse_recipe, recipe_to_toml
from nanostudio.recipe.validate import validate


def _recipe(**changes: object) -> Recipe:
    base = Recipe(source=SourceSpec(media=Path("/media/NanoServer")))
    return replace(base, **changes)  # type: ignore[arg-type]


def _messages(recipe: Recipe, field: str) -> list[str]:
    return [p.message for p in validate(recipe) if p.field == field]


def _cab(path: Path, body: bytes = b"\0" * 60) -> Path:
    path.write_bytes(b"MSCF" + body)
    return path


# -- servicing packages ------------------------------------------------------------------


def test_cab_and_msu_updates_are_accepted(tmp_path: Path) -> None:
    updates = (_cab(tmp_path / "ssu.msu"), _cab(tmp_path / "Windows10.0-KB1-x64.CAB"))
    recipe = _recipe(packages=PackagesSpec(servicing=updates))
    assert _messages(recipe, "packages.servicing") == []


def test_bad_updates_are_refused_one_line_each(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    fake = tmp_path / "fake.msu"
    fake.write_bytes(b"PK\3\4 a zip renamed")
    folder = tmp_path / "folder.cab"
    folder.mkdir()
    good = _cab(tmp_path / "good.cab")
    recipe = _recipe(
        packages=PackagesSpec(servicing=(text, fake, tmp_path / "missing.msu", folder, good, good))
    )
    messages = _messages(recipe, "packages.servicing")
    assert messages == [
        "'notes.txt' is not a .cab or .msu update",
        f"{fake} is not a cabinet file (updates are): download the update again from the "
        "Microsoft Update Catalog",
        f"{tmp_path / 'missing.msu'} does not exist: check the path",
        f"{folder} is a folder: choose the update's .cab or .msu file",
        f"{good} is listed twice",
    ]


def test_updates_count_against_the_disk_size(tmp_path: Path) -> None:
    from tests.windows_engine.test_plans import iso_media

    big = tmp_path / "cu.msu"
    with big.open("wb") as out:
        out.write(b"MSCF")
        out.truncate(900 * MIB)  # sparse
    recipe = _recipe(
        packages=PackagesSpec(servicing=(big,)), output=OutputSpec(tmp_path / "n.vhdx", 1536 * MIB)
    )
    sizes = [p.message for p in validate(recipe, media=iso_media()) if p.field == "output.size"]
    assert sizes and "with the files and updates you add" in sizes[0]


def test_updates_go_through_toml_and_the_command(tmp_path: Path) -> None:
    recipe = parse_recipe(
        '[packages]\nservicing = ["u/ssu.msu", "/abs/cu.cab"]\n', base=tmp_path, name="r"
    )
    assert recipe.packages.servicing == (tmp_path / "u" / "ssu.msu", Path("/abs/cu.cab"))
    assert parse_recipe(recipe_to_toml(recipe), base=tmp_path) == recipe
    command = to_new_nanoserverimage(recipe)
    assert f"-ServicingPackagePath '{_win(tmp_path / 'u' / 'ssu.msu')}','\\abs\\cu.cab'" in command


def test_servicing_must_be_a_list_of_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text('[packages]\nservicing = "one.msu"\n')
    assert main(["recipe", "check", str(recipe)]) == 2
    assert 'packages.servicing: expected a list of texts like ["a", "b"]' in capsys.readouterr().err


def _win(path: Path) -> str:
    from pathlib import PureWindowsPath

    return str(PureWindowsPath(str(path)))


# -- copies ------------------------------------------------------------------------------


def test_destinations_are_normalised_and_checked() -> None:
    assert normalize_destination("/Program Files//Tools/") == "Program Files\\Tools"
    assert normalize_destination("\\") == ""
    assert destination_problem("Tools\\App") is None
    assert destination_problem("") is None
    refused = {
        "..\\outside": "leaves the image",
        "Tools/../../x": "leaves the image",
        "C:\\Tools": "names a drive",
        "\\\\server\\share": "is a network path",
        "Tools\\a|b": "'|'",
        "Tools. ": "cannot end in a space or a dot",
    }
    for destination, expected in refused.items():
        message = destination_problem(destination)
        assert message is not None and expected in message, destination


def test_a_folder_is_scanned_with_sizes(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    (tools / "sub").mkdir(parents=True)
    (tools / "a.exe").write_bytes(b"x" * 100)
    (tools / "sub" / "b.txt").write_bytes(b"y" * 20)
    scan = scan_copy_source(tools)
    assert scan.problem is None and scan.total_bytes == 120
    assert [inside for _, inside in scan.files] == [
        PurePosixPath("tools/a.exe"),
        PurePosixPath("tools/sub/b.txt"),
    ]


@pytest.mark.skipif(os.name == "nt", reason="links and pipes as POSIX makes them")
def test_sources_that_are_not_regular_files_or_folders_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    holder = tmp_path / "holder"
    holder.mkdir()
    (holder / "inner-link").symlink_to("/etc/hostname")
    copies = tuple(
        CopyPath(path, "Tools") for path in (link, pipe, holder, tmp_path / "nothing", Path("/"))
    )
    messages = _messages(_recipe(files=FilesSpec(copies)), "files.copy")
    assert messages == [
        f"{link} is a link: copy a file or folder",
        f"{pipe} is a named pipe (FIFO): copy a file or folder",
        f"{holder / 'inner-link'} is a link: remove it from {holder} or copy the folder without it",
        f"{tmp_path / 'nothing'} does not exist: check the path",
        "/ is a whole drive: copy a folder in it",
    ]


def test_copies_may_not_touch_windows_hives_or_nanostudio_files(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "SYSTEM").write_bytes(b"regf")
    staging = tmp_path / "NanoStudio"
    staging.mkdir()
    script = tmp_path / "SetupComplete.cmd"
    script.write_text("@echo off")
    windows = tmp_path / "Windows"
    (windows / "System32" / "config").mkdir(parents=True)
    (windows / "System32" / "config" / "SAM").write_bytes(b"regf")
    copies = (
        CopyPath(config, "Windows\\System32"),
        CopyPath(staging, ""),
        CopyPath(script, "windows/setup/scripts"),
        CopyPath(windows, ""),
        CopyPath(tmp_path / "x", "NanoStudio\\Packages"),
    )
    messages = _messages(_recipe(files=FilesSpec(copies)), "files.copy")
    assert len(messages) == 5
    assert "Windows\\System32\\config, which is Windows' own registry hives" in messages[0]
    assert "NanoStudio, which is NanoStudio's staging folder" in messages[1]
    assert "the first-boot script NanoStudio writes" in messages[2]
    assert "Windows\\System32\\config" in messages[3]
    assert "NanoStudio\\Packages, which is NanoStudio's staging folder" in messages[4]


def test_protected_paths_are_where_the_engines_write() -> None:
    prefixes = {prefix for prefix, _ in PROTECTED}
    for path in (STAGING_ROOT, SETUPCOMPLETE_PATH, AFTER_SETUP_SCRIPT, UNATTEND_PATH):
        assert path.as_posix().lower() in prefixes


def test_copies_are_checked_against_the_disk_size(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(1100 * MIB)
    recipe = _recipe(
        files=FilesSpec((CopyPath(big, "Data"),)),
        output=OutputSpec(tmp_path / "n.vhdx", 1024 * MIB),
    )
    (message,) = _messages(recipe, "files.copy")
    assert message == (
        "the files to copy (1100 MiB) do not fit on a disk of 1024 MiB: copy less or make "
        "output.size larger"
    )


def test_duplicate_sources_are_refused(tmp_path: Path) -> None:
    one = tmp_path / "a.txt"
    one.write_text("a")
    recipe = _recipe(files=FilesSpec((CopyPath(one, "A"), CopyPath(one, "B"))))
    assert _messages(recipe, "files.copy") == [f"{one} is listed twice: copy it once"]


def test_copies_go_through_toml_and_the_command(tmp_path: Path) -> None:
    text = (
        "[files]\n"
        'copy = [{ source = "tools", destination = "/Program Files/Tools/" }, '
        '{ source = "a.txt" }]\n'
    )
    recipe = parse_recipe(text, base=tmp_path)
    assert recipe.files.copy == (
        CopyPath(tmp_path / "tools", "Program Files\\Tools"),
        CopyPath(tmp_path / "a.txt", ""),
    )
    assert parse_recipe(recipe_to_toml(recipe, base=tmp_path), base=tmp_path) == recipe
    command = to_new_nanoserverimage(recipe)
    assert (
        f"-CopyPath @{{'{_win(tmp_path / 'tools')}' = 'Program Files\\Tools'; "
        f"'{_win(tmp_path / 'a.txt')}' = '\\'}}" in command
    )


@pytest.mark.parametrize(
    "value",
    [
        '"tools"',
        '[{ from = "tools" }]',
        "[{ source = 3 }]",
        '[{ source = "a", destination = "b", mode = "x" }]',
    ],
)
def test_bad_copy_tables_exit_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text(f"[files]\ncopy = {value}\n")
    assert main(["recipe", "check", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert "files.copy: expected a list like [{ source" in err
    assert "Traceback" not in err


def test_a_bad_destination_in_a_recipe_is_shown_as_written(tmp_path: Path) -> None:
    recipe = tmp_path / "r.toml"
    recipe.write_text('[files]\ncopy = [{ source = "a", destination = "\\\\\\\\srv\\\\x" }]\n')
    loaded = load_recipe(recipe)
    assert loaded.files.copy[0].destination == "\\\\srv\\x"
    assert any("network path" in m for m in _messages(loaded, "files.copy"))


# -- catalogue ---------------------------------------------------------------------------


def test_reverse_forwarders_and_boot_from_wim_are_known_and_explained() -> None:
    names = {entry.name for entry in NOT_OFFERED}
    assert names == {
        "Microsoft-OneCore-ReverseForwarders-Package",
        "Microsoft-NanoServer-BootFromWim-Package",
    }
    entry = not_offered("Packages/Microsoft-OneCore-ReverseForwarders-Package.cab")
    assert entry is not None and "included by default" in entry.reason
    assert not_offered("bootfromwim") is not None
    assert not_offered("DSC") is None
    (message,) = _messages(_recipe(packages=PackagesSpec(("ReverseForwarders",))), "packages.names")
    assert message.startswith("'ReverseForwarders' is not offered: already in the image")


def test_inspect_says_why_reverse_forwarders_is_not_offered(
    sample_media: object, capsys: pytest.CaptureFixture[str]
) -> None:
    root = sample_media.root  # type: ignore[attr-defined]
    assert main(["inspect", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Known, not offered:" in out
    assert "Microsoft-OneCore-ReverseForwarders-Package.cab: already in the image" in out
    assert "Not in NanoStudio's catalogue" not in out
