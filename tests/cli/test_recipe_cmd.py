from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import pytest

from nanostudio.cli.main import main
from nanostudio.devtools.sample_media import SampleMedia


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "build.nanostudio.toml"
    path.write_text(text)
    return path


def test_good_recipe_against_real_media(
    tmp_path: Path, sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(
        tmp_path,
        f'[source]\nmedia = "{sample_media.iso}"\nlanguage = "de-de"\n'
        '[packages]\nnames = ["Compute", "dsc"]\n',
    )
    assert main(["recipe", "check", str(recipe)]) == 0
    out = capsys.readouterr().out
    assert "no problems" in out and "Docker" not in out


def test_containers_without_docker_says_docker_is_not_included(
    tmp_path: Path, sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(
        tmp_path, f'[source]\nmedia = "{sample_media.iso}"\n[packages]\nnames = ["Containers"]\n'
    )
    assert main(["recipe", "check", str(recipe)]) == 0
    out = capsys.readouterr().out
    assert "no problems" in out and "Docker is NOT included" in out
    assert "docker-20.10.24.zip" in out


def test_problems_are_listed_one_per_line_with_exit_2(
    tmp_path: Path,
    sample_media: SampleMedia,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "sEcr3")
    recipe = _write(
        tmp_path,
        f'[source]\nmedia = "{sample_media.root}"\nlanguage = "fr-fr"\n'
        '[packages]\nnames = ["ShieldedVM"]\n[drivers]\noem = true\n'
        '[system]\ncomputer_name = "A-VERY-LONG-NAME-X"\n[output]\npath = "nano.img"\n',
    )
    assert main(["recipe", "check", str(recipe)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    fields = [line.split(":", 1)[0] for line in lines]
    assert "source.language" in fields
    assert "drivers.oem" in fields
    assert "system.computer_name" in fields
    assert "output.path" in fields
    assert "password" in fields
    assert any(line.startswith("packages.names: ShieldedVM needs the Datacenter") for line in lines)
    assert all("sEcr3" not in line for line in lines)


def test_unreadable_media_is_a_problem_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.iso").write_bytes(b"")
    recipe = _write(tmp_path, '[source]\nmedia = "empty.iso"\n')
    assert main(["recipe", "check", str(recipe)]) == 2
    assert capsys.readouterr().err.startswith("source.media: ")


def test_powershell_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = _write(tmp_path, '[source]\nmedia = "x.iso"\n[packages]\nnames = ["Containers"]\n')
    assert main(["recipe", "powershell", str(recipe)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("$media = (Mount-DiskImage")
    assert "-Containers" in out


def test_powershell_with_a_bad_address_is_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(tmp_path, '[network]\nipv4 = "bogus"\n')
    assert main(["recipe", "powershell", str(recipe)]) == 2
    assert capsys.readouterr().err == "error: network.ipv4: 'bogus' is not like 192.168.56.10/24\n"


def test_broken_recipe_file_is_one_error_line_without_traceback(tmp_path: Path) -> None:
    recipe = _write(tmp_path, "[source\nmedia=")
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "recipe", "check", str(recipe)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_closed_pipe_is_not_a_traceback(sample_media: SampleMedia) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already gone
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nanostudio", "inspect", str(sample_media.root)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_read_only_output_folder_is_a_problem(
    tmp_path: Path,
    sample_media: SampleMedia,
    read_only_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recipe = _write(
        tmp_path,
        f'[source]\nmedia = "{sample_media.iso}"\n[output]\npath = "{read_only_dir}/nano.vhdx"\n',
    )
    assert main(["recipe", "check", str(recipe)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"output.path: cannot write to {read_only_dir}: choose a folder you can write to"
    ]


def test_missing_output_folder_is_a_problem(
    tmp_path: Path, sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(
        tmp_path, f'[source]\nmedia = "{sample_media.iso}"\n[output]\npath = "nope/nano.vhdx"\n'
    )
    assert main(["recipe", "check", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("output.path: the folder ") and "does not exist" in err


def test_an_invalid_edition_hides_no_other_problem(
    tmp_path: Path, sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(
        tmp_path,
        f'[source]\nmedia = "{sample_media.iso}"\nedition = "Enterprise"\n'
        'deployment = "Cloud"\n[drivers]\noem = "yes"\n'
        '[system]\ncomputer_name = "bad name!"\ncolour = "blue"\n[output]\nsize = "lots"\n',
    )
    assert main(["recipe", "check", str(recipe)]) == 2
    fields = [line.split(":", 1)[0] for line in capsys.readouterr().err.splitlines()]
    for field in (
        "source.edition",
        "source.deployment",
        "drivers.oem",
        "system.colour",
        "output.size",
        "system.computer_name",
    ):
        assert field in fields


def test_what_the_engine_cannot_build_is_a_problem(
    tmp_path: Path, sample_media: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _write(
        tmp_path,
        f'[source]\nmedia = "{sample_media.iso}"\n'
        '[output]\npath = "nano.vhd"\ntarget = "hyperv-gen1"\n',
    )
    assert main(["recipe", "check", "--engine", "portable", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert "output.target: a Hyper-V Generation 1 VM boots with BIOS" in err
    assert 'output.target = "hyperv-gen2"' in err


def test_a_tool_the_engine_lacks_here_is_a_problem(
    tmp_path: Path,
    sample_media: SampleMedia,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nanostudio.cli import recipe_cmd
    from nanostudio.errors import ToolMissingError

    def no_tool(*args: object, **kwargs: object) -> None:
        raise ToolMissingError("mkntfs is not installed: install ntfs-3g")

    monkeypatch.setattr(recipe_cmd, "make_plan", no_tool)
    recipe = _write(tmp_path, f'[source]\nmedia = "{sample_media.iso}"\n')
    assert main(["recipe", "check", "--engine", "portable", str(recipe)]) == 2
    assert capsys.readouterr().err == "engine: mkntfs is not installed: install ntfs-3g\n"


def test_powershell_paths_are_absolute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sample"
    folder.mkdir()
    _write(folder, '[source]\nmedia = "nano.iso"\n[drivers]\nfolders = ["drv"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["recipe", "powershell", "sample/build.nanostudio.toml"]) == 0
    out = capsys.readouterr().out

    def windows(path: Path) -> str:
        return str(PureWindowsPath(str(path)))

    assert f"Mount-DiskImage -ImagePath '{windows(folder / 'nano.iso')}'" in out
    assert f"-TargetPath '{windows(folder / 'nano.vhdx')}'" in out
    assert f"-DriverPath '{windows(folder / 'drv')}'" in out
