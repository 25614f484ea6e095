"""Render the Done page's "Start it here" tab while waiting, after a failure and after
success, into docs/screenshots (offscreen). Run: python -m tests.gui.render_vm_screenshots

The layer events are what the doctor reports for a first boot under KVM; the page is
the real one, fed through the same slots the worker's signals reach.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from nanostudio.gui.vm_panel import BackendFactory
from nanostudio.remote.doctor import (
    Diagnosis,
    Layer,
    LayerEvent,
    LayerState,
    expectations,
)
from nanostudio.vm.backends import VmBackend
from nanostudio.vm.model import GuestNetwork, Hypervisor, StartResult, VmRecord, VmState
from nanostudio.vm.store import VmStore
from tests.gui.test_vm_panel import LoopbackHypervisor, done_page

PASSED, WAITING, FAILED = LayerState.PASSED, LayerState.WAITING, LayerState.FAILED
EXPECTED = expectations(kvm=True)


def event(layer: Layer, state: LayerState, detail: str, at: float) -> LayerEvent:
    return LayerEvent(layer, state, detail, at, EXPECTED[layer])


BASE = [
    event(Layer.VM, PASSED, "NANO1 runs (QEMU)", 0.4),
    event(Layer.ADDRESS, PASSED, "127.0.0.1, port 41985", 0.4),
    event(Layer.PORT, PASSED, "127.0.0.1:41985 accepts connections", 0.5),
]


def _factory(fake: LoopbackHypervisor) -> BackendFactory:
    def make(hypervisor: Hypervisor, consent: Callable[[str], bool] | None) -> VmBackend:
        return fake

    return make


def main(dest: Path) -> list[Path]:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv)
    written = []
    with tempfile.TemporaryDirectory() as temp:
        os.environ["NANOSTUDIO_HOME"] = temp
        record = VmRecord("NANO1", Hypervisor.QEMU, Path(temp) / "nano.vhdx", __import__(
            "nanostudio.recipe.model", fromlist=["Target"]).Target.KVM, Path(temp), "127.0.0.1",
            41985, "2026-12-06T10:00:00+00:00", GuestNetwork("192.168.56.10/24"))  # fmt: skip
        VmStore().put(record)
        for name, events, finish in (
            (
                "done-vm-waiting",
                [*BASE, event(Layer.HTTP, WAITING, "127.0.0.1:41985 accepts connections but "
                 "does not answer (nothing within 5 s): Windows is not listening yet", 94)],
                None,
            ),
            (
                "done-vm-failed",
                [*BASE, event(Layer.HTTP, PASSED, "WinRM answers (HTTP 401: it asks for "
                 "credentials)", 301), event(Layer.CREDENTIALS, FAILED, "127.0.0.1 rejected "
                 "the user name or password for 'Administrator'", 302)],
                Diagnosis(False, Layer.CREDENTIALS, "127.0.0.1 rejected the user name or "
                          "password for 'Administrator'.", 302, hint="Use the administrator "
                          "password typed for this image (user Administrator)."),
            ),
            (
                "done-vm-connected",
                [*BASE, event(Layer.HTTP, PASSED, "WinRM answers (HTTP 401: it asks for "
                 "credentials)", 301), event(Layer.CREDENTIALS, PASSED, "accepted for "
                 "Administrator", 302), event(Layer.SHELL, PASSED, "a WinRS shell opened", 302),
                 event(Layer.HOSTNAME, PASSED, "the VM calls itself NANO1", 302)],
                Diagnosis(True, None, "connected", 302.4, hostname="NANO1"),
            ),
        ):  # fmt: skip
            page = done_page(Path(temp), "Nano-Pass1")
            page.resize(900, 720)
            page.show()
            panel = page.vm_panel
            fake = LoopbackHypervisor(41985, states={"NANO1": VmState.RUNNING})
            panel.backend_factory = _factory(fake)
            panel.refresh_vms()
            panel.doctor.reset()
            panel._on_started(StartResult(record))
            for item in events:
                panel._on_layer(item)
            if finish is not None:
                panel._finish()
                if finish.ok:
                    panel.status.setText(f"{finish} Opening the console…")
                else:
                    panel.status.setText(str(finish))
            else:
                panel.start_button.setEnabled(False)
                panel.cancel_button.show()
                panel.doctor._started -= 94  # type: ignore[operator]
                panel.doctor._tick()
            for _ in range(40):
                app.processEvents()
                time.sleep(0.02)
            path = dest / f"{name}.png"
            page.grab().save(str(path))
            written.append(path)
            page.close()
    return written


if __name__ == "__main__":
    for written_path in main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(written_path)
