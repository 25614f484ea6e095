"""Issue 12 §7: no password reaches a child's environment; logs are owner-only.

The children are real: ``cat /proc/self/environ`` started through the project's
runner (``run_tool`` and ``StepContext.run_tool``), a whole build through
``BuildRunner`` whose tool reads its own ``/proc/PID/environ``, and the remote
console's session process.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.process import run_tool
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan, Step, StepContext
from nanostudio.logfiles import PrivateRotatingFileHandler
from nanostudio.paths import log_dir
from nanostudio.secret import Secret, child_environment, environment_without_secrets

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/PID/environ")

ADMIN = "Adm1n-Secret!42"
REMOTE = "Rem0te-Secret!42"
TYPED = "Typed-at-a-Prompt!7"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", ADMIN)
    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", REMOTE)
    monkeypatch.setenv("MY_COPY_OF_ADMIN", ADMIN)  # a script's own copy
    monkeypatch.setenv("MY_COPY_OF_REMOTE", REMOTE)
    monkeypatch.setenv("MY_TYPED_ONE", TYPED)
    monkeypatch.setenv("NANOSTUDIO_HARMLESS", "kept")


def _environ_of(lines: list[str]) -> dict[str, str]:
    raw = "\n".join(lines)
    pairs = [entry.split("=", 1) for entry in raw.split("\x00") if "=" in entry]
    return {name.strip("\n"): value for name, value in pairs}


def _assert_scrubbed(environ: dict[str, str], *, typed_too: bool) -> None:
    text = repr(environ)
    assert ADMIN not in text and REMOTE not in text
    assert "NANOSTUDIO_ADMIN_PASSWORD" not in environ
    assert "NANOSTUDIO_REMOTE_PASSWORD" not in environ
    if typed_too:
        assert TYPED not in text
    assert environ.get("NANOSTUDIO_HARMLESS") == "kept"  # the rest is inherited
    assert environ.get("PATH") == os.environ["PATH"]


@pytest.mark.usefixtures("secret_env")
def test_run_tool_gives_the_child_no_password() -> None:
    lines: list[str] = []
    result = run_tool(
        ["cat", "/proc/self/environ"],
        cancel=CancelToken(),
        on_line=lines.append,
        env={"EXTRA": "yes"},
        secrets=[Secret(TYPED)],
    )
    assert result.ok
    environ = _environ_of(lines)
    _assert_scrubbed(environ, typed_too=True)
    assert environ["EXTRA"] == "yes"


@pytest.mark.usefixtures("secret_env")
def test_an_extra_variable_cannot_carry_the_password_either() -> None:
    lines: list[str] = []
    run_tool(
        ["cat", "/proc/self/environ"],
        cancel=CancelToken(),
        on_line=lines.append,
        env={"NANOSTUDIO_ADMIN_PASSWORD": ADMIN, "SNEAKY": ADMIN},
    )
    _assert_scrubbed(_environ_of(lines), typed_too=False)


class DumpEnvironment(Step):
    """What every portable step does: start a tool through its context."""

    name = "dump"
    title = "Start a tool"

    def __init__(self, sink: list[str]) -> None:
        self.sink = sink

    def run(self, ctx: StepContext) -> None:
        result = ctx.run_tool(["cat", "/proc/self/environ"])
        self.sink.extend(result.tail)
        ctx.paths.partial.write_bytes(b"disk")


@pytest.mark.usefixtures("secret_env")
def test_a_build_through_the_runner_gives_its_tools_no_password(tmp_path: Path) -> None:
    """The password typed at the prompt (not in the environment) is scrubbed too."""
    lines: list[str] = []
    plan = Plan("test", (DumpEnvironment(lines),), tmp_path / "out.vhdx", 0)
    outcome = BuildRunner(plan, password=Secret(TYPED)).run(lambda event: None)
    assert outcome.was_successful(), outcome
    _assert_scrubbed(_environ_of(lines), typed_too=True)


@pytest.mark.usefixtures("secret_env")
def test_child_environment_drops_names_and_values() -> None:
    env = child_environment({"A": "1"}, [Secret(TYPED), None])
    _assert_scrubbed(env, typed_too=True)
    assert env["A"] == "1"


@pytest.mark.usefixtures("secret_env")
def test_the_session_process_is_started_without_the_passwords() -> None:
    """multiprocessing takes no env=: os.environ is scrubbed while it starts, then restored."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    with environment_without_secrets([Secret(TYPED)]):
        process = context.Process(target=_send_environ, args=(child,))
        process.start()
    child.close()
    environ = parent.recv()
    process.join(30)
    _assert_scrubbed(environ, typed_too=True)
    assert os.environ["NANOSTUDIO_ADMIN_PASSWORD"] == ADMIN  # restored for this process
    assert os.environ["MY_TYPED_ONE"] == TYPED


