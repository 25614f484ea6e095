"""``nanostudio build``: dry run, exit codes, JSON progress, and Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.cli.main import main
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.recipe import OutputSpec, PackagesSpec, Recipe, SourceSpec, SystemSpec
from nanostudio.recipe.toml_io import save_recipe
from tests.engine_portable.helpers import PASSWORD, leftovers

GIB = 1 << 30


def write_recipe(folder: Path, media: Path, output: Path, **system: str) -> Path:
    recipe = Recipe(
        source=SourceSpec(media=media, edition=Edition.STANDARD, deployment=Deployment.HOST),
        packages=PackagesSpec(("DSC",)),
        system=SystemSpec(**system) if system else SystemSpec(),  # type: ignore[arg-type]
        output=OutputSpec(path=output, size=GIB),
    )
    path = folder / "recipe.toml"
    save_recipe(recipe, path)
    return path


def test_dry_run_prints_every_command_and_writes_nothing(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NANOSTUDIO_ADMIN_PASSWORD", raising=False)
    out = tmp_path / "out"
    out.mkdir()
    recipe = write_recipe(tmp_path, sample_media.root, out / "nano.vhdx")
    assert main(["build", str(recipe), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    for command in (
        "wimlib-imagex apply",
        "mkntfs -F -Q -s 512 -p",
        "mkfs.fat -F 32 -s 1",
        "mcopy -i",
    ):
        assert command in printed
    assert "<temp>" in printed
    assert "installed at first boot" in printed and "DSC" in printed
    assert "Put the boot and network drivers into the image" in printed
    assert leftovers(out) == []


def test_bad_recipe_lists_problems_and_exits_2(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
    recipe = write_recipe(
        tmp_path, sample_media.root, tmp_path / "nano.vhdx", computer_name="bad name!"
    )
    assert main(["build", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("system.computer_name: ")
    assert not (tmp_path / "nano.vhdx").exists()


def test_read_only_output_folder_exits_2_with_one_line(
    sample_media: SampleMedia, tmp_path: Path, read_only_dir: Path
) -> None:
    recipe = write_recipe(tmp_path, sample_media.root, read_only_dir / "nano.vhdx")
    env = {**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD}
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"output.path: cannot write to {read_only_dir}: choose a folder you can write to"
    ]


def test_read_only_output_folder_found_by_the_runner_exits_2(
    sample_media: SampleMedia,
    tmp_path: Path,
    read_only_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runner's own check (the folder became read-only after the recipe's check)."""
    from nanostudio.cli import build_cmd
    from nanostudio.cli.recipe_cmd import check_recipe

    def without_output_problems(*args: object) -> object:
        media, problems = check_recipe(*args)  # type: ignore[arg-type]
        return media, [p for p in problems if p.field != "output.path"]

    monkeypatch.setattr(build_cmd, "check_recipe", without_output_problems)
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
    recipe = write_recipe(tmp_path, sample_media.root, read_only_dir / "nano.vhdx")
    assert main(["build", str(recipe)]) == 2
    captured = capsys.readouterr()
    assert "cannot write to" in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err
    assert "bug" not in captured.out + captured.err


def test_weak_password_is_a_problem(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "short")
    recipe = write_recipe(tmp_path, sample_media.root, tmp_path / "nano.vhdx")
    assert main(["build", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert "password: " in err and "short" not in err


def test_no_password_and_no_terminal_exits_2(sample_media: SampleMedia, tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, sample_media.root, tmp_path / "nano.vhdx")
    env = {k: v for k, v in os.environ.items() if k != "NANOSTUDIO_ADMIN_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "NANOSTUDIO_ADMIN_PASSWORD" in result.stderr


def test_json_progress_is_one_object_per_line(sample_media: SampleMedia, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    recipe = write_recipe(tmp_path, sample_media.root, out / "nano.vhdx")
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe), "--json-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(r) == {"step", "percent", "message"} for r in records)
    percents = [r["percent"] for r in records]
    assert percents == sorted(percents)
    assert {"media", "stage", "apply", "assemble"} <= {r["step"] for r in records}
    assert records[-1]["step"] == "succeeded" and records[-1]["percent"] == 100
    assert PASSWORD not in result.stdout + result.stderr
    assert leftovers(out) == ["nano.vhdx"]


FAKE_WIMLIB = """#!/bin/sh
# FAKE wimlib-imagex for tests: 'apply' hangs (with a child) so a Ctrl+C can land in it;
# every other command runs the real tool.
if [ "$1" = "apply" ]; then
    sleep 60 &
    echo "$$ $!" > "{pids}"
    echo "Extracting file data: 1 MiB of 100 MiB (1%) done"
    wait
    exit 0
fi
exec {real} "$@"
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_cancels_within_two_seconds(
    sample_media: SampleMedia, tmp_path: Path, sig: signal.Signals
) -> None:
    fakes = tmp_path / "fake-tools"
    fakes.mkdir()
    pids = tmp_path / "fake-pids"
    real = subprocess.run(["which", "wimlib-imagex"], capture_output=True, text=True).stdout.strip()
    fake = fakes / "wimlib-imagex"
    fake.write_text(FAKE_WIMLIB.format(pids=pids, real=real))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "out"
    out.mkdir()
    recipe = write_recipe(tmp_path, sample_media.root, out / "nano.vhdx")
    process = subprocess.Popen(
        [sys.executable, "-m", "nanostudio", "build", str(recipe), "--json-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD,
            "PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}",
        },
    )
    deadline = time.monotonic() + 60
    while not pids.exists() or not pids.read_text().strip():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    tool_pid, child_pid = (int(p) for p in pids.read_text().split())
    sent = time.monotonic()
    process.send_signal(sig)
    stdout, _ = process.communicate(timeout=10)
    elapsed = time.monotonic() - sent
    assert process.returncode == 130
    assert elapsed < 2.0
    assert json.loads(stdout.splitlines()[-1])["step"] == "cancelled"
    for pid in (tool_pid, child_pid):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert leftovers(out) == []
