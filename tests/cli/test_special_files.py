"""Pipes, devices, sockets and folders where a file is expected: one sentence, exit 2, no hang.

A named pipe blocks ``open()`` until a writer comes; a stalled network share behaves the
same. Every case runs in a child process with a deadline, so a regression hangs nothing
but that child (issue 12 §4).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.files import NotRegularFileError, open_regular, regular_file_problem

DEADLINE_S = 30
PASSWORD = "Nano-Pa55word!"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "nanostudio", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _assert_one_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def _recipe(tmp_path: Path, media: Path, extra: str = "", names: str = '"Compute"') -> Path:
    recipe = tmp_path / "nano.toml"
    recipe.write_text(
        f'[source]\nmedia = "{media}"\n[packages]\nnames = [{names}]\n{extra}'
        f'[output]\npath = "{tmp_path / "out" / "nano.vhdx"}"\n',
        encoding="utf-8",
    )
    (tmp_path / "out").mkdir(exist_ok=True)
    return recipe


def _media_with_fifo(sample: SampleMedia, tmp_path: Path, relative: str) -> Path:
    media = tmp_path / "media"
    shutil.copytree(sample.root, media)
    (media / relative).unlink()
    os.mkfifo(media / relative)
    return media


def test_iso_that_is_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "server.iso")
    result = _run("inspect", str(tmp_path / "server.iso"), cwd=tmp_path)
    _assert_one_error(result, "named pipe (FIFO)")


def test_character_device_as_media(tmp_path: Path) -> None:
    _assert_one_error(_run("inspect", "/dev/zero", cwd=tmp_path), "character device")


@pytest.mark.parametrize(
    "relative",
    ["NanoServer/NanoServer.wim", "NanoServer/Packages/Microsoft-NanoServer-Compute-Package.cab"],
    ids=["wim", "cab"],
)
def test_fifo_inside_a_media_folder_fails_inspect(
    sample_media: SampleMedia, tmp_path: Path, relative: str
) -> None:
    media = _media_with_fifo(sample_media, tmp_path, relative)
    result = _run("inspect", str(media), cwd=tmp_path)
    _assert_one_error(result, Path(relative).name, "named pipe (FIFO)")


@pytest.mark.parametrize("command", [("recipe", "check"), ("build",)], ids=["check", "build"])
def test_fifo_cab_fails_check_and_build(
    sample_media: SampleMedia, tmp_path: Path, command: tuple[str, ...]
) -> None:
    media = _media_with_fifo(
        sample_media, tmp_path, "NanoServer/Packages/Microsoft-NanoServer-Compute-Package.cab"
    )
    result = _run(*command, str(_recipe(tmp_path, media)), cwd=tmp_path)
    _assert_one_error(result, "Compute-Package.cab", "named pipe (FIFO)")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("command", [("recipe", "check"), ("build",)], ids=["check", "build"])
@pytest.mark.parametrize(
    "make",
    [
        lambda path: os.mkfifo(path),
        lambda path: path.mkdir(),
    ],
    ids=["fifo", "folder"],
)
def test_recipe_that_is_not_a_file(
    tmp_path: Path, command: tuple[str, ...], make: Callable[[Path], None]
) -> None:
    recipe = tmp_path / "nano.toml"
    make(recipe)
    result = _run(*command, str(recipe), cwd=tmp_path)
    assert result.stderr.count("\n") == 1
    _assert_one_error(result, "error: cannot read recipe", "not a regular file")


def test_recipe_that_is_a_device(tmp_path: Path) -> None:
    _assert_one_error(_run("recipe", "check", "/dev/zero", cwd=tmp_path), "character device")


def test_driver_inf_that_is_a_fifo(sample_media: SampleMedia, tmp_path: Path) -> None:
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    os.mkfifo(drivers / "net.inf")
    recipe = _recipe(tmp_path, sample_media.root, f'[drivers]\nfolders = ["{drivers}"]\n')
    result = _run("recipe", "check", str(recipe), cwd=tmp_path)
    _assert_one_error(result, "net.inf", "named pipe (FIFO)")


@pytest.mark.parametrize("command", [("recipe", "check"), ("build",)], ids=["check", "build"])
def test_docker_zip_that_is_a_fifo(
    sample_media: SampleMedia, tmp_path: Path, command: tuple[str, ...]
) -> None:
    os.mkfifo(tmp_path / "docker.zip")
    recipe = _recipe(
        tmp_path,
        sample_media.root,
        f'docker_zip = "{tmp_path / "docker.zip"}"\n',
        names='"Containers"',
    )
    text = recipe.read_text(encoding="utf-8")
    # docker_zip belongs to [packages]: move it up behind names.
    line = f'docker_zip = "{tmp_path / "docker.zip"}"\n'
    recipe.write_text(
        text.replace(line, "").replace("]\n[output]", "]\n" + line + "[output]"),
        encoding="utf-8",
    )
    result = _run(*command, str(recipe), cwd=tmp_path)
    _assert_one_error(result, "docker.zip", "named pipe (FIFO)")


def test_open_regular_refuses_every_special_kind(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        cases = {
            tmp_path / "pipe": "named pipe",
            tmp_path / "sock": "socket",
            Path("/dev/null"): "character device",
            tmp_path: "folder",
        }
        for path, kind in cases.items():
            with pytest.raises(NotRegularFileError, match=kind):
                open_regular(path)
            assert kind in (regular_file_problem(path) or "")
    (tmp_path / "file").write_bytes(b"data")
    with open_regular(tmp_path / "file") as file:
        assert file.read() == b"data"
    assert regular_file_problem(tmp_path / "file") is None


def test_a_fifo_swapped_in_after_the_check_cannot_block_the_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stat check passes for a file; a FIFO put there before the open is still refused."""
    import nanostudio.files as files

    target = tmp_path / "swap.wim"
    target.write_bytes(b"x")

    def swap(path: Path) -> None:
        target.unlink()
        os.mkfifo(target)

    monkeypatch.setattr(files, "require_regular_file", swap)
    with pytest.raises(NotRegularFileError, match="named pipe"):
        files.open_regular(target)