def _send_environ(conn: object) -> None:
    from multiprocessing.connection import Connection

    assert isinstance(conn, Connection)
    with open(f"/proc/{os.getpid()}/environ", "rb") as handle:  # noqa: PTH123
        raw = handle.read().decode("utf-8", "replace")
    conn.send(dict(entry.split("=", 1) for entry in raw.split("\x00") if "=" in entry))


class WriteDisk(Step):
    name = "write"
    title = "Write"

    def run(self, ctx: StepContext) -> None:
        ctx.log("hello")
        ctx.paths.partial.write_bytes(b"disk")


def test_build_logs_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        plan = Plan("test", (WriteDisk(),), tmp_path / "out.vhdx", 0)
        outcome = BuildRunner(plan).run(lambda event: None)
    finally:
        os.umask(old_umask)
    assert outcome.was_successful() and outcome.log_path is not None
    assert stat.S_IMODE(outcome.log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir().stat().st_mode) == 0o700


def test_a_log_folder_made_0755_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    log_dir().mkdir(parents=True)
    log_dir().chmod(0o755)
    plan = Plan("test", (WriteDisk(),), tmp_path / "out.vhdx", 0)
    outcome = BuildRunner(plan).run(lambda event: None)
    assert outcome.log_path is not None
    assert stat.S_IMODE(log_dir().stat().st_mode) == 0o700


def test_the_gui_log_and_its_rollovers_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "nanostudio.log"
    path.parent.mkdir()
    path.write_text("from an older version\n")
    path.chmod(0o644)
    old_umask = os.umask(0o022)
    handler = PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    logger = logging.getLogger("nanostudio.test-private-log")
    logger.addHandler(handler)
    try:
        for number in range(20):
            logger.warning("line %d of a log that rolls over", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
        os.umask(old_umask)
    files = sorted(path.parent.iterdir())
    assert len(files) == 3
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files
    ]


def test_the_gui_log_rolls_over_by_size_and_keeps_the_newest_lines(tmp_path: Path) -> None:
    path = tmp_path / "nanostudio.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=100, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("nanostudio.test-rollover")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for number in range(40):
            logger.warning("line %02d", number)  # 8 bytes a line: 12 lines fill a file
    finally:
        logger.removeHandler(handler)
        handler.close()

    def lines(name: str) -> list[str]:
        return (tmp_path / name).read_text(encoding="utf-8").splitlines()

    assert lines("nanostudio.log") == [f"line {n}" for n in range(36, 40)]
    assert lines("nanostudio.log.1") == [f"line {n}" for n in range(24, 36)]
    assert lines("nanostudio.log.2") == [f"line {n}" for n in range(12, 24)]
    assert not (tmp_path / "nanostudio.log.3").exists()  # lines 0-11 were dropped


def test_configure_logging_makes_the_gui_log_private() -> None:
    from nanostudio.gui.app import configure_logging

    root = logging.getLogger("nanostudio")
    before = list(root.handlers)
    path = configure_logging()
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
