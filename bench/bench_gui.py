"""Responsiveness of the wizard (not a test: it reports, it does not assert).

    python bench/bench_gui.py [--payload-mib 64] [--runs 5] [--json PATH]

1. Stalls: a full build with the portable engine through the GUI, offscreen, from
   choosing the ISO to the Done page, while a 10 ms QTimer on the GUI thread records
   the gap between its ticks. The longest gap is the longest the window froze.
   Target: <= 50 ms.
2. Start-up: time from process start to the first page painted, for NanoStudio's
   wizard and for a bare PySide6 QWizard, measured alike in child processes of this
   run (median of ``--runs``). Target: NanoStudio <= 1.30x the bare QWizard.
   ``--baseline TREE`` also times another checkout's start-up in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# --baseline runs this same script against another checkout's code.
sys.path.insert(
    0, os.environ.get("NANOSTUDIO_BENCH_TREE") or str(Path(__file__).resolve().parents[1])
)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 10
THINK_MS = 150  # between two user actions
PAINTED = "first-page-painted"


# -- start-up: child processes -------------------------------------------------------------


def child_bare() -> None:
    """A bare QWizard with one page, as small as a PySide6 wizard gets."""
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage

    app = QApplication([])
    wizard = QWizard()
    page = QWizardPage()
    page.setTitle("Welcome")
    QVBoxLayout(page).addWidget(QLabel("A bare QWizard"))
    wizard.addPage(page)
    _report_first_paint(page)
    wizard.show()
    app.exec()


def child_nanostudio(home: str) -> None:
    """NanoStudio's start-up as ``run()`` does it, up to the Welcome page painted."""
    os.environ["NANOSTUDIO_HOME"] = home
    from nanostudio.gui.app import configure_logging, create_application
    from nanostudio.gui.settings import Settings
    from nanostudio.gui.wizard_window import NanoWizard
    from nanostudio.wizard import Page

    configure_logging()
    app = create_application()
    wizard = NanoWizard(Settings(), deferred=True)  # as run() does
    _report_first_paint(wizard.pages[Page.WELCOME].body)  # the page is covered by its scroll area
    wizard.show()
    app.exec()


def _report_first_paint(widget: object) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                print(PAINTED, time.process_time(), flush=True)
                watched.removeEventFilter(self)
                QTimer.singleShot(0, QApplication.quit)
            return False

    watcher = FirstPaint(QApplication.instance())
    assert isinstance(widget, QObject)
    widget.installEventFilter(watcher)


