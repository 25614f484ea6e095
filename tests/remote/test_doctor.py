"""The connection doctor against the loopback WinRM server: started late, wrong password,
a closed port, a port that accepts and never answers; every loop bounded, 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from nanostudio.engine.cancel import CancelToken
from nanostudio.remote.doctor import (
    Check,
    ConnectionDoctor,
    Diagnosis,
    Layer,
    LayerEvent,
    LayerState,
    check_http,
    expectations,
    format_duration,
)
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD
from tests.support.winrm_server import LoopbackWinRM, free_port


def _doctor(port: int, password: str = ADMIN_PASSWORD, **kwargs: object) -> ConnectionDoctor:
    settings = ConnectionSettings(host="127.0.0.1", port=port, timeout_s=5)
    return ConnectionDoctor(settings, password, poll_s=0.2, **kwargs)  # type: ignore[arg-type]


def _run(doctor: ConnectionDoctor, events: list[LayerEvent]) -> Diagnosis:
    doctor.sink = events.append
    return doctor.run()


def test_every_layer_passes_against_a_running_server(winrm_server: LoopbackWinRM) -> None:
    events: list[LayerEvent] = []
    diagnosis = _run(_doctor(winrm_server.port, timeout_s=20), events)
    assert diagnosis.ok and diagnosis.hostname == "NANO1"
    assert [(e.layer, e.state) for e in events] == [(layer, LayerState.PASSED) for layer in Layer]
    assert "401" in events[3].detail
    assert str(diagnosis).startswith("Connected to NANO1 after")


@pytest.fixture
def late_server() -> Iterator[LoopbackWinRM]:
    server = LoopbackWinRM()
    server.port = free_port()
    yield server
    server.stop()
    assert server.live_threads() == []


def test_server_started_late_is_waited_for(late_server: LoopbackWinRM) -> None:
    timer = threading.Timer(1.5, late_server.start)
    timer.start()
    events: list[LayerEvent] = []
    try:
        diagnosis = _run(_doctor(late_server.port, timeout_s=30), events)
    finally:
        timer.join()
    assert diagnosis.ok, diagnosis
    port_events = [e for e in events if e.layer is Layer.PORT]
    assert port_events[0].state is LayerState.WAITING
    assert "nothing listens" in port_events[0].detail
    assert port_events[-1].state is LayerState.PASSED
    assert diagnosis.elapsed_s >= 1.4
    assert events[-1].layer is Layer.HOSTNAME


def test_wrong_password_is_final_and_named(winrm_server: LoopbackWinRM) -> None:
    started = time.monotonic()
    diagnosis = _doctor(winrm_server.port, password="wrong", timeout_s=60).run()
    assert time.monotonic() - started < 15  # no waiting for a password to get better
    assert not diagnosis.ok and diagnosis.layer is Layer.CREDENTIALS
    assert "rejected the user name or password" in str(diagnosis)
    assert "administrator password typed for this image" in str(diagnosis)


def test_closed_port_gives_up_at_the_port_layer() -> None:
    events: list[LayerEvent] = []
    diagnosis = _run(_doctor(free_port(), timeout_s=1.0), events)
    assert (diagnosis.ok, diagnosis.layer) == (False, Layer.PORT)
    assert "nothing listens on 127.0.0.1" in diagnosis.message
    assert "gave up after" in diagnosis.message
    assert events[-1].state is LayerState.FAILED and events[-1].layer is Layer.PORT


@pytest.fixture
def silent_port() -> Iterator[tuple[int, list[socket.socket]]]:
    """Accepts connections and never answers, as a NAT forward does before Windows listens."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    yield listener.getsockname()[1], held
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def test_port_that_never_answers_is_named(
    silent_port: tuple[int, list[socket.socket]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nanostudio.remote.doctor.HTTP_TIMEOUT_S", 0.5)
    port, _ = silent_port
    events: list[LayerEvent] = []
    diagnosis = _run(_doctor(port, timeout_s=1.0), events)
    assert diagnosis.layer is Layer.HTTP
    assert "accepts connections but does not answer" in diagnosis.message
    assert "First boot takes minutes" in diagnosis.hint
    assert [e.layer for e in events if e.state is LayerState.PASSED] == [
        Layer.VM,
        Layer.ADDRESS,
        Layer.PORT,
    ]


def test_closed_without_answer_and_not_winrm() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve(reply: bytes) -> None:
        conn, _ = listener.accept()
        conn.recv(1024)
        if reply:
            conn.sendall(reply)
        conn.close()

    for reply, words in ((b"", "without answering"), (b"HTTP/1.1 200 OK\r\n\r\n", "HTTP 200")):
        thread = threading.Thread(target=serve, args=(reply,))
        thread.start()
        check = check_http("127.0.0.1", port, timeout_s=2)
        thread.join(timeout=5)
        assert check == Check(False, check.detail) and words in check.detail
    listener.close()


def test_vm_state_and_cancel() -> None:
    stopped = _doctor(free_port(), vm_running=lambda: Check(False, "it stopped", final=True))
    diagnosis = stopped.run()
    assert (diagnosis.layer, diagnosis.message) == (Layer.VM, "it stopped")
    cancel = CancelToken()
    doctor = _doctor(free_port(), timeout_s=60, cancel=cancel)
    doctor.poll_s = 30
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()
    diagnosis = doctor.run()
    assert diagnosis.cancelled and time.monotonic() - started < 5
    assert str(diagnosis) == "Waiting for the VM was cancelled."


def test_address_not_known_yet_then_known(winrm_server: LoopbackWinRM) -> None:
    answers: list[tuple[str, int] | None] = [None, None, ("127.0.0.1", winrm_server.port)]
    doctor = _doctor(
        1, timeout_s=20, address=lambda: answers.pop(0) if len(answers) > 1 else answers[0]
    )
    events: list[LayerEvent] = []
    assert _run(doctor, events).ok
    assert events[1] == LayerEvent(
        Layer.ADDRESS, LayerState.WAITING, "the VM has not reported an address yet",
        events[1].elapsed_s, events[1].expected_s,
    )  # fmt: skip


def test_expectations_and_durations() -> None:
    kvm, tcg = expectations(kvm=True), expectations(kvm=False)
    assert kvm[Layer.HTTP] == 480 and tcg[Layer.HTTP] == 480 * 15
    assert format_duration(59) == "59 s" and format_duration(125) == "2:05 min"
    assert format_duration(3725) == "1:02:05 h"


def test_walk_once_explains_a_failure_without_waiting() -> None:
    started = time.monotonic()
    diagnosis = _doctor(free_port(), timeout_s=600).walk_once()
    assert time.monotonic() - started < 5
    assert diagnosis.layer is Layer.PORT and "Nothing listens there" in diagnosis.hint


def test_exec_failure_shows_the_doctors_layers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nanostudio.cli.main import main

    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", ADMIN_PASSWORD)
    port = str(free_port())
    assert main(["exec", "127.0.0.1", "--port", port, "--timeout", "3", "--", "hostname"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("✓ The VM is running")
    assert err[2].startswith("… The WinRM port is open: nothing listens")
    assert err[-1].startswith("error: Stuck at “The WinRM port is open”")
    assert len([line for line in err if line.startswith("error:")]) == 1
