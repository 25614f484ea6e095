"""Issue 12 §1 and §2 with real builds: ``nanostudio build`` processes, the portable
engine and the sample media.

``wimlib-imagex apply`` is gated by a wrapper (it waits for a file, then runs the real
tool), so a build can be held mid-way for as long as the test needs: a second build
is started meanwhile, or the first is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.paths import log_dir
from tests.engine_portable.helpers import PASSWORD, leftovers
from tests.engine_portable.test_build_cli import write_recipe

GATED_WIMLIB = """#!/bin/sh
# wimlib-imagex for tests: 'apply' says where it is, waits for the gate, then runs.
if [ "$1" = "apply" ]; then
    echo "$PPID" >> "{arrived}"
    while [ ! -e "{gate}" ]; do sleep 0.05; done
fi
exec {real} "$@"
"""


def _gated_tools(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    fakes = tmp_path / "fake-tools"
    fakes.mkdir()
    arrived, gate = tmp_path / "arrived", tmp_path / "gate"
    real = subprocess.run(["which", "wimlib-imagex"], capture_output=True, text=True).stdout.strip()
    fake = fakes / "wimlib-imagex"
    fake.write_text(GATED_WIMLIB.format(arrived=arrived, gate=gate, real=real))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {
        **os.environ,
        "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD,
        "PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}",
    }
    return env, arrived, gate


def _start(recipe: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nanostudio", "build", str(recipe)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(path: Path, processes: list[subprocess.Popen[str]], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, "no build reached the apply step"
        assert any(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)


def _kill_mid_way(recipe: Path, env: dict[str, str], arrived: Path) -> subprocess.Popen[str]:
    """Start a build, SIGKILL it once it is applying the image; return it, dead."""
    killed = _start(recipe, env)
    _wait_for(arrived, [killed])
    tool = psutil.Process(killed.pid).children(recursive=True)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    for child in tool:  # the gated wrapper outlives its parent: end it too
        with contextlib.suppress(psutil.NoSuchProcess):  # its `sleep 0.05`s come and go
            child.kill()
    return killed


def _build_and_read_its_log(recipe: Path, env: dict[str, str]) -> str:
    """Build to the end (it must succeed); the text of its log file."""
    done = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(log_dir().glob("build-*.log"))[-1].read_text(encoding="utf-8")


def test_two_builds_started_together_one_builds_the_other_names_the_holder(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    env, arrived, gate = _gated_tools(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    recipe = write_recipe(tmp_path, sample_media.root, out / "nano.vhdx")
    builds = [_start(recipe, env), _start(recipe, env)]
    try:
        _wait_for(arrived, builds)
        # The loser never gets as far as the apply step: it stops at the lock.
        deadline = time.monotonic() + 60
        while all(b.poll() is None for b in builds):
            assert time.monotonic() < deadline, "both builds are still running"
            time.sleep(0.05)
        loser = next(b for b in builds if b.poll() is not None)
        winner = next(b for b in builds if b is not loser)
        assert winner.poll() is None  # still held at the gate
    finally:
        gate.write_text("go")
    stdout, stderr = winner.communicate(timeout=180)
    assert winner.returncode == 0, stdout + stderr
    loser_out, loser_err = loser.communicate()
    assert loser.returncode == 2, loser_out + loser_err
    assert "Traceback" not in loser_out + loser_err
    # One line, as for an existing output: which process holds it.
    assert len(loser_out.splitlines()) == 1, loser_out
    assert re.match(rf"The build failed: another build \(PID {winner.pid}\) is writing ", loser_out)
    assert arrived.read_text().split() == [str(winner.pid)]
    assert leftovers(out) == ["nano.vhdx"]


def test_a_build_killed_mid_way_is_cleaned_up_by_the_next_one(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    env, arrived, gate = _gated_tools(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    recipe = write_recipe(tmp_path, sample_media.root, out / "nano.vhdx")
    killed = _kill_mid_way(recipe, env, arrived)
    left = leftovers(out)
    work = [name for name in left if name.startswith(".nanostudio-")]
    assert work, left  # what the issue found: a hidden work folder stays behind
    assert (out / work[0] / "owner").read_text().split()[0] == str(killed.pid)
    # A killed build writing the disk also leaves the partial.
    (out / "nano.vhdx.partial").write_bytes(b"half a disk")
    gate.write_text("go")

    text = _build_and_read_its_log(recipe, env)
    assert leftovers(out) == ["nano.vhdx"]
    assert f"removed {out / work[0]}, left by a build that was stopped" in text
    assert f"removed {out / 'nano.vhdx.partial'}, left by a build that was stopped" in text
    # The removal comes before the first step's work.
    assert text.index("nano.vhdx.partial, left by") < text.index("wimlib-imagex")


def test_a_killed_builds_lock_is_removed_by_the_next_build_of_another_output(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    env, arrived, gate = _gated_tools(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    killed = _kill_mid_way(
        write_recipe(tmp_path, sample_media.root, out / "nano.vhdx"), env, arrived
    )
    lock = out / ".nano.vhdx.nanostudio-lock"
    assert lock.read_text().split()[0] == str(killed.pid)  # what SIGKILL leaves behind
    gate.write_text("go")
    second = tmp_path / "second"
    second.mkdir()
    text = _build_and_read_its_log(write_recipe(second, sample_media.root, out / "other.vhdx"), env)
    assert leftovers(out) == ["other.vhdx"]  # the killed build's work folder went too
    assert f"removed {lock}, the lock of a build that was stopped" in text