def time_start_up(kind: str, home: Path, tree: Path | None = None) -> tuple[float, float]:
    """Seconds from spawning the child to its first-paint line.

    ``tree``: import another checkout's code (``--baseline``). Returns (wall, CPU)
    seconds; CPU time (the child's own, to its first paint) is far less noisy on a
    shared machine."""
    argv = [sys.executable, __file__, "--child", kind, "--home", str(home)]
    # Like an installed app, both children run from bytecode: cached under the work
    # folder by the warm-up runs (PYTHONDONTWRITEBYTECODE would have a source tree
    # compile its modules in every run, ~10 ms that no user pays; the bare QWizard's
    # site-packages are compiled already).
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(home / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if tree is not None:
        env["NANOSTUDIO_BENCH_TREE"] = str(tree)
    began = time.perf_counter()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(PAINTED):
                elapsed = time.perf_counter() - began
                cpu = float(line.split()[1])
                break
        else:
            raise RuntimeError(f"{kind} child never painted (exit {child.wait()})")
        child.wait(timeout=30)
    return elapsed, cpu


# -- stalls: a build through the GUI in this process -----------------------------------


class TickRecorder:
    """Gaps between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.phase = "start"
        self.longest: dict[str, float] = {}
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self.gaps.append(gap)
        self.longest[self.phase] = max(self.longest.get(self.phase, 0.0), gap)
        self._last = now


def measure_stalls(work: Path, payload_mib: int) -> dict[str, object]:
    from PySide6.QtCore import QEventLoop, QSize, QTimer

    from nanostudio.devtools.sample_media import write_sample_media
    from nanostudio.devtools.walk import (
        PASSWORD_FOR_SAMPLES,
        WizardWalker,
        open_sample_wizard,
        wait_until,
    )
    from nanostudio.gui.app import create_application, dispose
    from nanostudio.wizard import BuildStatus, Page, Target

    create_application()
    sample = write_sample_media(work / "sample", payload_mib=payload_mib)
    iso = sample.iso
    assert iso is not None
    wizard = open_sample_wizard(work, QSize(900, 720))
    state = wizard.state
    walker = WizardWalker(wizard)
    ticks = TickRecorder()

    def user(action: Callable[[], None]) -> None:
        """One user action, then the event loop runs (a person reads, then clicks)."""
        action()
        pause = QEventLoop()
        QTimer.singleShot(THINK_MS, pause.quit)
        pause.exec()

    ticks.start()
    ticks.phase = "idle"  # the machine's own noise, for comparison
    idle = QEventLoop()
    QTimer.singleShot(2000, idle.quit)
    idle.exec()
    began = time.perf_counter()
    ticks.phase = "inspection"
    user(lambda: walker.next(Page.SOURCE))
    user(lambda: walker.source(iso))
    inspected = time.perf_counter() - began
    ticks.phase = "pages"
    user(lambda: walker.next(Page.TARGET))
    user(lambda: walker.target(Target.KVM))
    user(lambda: walker.next(Page.EDITION))
    user(lambda: walker.roles("DNS", "NPDS"))
    user(lambda: walker.next(Page.DRIVERS))
    user(lambda: walker.next(Page.UPDATES))
    user(lambda: walker.next(Page.IDENTITY))
    user(lambda: walker.identity("BENCH1", PASSWORD_FOR_SAMPLES, "utc"))
    user(lambda: walker.next(Page.NETWORK))
    user(lambda: walker.next(Page.OUTPUT))
    ticks.phase = "plan check"
    user(lambda: walker.next(Page.SUMMARY))
    ticks.phase = "build"
    user(lambda: walker.next(Page.BUILD))
    build_began = time.perf_counter()
    wait_until(lambda: not state.build_status.active, 900, "the build")
    wait_until(lambda: wizard.current() is Page.DONE, 10, "the Done page")
    build_s = time.perf_counter() - build_began
    ticks.stop()
    if state.build_status is not BuildStatus.SUCCEEDED:
        raise RuntimeError(f"the build failed: {state.outcome}")
    events = wizard.build_page.log_pane.all_text().count("\n") + 1
    wizard.close()
    dispose(wizard)
    gaps_ms = sorted(gap * 1000 for gap in ticks.gaps)
    return {
        "payload_mib": payload_mib,
        "inspection_s": round(inspected, 3),
        "build_s": round(build_s, 3),
        "log_lines": events,
        "ticks": len(gaps_ms),
        "longest_gap_ms": round(gaps_ms[-1], 1),
        "p99_gap_ms": round(gaps_ms[int(len(gaps_ms) * 0.99) - 1], 1),
        "median_gap_ms": round(statistics.median(gaps_ms), 1),
        "longest_gap_ms_by_phase": {k: round(v * 1000, 1) for k, v in ticks.longest.items()},
        "load_average": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payload-mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--start-up-only", action="store_true", help="skip the build's stalls")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout whose start-up is measured alike"
    )
    parser.add_argument("--child", choices=("bare", "nanostudio"), help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare()
        return 0
    if args.child == "nanostudio":
        child_nanostudio(args.home)
        return 0
    with tempfile.TemporaryDirectory(prefix="nanostudio-bench-") as temp:
        work = Path(temp)
        # Warm the file cache for both alike, then alternate the runs.
        time_start_up("bare", work)
        time_start_up("nanostudio", work)
        baseline = args.baseline.resolve() if args.baseline else None
        if baseline is not None:
            time_start_up("nanostudio", work, baseline)
        bare, ours, theirs = [], [], []
        for _ in range(args.runs):
            bare.append(time_start_up("bare", work))
            ours.append(time_start_up("nanostudio", work))
            if baseline is not None:
                theirs.append(time_start_up("nanostudio", work, baseline))
        start_up: dict[str, float] = {}
        for key, runs in (("bare_qwizard", bare), ("nanostudio", ours), ("baseline", theirs)):
            if runs:
                start_up[f"{key}_s"] = round(statistics.median(r[0] for r in runs), 3)
                start_up[f"{key}_cpu_s"] = round(statistics.median(r[1] for r in runs), 3)
        start_up["ratio"] = round(start_up["nanostudio_s"] / start_up["bare_qwizard_s"], 2)
        start_up["cpu_ratio"] = round(
            start_up["nanostudio_cpu_s"] / start_up["bare_qwizard_cpu_s"], 2
        )
        if theirs:
            start_up["baseline_ratio"] = round(
                start_up["baseline_s"] / start_up["bare_qwizard_s"], 2
            )
            start_up["baseline_cpu_ratio"] = round(
                start_up["baseline_cpu_s"] / start_up["bare_qwizard_cpu_s"], 2
            )
        stalls = None if args.start_up_only else measure_stalls(work, args.payload_mib)
    report = {"start_up": start_up, "stalls": stalls}
    print(f"start-up (median of {args.runs}, process start to first page painted):")
    print(
        f"  bare QWizard     {start_up['bare_qwizard_s']:.3f} s, "
        f"CPU {start_up['bare_qwizard_cpu_s']:.3f} s"
    )
    print(
        f"  NanoStudio       {start_up['nanostudio_s']:.3f} s  "
        f"(ratio {start_up['ratio']:.2f}, target <= 1.30), "
        f"CPU {start_up['nanostudio_cpu_s']:.3f} s "
        f"(ratio {start_up['cpu_ratio']:.2f})"
    )
    if theirs:
        print(
            f"  baseline         {start_up['baseline_s']:.3f} s  "
            f"(ratio {start_up['baseline_ratio']:.2f}), CPU {start_up['baseline_cpu_s']:.3f} s "
            f"(ratio {start_up['baseline_cpu_ratio']:.2f}; {baseline})"
        )
    if stalls is None:
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return 0
    print(
        f"GUI thread during inspection + build of {args.payload_mib} MiB payload "
        f"({stalls['build_s']:.1f} s build, {stalls['log_lines']} log lines):"
    )
    print(
        f"  longest gap {stalls['longest_gap_ms']:.1f} ms (target <= 50), "
        f"p99 {stalls['p99_gap_ms']:.1f} ms, median {stalls['median_gap_ms']:.1f} ms "
        f"over {stalls['ticks']} ticks of {TICK_MS} ms"
    )
    phases = stalls["longest_gap_ms_by_phase"]
    assert isinstance(phases, dict)
    print("  longest gap by phase: " + ", ".join(f"{k} {v:.0f} ms" for k, v in phases.items()))
    print(f"  (1-minute load average of this machine: {stalls['load_average']:.1f})")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
