"""Bad input that used to give a traceback or a bare exception name (issue 12 §5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.cli.remote_support import resolve_password
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.media.wim import HEADER_SIZE
from nanostudio.recipe.toml_io import load_recipe, parse_recipe
from nanostudio.remote.errors import SettingsError
from nanostudio.remote.settings import ConnectionSettings
from tests.engine_portable.conftest import USABLE_INF

UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""}


def _cli(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **UTF8, "NANOSTUDIO_ADMIN_PASSWORD": "Nano-Pa55word!"}
    env.pop("NANOSTUDIO_REMOTE_PASSWORD", None)
    return subprocess.run(
        [sys.executable, "-m", "nanostudio", *args],
        capture_output=True,
        timeout=120,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _no_traceback(result: subprocess.CompletedProcess[bytes]) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert "Logging error" not in err
    return err


# -- names that are not valid UTF-8 ------------------------------------------------------


def test_iso_and_media_folder_named_in_bytes_that_are_not_utf8(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    assert sample_media.iso is not None
    iso = os.fsencode(tmp_path) + b"/nano-\xff.iso"
    shutil.copyfile(sample_media.iso, iso)
    folder = os.fsencode(tmp_path) + b"/media-\xfe"
    shutil.copytree(sample_media.root, os.fsdecode(folder))
    for path in (iso, folder):
        result = _cli(b"inspect", path, cwd=tmp_path)
        _no_traceback(result)
        assert result.returncode == 0
        assert b"\\udcf" in result.stdout  # the name, shown escaped


def test_cab_named_in_bytes_that_are_not_utf8_and_with_escape_sequences(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    shutil.copytree(sample_media.root, media)
    packages = os.fsencode(media / "NanoServer" / "Packages")
    Path(os.fsdecode(packages + b"/Microsoft-NanoServer-\xffOdd-Package.cab")).write_bytes(b"x")
    (
        media / "NanoServer" / "Packages" / "Microsoft-NanoServer-\x1b[31mRed\x1b[0m-Package.cab"
    ).write_bytes(b"x")
    result = _cli("inspect", str(media), cwd=tmp_path)
    _no_traceback(result)
    assert result.returncode == 0
    assert b"\x1b" not in result.stdout
    assert b"\\x1b[31mRed" in result.stdout


def test_driver_file_named_in_bytes_that_are_not_utf8_is_refused_before_the_build(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    (drivers / "net.inf").write_text(USABLE_INF)
    Path(os.fsdecode(os.fsencode(drivers) + b"/net\xfe.sys")).write_bytes(b"MZ")
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[source]\nmedia = "{sample_media.root}"\n[drivers]\nfolders = ["{drivers}"]\n'
        f'[output]\npath = "{tmp_path / "nano.vhdx"}"\n'
    )
    for args in (("recipe", "check"), ("build", "--dry-run"), ("build",)):
        result = _cli(*args, str(recipe), cwd=tmp_path)
        err = _no_traceback(result)
        assert result.returncode == 2, err
        assert "not valid UTF-8" in err and "\\udcfe" in err
    assert not (tmp_path / "nano.vhdx").exists()


# -- recipes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        "a = " + "{b = " * 5000 + "1" + "}" * 5000,
        "[output]\nsize = " + "9" * 5000,
    ],
    ids=["arrays", "inline-tables", "huge-integer"],
)
def test_pathological_recipe_is_one_error_line(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "deep.toml"
    recipe.write_text(text)
    assert main(["recipe", "check", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_recipe_with_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    recipe = tmp_path / "notepad.toml"
    recipe.write_bytes(b'\xef\xbb\xbf[system]\ncomputer_name = "NANO7"\n')
    assert load_recipe(recipe).system.computer_name == "NANO7"
    assert (
        parse_recipe(
            '\ufeff[system]\ncomputer_name = "NANO8"\n', base=tmp_path
        ).system.computer_name
        == "NANO8"
    )


def test_unreadable_recipe_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = tmp_path / "secret.toml"
    recipe.write_text("[system]\n")
    recipe.chmod(0)
    if os.access(recipe, os.R_OK):
        pytest.skip("running as root: every file is readable")
    assert main(["recipe", "check", str(recipe)]) == 2
    assert "permission denied" in capsys.readouterr().err


def test_recipe_in_another_encoding_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "latin1.toml"
    recipe.write_bytes('[system]\ncomputer_name = "Müller"\n'.encode("latin-1"))
    assert main(["recipe", "check", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "UnicodeDecodeError" not in err


# -- corrupt WIM headers are not all "truncated" ----------------------------------------


@pytest.mark.parametrize(
    ("offset", "value", "words"),
    [
        (12, b"\xff\xff\xff\xff", "format version"),
        (44, b"\x00\x00\x00\x00", "counts 0 images"),
        (80, b"\xff" * 8, "XML description is said to lie"),
        (56, b"\x01\x00\x00\x00\x00\x00\x00\x00", "blob table is said to lie"),
    ],
    ids=["version", "image-count", "xml-offset", "blob-table-offset"],
)
def test_corrupt_wim_header_is_called_damaged(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    offset: int,
    value: bytes,
    words: str,
) -> None:
    data = bytearray(sample_media.wim.read_bytes())
    assert offset + len(value) <= HEADER_SIZE
    data[offset : offset + len(value)] = value
    wim = tmp_path / "NanoServer.wim"
    wim.write_bytes(bytes(data))
    assert main(["inspect", str(wim)]) == 2
    err = capsys.readouterr().err
    assert "damaged header" in err and words in err and "truncated" not in err


# -- remote options ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "-1"], ["--port", "0"]],
    ids=["nan", "inf", "negative", "port-0"],
)
def test_remote_options_that_cannot_work_exit_2(
    option: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["exec", "127.0.0.1", *option, "--", "hostname"])
    assert exited.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_settings_refuse_a_timeout_that_is_not_finite() -> None:
    for value in (float("nan"), float("inf")):
        assert [f for f, _ in ConnectionSettings(host="h", timeout_s=value).problems()] == [
            "timeout_s"
        ]


def test_password_prompt_at_end_of_input_is_a_sentence(tmp_path: Path) -> None:
    def eof(prompt: str) -> str:
        raise EOFError

    with pytest.raises(SettingsError, match="no password"):
        resolve_password(ConnectionSettings(host="h"), environ={}, ask=eof)
    for command in (("exec", "127.0.0.1", "--", "hostname"), ("console", "127.0.0.1")):
        result = _cli(*command, cwd=tmp_path)
        err = _no_traceback(result)
        assert result.returncode == 2
        assert err.strip().endswith("run in a terminal to be asked"), err


# -- README and behaviour agree on how recipe problems are printed -------------------------


def test_build_and_check_print_recipe_problems_as_the_readme_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "one `field: message` line per\nproblem" in readme
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "Nano-Pa55word!")
    recipe = tmp_path / "two.toml"
    recipe.write_text(
        '[system]\ncomputer_name = "bad name!"\ntimezone = "Mars"\n'
        f'[output]\npath = "{tmp_path / "x.vhdx"}"\n'
    )
    printed = []
    for command in (["recipe", "check"], ["build"]):
        assert main([*command, str(recipe)]) == 2
        printed.append(capsys.readouterr().err.splitlines())
    assert printed[0] == printed[1]
    fields = [line.partition(": ")[0] for line in printed[0]]
    assert "system.computer_name" in fields and "system.timezone" in fields
    assert not any(line.startswith(("error:", "Traceback")) for line in printed[0])
