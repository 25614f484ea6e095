"""Console speed: the client library alone vs the same commands through the console widget.

Issue 6 "Speed": round trip of a trivial command and throughput of a large output over
the loopback WinRM server, both ways in the same run; the widget should add ≤ 10 %.
The server runs in its own low-priority process (it stands in for another machine).

    QT_QPA_PLATFORM=offscreen python -m bench.bench_console [--mb 20] [--rounds 20]

Not a timed test: it prints numbers and ratios, and exits 0.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.console_window import psrp_factory
from nanostudio.remote.events import SessionEvent
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.psrp_session import PsrpSession
from nanostudio.remote.settings import ConnectionSettings
from tests.remote.server_process import ServerProcess
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER

TRIVIAL = "$x"


@dataclass(frozen=True)
class Measure:
    round_trip_ms: float
    seconds: float
    lines: int
    longest_gap_ms: float = 0.0  # GUI thread, during the large output (widget only)
    client_cpu_s: float = 0.0  # this process, during the large output
    server_cpu_s: float = 0.0  # the loopback server, during the large output

    @property
    def mb_per_s(self) -> float:
        return 0.0 if self.seconds == 0 else BYTES / self.seconds / 1e6


BYTES = 0  # set from --mb


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_alone(
    settings: ConnectionSettings, rounds: int, mb: float, server: ServerProcess
) -> Measure:
    """PsrpSession in this process, events counted and dropped."""
    session = PsrpSession(settings, ADMIN_PASSWORD)
    session.open()
    count = [0]

    def sink(event: SessionEvent) -> None:
        count[0] += 1

    try:
        session.run("$x = 1", sink)
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            session.run(TRIVIAL, sink)
            times.append(time.perf_counter() - started)
        count[0] = 0
        cpu, server_cpu = _cpu_seconds(), server.cpu_seconds()
        started = time.perf_counter()
        session.run(f"Get-BigOutput -MB {mb:g}", sink)
        seconds = time.perf_counter() - started
        cpu, server_cpu = _cpu_seconds() - cpu, server.cpu_seconds() - server_cpu
    finally:
        session.close()
    round_trip_ms = statistics.median(times) * 1000
    return Measure(round_trip_ms, seconds, count[0], client_cpu_s=cpu, server_cpu_s=server_cpu)


def _wait(app: QApplication, done: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start()
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the console did not finish in time")
        loop.exec()
    poll.stop()


def through_widget(
    app: QApplication, settings: ConnectionSettings, rounds: int, mb: float, server: ServerProcess
) -> Measure:
    """The console widget with its production session; a command ends when it is painted."""
    widget = ConsoleWidget("NANO1", psrp_factory(settings, ADMIN_PASSWORD), CommandHistory())
    widget.resize(900, 600)
    widget.show()
    finished: list[object] = []
    widget.command_finished.connect(finished.append)

    def run(script: str) -> float:
        finished.clear()
        started = time.perf_counter()
        widget.submit(script)
        _wait(app, lambda: bool(finished) and not widget._flush_timer.isActive(), 600)
        return time.perf_counter() - started

    try:
        widget.start()
        _wait(app, lambda: widget.state == ConsoleState.IDLE, 60)
        run("$x = 1")
        times = [run(TRIVIAL) for _ in range(rounds)]
        ticks: list[float] = []
        ticker = QTimer()
        ticker.setInterval(10)
        ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
        ticker.start()
        cpu, server_cpu = _cpu_seconds(), server.cpu_seconds()
        seconds = run(f"Get-BigOutput -MB {mb:g}")
        cpu, server_cpu = _cpu_seconds() - cpu, server.cpu_seconds() - server_cpu
        ticker.stop()
        lines = widget.output.document().blockCount()
    finally:
        widget.shutdown().wait(20_000)
    longest = max((b - a for a, b in itertools.pairwise(ticks)), default=0.0)
    round_trip_ms = statistics.median(times) * 1000
    return Measure(
        round_trip_ms, seconds, lines, longest * 1000, client_cpu_s=cpu, server_cpu_s=server_cpu
    )


def main() -> int:
    global BYTES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    BYTES = int(args.mb * 1024 * 1024)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    server = ServerProcess()
    with server as (host, port):
        settings = ConnectionSettings(host=host, port=port, user=ADMIN_USER, timeout_s=30)
        alone = client_alone(settings, args.rounds, args.mb, server)
        widget = through_widget(app, settings, args.rounds, args.mb, server)
    load = os.getloadavg()[0]
    print(f"loopback WinRM (NTLM, encrypted HTTP), {args.mb:g} MB output, load average {load:.1f}")
    print(f"{'':24}{'client alone':>14}{'via widget':>14}{'ratio':>8}")
    print(
        f"{'round trip (median)':24}{alone.round_trip_ms:>11.1f} ms{widget.round_trip_ms:>11.1f} ms"
        f"{widget.round_trip_ms / alone.round_trip_ms:>8.2f}"
    )
    print(
        f"{'large output':24}{alone.seconds:>12.2f} s{widget.seconds:>12.2f} s"
        f"{widget.seconds / alone.seconds:>8.2f}"
    )
    print(f"{'throughput':24}{alone.mb_per_s:>9.2f} MB/s{widget.mb_per_s:>9.2f} MB/s")
    mb_out = BYTES / 1e6
    # CPU time per MB bounds the rate whatever the load: one core does 1 / this MB/s.
    # "Via widget" is the GUI process only; its session process costs what "alone" does.
    alone_cpu, widget_cpu = alone.client_cpu_s / mb_out, widget.client_cpu_s / mb_out
    print(f"{'CPU per MB':24}{alone_cpu:>12.3f} s{widget_cpu:>12.3f} s")
    print(
        f"{'server CPU per MB':24}{alone.server_cpu_s / mb_out:>12.3f} s"
        f"{widget.server_cpu_s / mb_out:>12.3f} s  (the loopback server, at nice 19)"
    )
    print(f"lines received alone: {alone.lines}; lines kept in the widget: {widget.lines}")
    print(
        f"longest GUI-thread gap during the large output: {widget.longest_gap_ms:.0f} ms"
        " (target <= 50 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
