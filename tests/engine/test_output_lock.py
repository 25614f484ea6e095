"""Issue 12 §1 and §2 at the runner: one build per output, no replacing a file that
appeared meanwhile, and stale work folders and partials reclaimed before the work."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nanostudio.engine import output_lock
from nanostudio.engine.events import BuildEvent, BuildOutcome, LogLine, Status
from nanostudio.engine.output_lock import (
    OWNER_FILE,
    UNOWNED_GRACE_S,
    OutputLock,
    Owner,
    lock_path,
    move_into_place,
)
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan, Step, StepContext
from nanostudio.errors import OutputError


class WritePartial(Step):
    name = "write"
    title = "Write the disk"

    def run(self, ctx: StepContext) -> None:
        ctx.paths.partial.write_bytes(b"ours")


class SomeoneElseWritesTheOutput(Step):
    """Another program creates the output while this build runs."""

    name = "race"
    title = "Race"

    def run(self, ctx: StepContext) -> None:
        ctx.paths.output.write_bytes(b"theirs")


def _run(output: Path, *steps: Step, force: bool = False) -> tuple[BuildOutcome, list[BuildEvent]]:
    events: list[BuildEvent] = []
    plan = Plan("test", tuple(steps), output, 0)
    return BuildRunner(plan, force=force).run(events.append), events


def _logged(events: list[BuildEvent]) -> str:
    return "\n".join(e.text for e in events if isinstance(e, LogLine))


def test_an_output_that_appeared_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    outcome, _ = _run(output, WritePartial(), SomeoneElseWritesTheOutput())
    assert outcome.status is Status.FAILED
    assert outcome.exit_code == 2
    assert "appeared while this build ran" in (outcome.error or "")
    assert output.read_bytes() == b"theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nano.vhdx"]


def test_with_force_the_output_that_appeared_is_replaced(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    outcome, _ = _run(output, WritePartial(), SomeoneElseWritesTheOutput(), force=True)
    assert outcome.status is Status.SUCCEEDED
    assert output.read_bytes() == b"ours"


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "link+unlink"])
def test_move_never_replaces_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renameat2: bool
) -> None:
    if not renameat2:
        monkeypatch.setattr(output_lock, "_renameat2", lambda: None)
    partial, output = tmp_path / "a.partial", tmp_path / "a"
    partial.write_bytes(b"new")
    move_into_place(partial, output, force=False)
    assert output.read_bytes() == b"new" and not partial.exists()
    partial.write_bytes(b"newer")
    with pytest.raises(OutputError, match="appeared"):
        move_into_place(partial, output, force=False)
    assert output.read_bytes() == b"new" and partial.read_bytes() == b"newer"


def test_a_second_build_for_the_same_output_is_refused_naming_the_holder(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    other = OutputLock(output)
    other.acquire()
    their_partial = tmp_path / "nano.vhdx.partial"
    their_partial.write_bytes(b"theirs, being written")
    try:
        outcome, _ = _run(output, WritePartial())
    finally:
        assert their_partial.read_bytes() == b"theirs, being written"  # not deleted
        other.release()
    assert outcome.exit_code == 2
    assert f"PID {os.getpid()}" in (outcome.error or "")
    assert not lock_path(output).exists()


def test_the_lock_is_released_after_a_build_and_a_refused_build_keeps_nothing(
    tmp_path: Path,
) -> None:
    output = tmp_path / "nano.vhdx"
    outcome, _ = _run(output, WritePartial())
    assert outcome.status is Status.SUCCEEDED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nano.vhdx"]
    lock = OutputLock(output)
    lock.acquire()  # free again
    lock.release()


def test_a_lock_held_by_another_process_is_refused_with_its_pid(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from nanostudio.engine.output_lock import OutputLock;"
            f"lock = OutputLock(Path({str(output)!r})); lock.acquire();"
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError, match=f"PID {holder.pid}"):
            OutputLock(output).acquire()
    finally:
        holder.kill()
        holder.wait()
    lock = OutputLock(output)  # its death released it (the stale file is taken over)
    lock.acquire()
    lock.release()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _work_folder(parent: Path, name: str, owner: str | None) -> Path:
    folder = parent / name
    (folder / "Windows" / "Panther").mkdir(parents=True)
    (folder / "Windows" / "Panther" / "unattend.xml").write_text("<secret/>")
    if owner is not None:
        (folder / OWNER_FILE).write_text(owner)
    return folder


def test_stale_work_folders_and_the_partial_are_removed_before_the_work(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    dead = _work_folder(tmp_path, ".nanostudio-dead1234", f"{_dead_pid()} {time.time():.3f}\n")
    reused = _work_folder(tmp_path, ".nanostudio-reus1234", f"{os.getpid()} 12345.0\n")
    alive = _work_folder(tmp_path, ".nanostudio-live1234", Owner.me().text())
    young = _work_folder(tmp_path, ".nanostudio-new01234", None)
    old = _work_folder(tmp_path, ".nanostudio-old01234", None)
    long_ago = time.time() - UNOWNED_GRACE_S - 60
    os.utime(old, (long_ago, long_ago))
    (tmp_path / "nano.vhdx.partial").write_bytes(b"left by a killed build")
    (tmp_path / "other.vhdx.partial").write_bytes(b"another output's: not ours to judge")

    class Check(Step):
        name = "check"
        title = "Check"

        def run(self, ctx: StepContext) -> None:  # the cleaning happened before any step
            assert not dead.exists() and not reused.exists() and not old.exists()
            assert not ctx.paths.partial.exists()
            ctx.paths.partial.write_bytes(b"ours")

    outcome, events = _run(output, Check())
    assert outcome.status is Status.SUCCEEDED, outcome
    assert alive.exists() and young.exists()
    assert (tmp_path / "other.vhdx.partial").exists()
    logged = _logged(events)
    for gone in (dead, reused, old, tmp_path / "nano.vhdx.partial"):
        assert f"removed {gone}, left by a build that was stopped" in logged


def test_the_work_folder_records_its_owner(tmp_path: Path) -> None:
    seen: list[str] = []

    class Look(Step):
        name = "look"
        title = "Look"

        def run(self, ctx: StepContext) -> None:
            seen.append((ctx.paths.workdir / OWNER_FILE).read_text())
            ctx.paths.partial.write_bytes(b"ours")

    _run(tmp_path / "nano.vhdx", Look())
    owner = Owner.parse(seen[0])
    assert owner is not None and owner.pid == os.getpid() and owner.alive()


def _hold_lock_in_child(output: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path;"
            "from nanostudio.engine.output_lock import OutputLock;"
            f"OutputLock(Path({str(output)!r})).acquire();"
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_other_outputs_stale_locks_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    killed = _hold_lock_in_child(tmp_path / "killed.vhdx")
    killed.kill()
    killed.wait()
    live = _hold_lock_in_child(tmp_path / "live.vhdx")
    long_ago = time.time() - UNOWNED_GRACE_S - 60
    files = {
        "dead": lock_path(tmp_path / "dead.vhdx"),
        "reused": lock_path(tmp_path / "reused.vhdx"),
        "old_pid_only": lock_path(tmp_path / "old.vhdx"),
        "young_empty": lock_path(tmp_path / "young.vhdx"),
        "not_a_lock": lock_path(tmp_path / "image.vhdx"),
    }
    files["dead"].write_text(f"{_dead_pid()} {time.time():.3f}\n")
    files["reused"].write_text(f"{os.getpid()} 12345.000\n")  # our PID, another start time
    files["old_pid_only"].write_text(f"{_dead_pid()}\n")
    os.utime(files["old_pid_only"], (long_ago, long_ago))
    files["young_empty"].write_bytes(b"")
    files["not_a_lock"].write_bytes(b"a disk image someone named so" * 100)
    os.utime(files["not_a_lock"], (long_ago, long_ago))
    killed_lock = lock_path(tmp_path / "killed.vhdx")
    recorded = Owner.parse(killed_lock.read_text())  # SIGKILL left it with its owner line
    assert recorded is not None and recorded.pid == killed.pid and not recorded.alive()
    try:
        outcome, events = _run(tmp_path / "nano.vhdx", WritePartial())
        assert lock_path(tmp_path / "live.vhdx").exists()  # a live build's lock is kept
        with pytest.raises(OutputError, match=f"PID {live.pid}"):
            OutputLock(tmp_path / "live.vhdx").acquire()  # and still held
    finally:
        live.kill()
        live.wait()
    assert outcome.status is Status.SUCCEEDED, outcome
    gone = [killed_lock, files["dead"], files["reused"], files["old_pid_only"]]
    assert not any(path.exists() for path in gone)
    assert files["young_empty"].exists() and files["not_a_lock"].exists()
    logged = _logged(events)
    for path in gone:
        assert f"removed {path}, the lock of a build that was stopped" in logged
    assert "young" not in logged and "image.vhdx" not in logged


def test_a_build_waits_while_another_removes_its_outputs_dead_lock(tmp_path: Path) -> None:
    """The remover holds a dead build's lock for a moment before unlinking it: a build
    of that output arriving then retries rather than naming the dead PID."""
    output = tmp_path / "nano.vhdx"
    path = lock_path(output)
    path.write_text(f"{_dead_pid()} {time.time():.3f}\n")
    fd = os.open(path, os.O_RDWR)
    assert output_lock._try_lock(fd)
    removed: list[bool] = []

    def remove_then_release() -> None:
        time.sleep(0.2)
        path.unlink()
        removed.append(True)
        os.close(fd)

    remover = threading.Thread(target=remove_then_release)
    remover.start()
    lock = OutputLock(output)
    try:
        lock.acquire()
        assert removed and lock.held
        owner = Owner.parse(path.read_text())
        assert owner is not None and owner.pid == os.getpid() and owner.alive()
    finally:
        remover.join()
        lock.release()
