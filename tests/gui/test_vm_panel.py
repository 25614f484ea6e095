"""The Done page's "Start VM and connect": create → start → doctor → console, with a fake
hypervisor whose VM is the loopback WinRM server (standing in for a booted VM)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from nanostudio.engine.edit.image_facts import ImageFacts
from nanostudio.engine.events import BuildOutcome, Status
from nanostudio.gui.console.console_widget import ConsoleState
from nanostudio.gui.console.console_window import ConsoleWindow
from nanostudio.gui.pages.done import DonePage
from nanostudio.gui.settings import Settings
from nanostudio.gui.vm_panel import VmList
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.recipe.model import Target
from nanostudio.remote.doctor import LAYERS, Layer
from nanostudio.secret import Secret
from nanostudio.vm.model import (
    Hypervisor,
    StartResult,
    VmError,
    VmRecord,
    VmSpec,
    VmState,
    hypervisor_for,
    now_iso,
)
from nanostudio.vm.store import VmStore
from nanostudio.wizard import WizardState, preset
from tests.support.fixtures_winrm import ADMIN_PASSWORD
from tests.support.winrm_server import LoopbackWinRM, free_port

TIMEOUT_MS = 30_000


@dataclass
class LoopbackHypervisor:
    """A FAKE hypervisor: its VM "runs" while the loopback WinRM server listens."""

    port: int
    hypervisor: Hypervisor = Hypervisor.QEMU
    fail_start: str | None = None
    states: dict[str, VmState] = field(default_factory=dict)

    def create(self, spec: VmSpec) -> VmRecord:
        return VmRecord(spec.name, Hypervisor.QEMU, spec.disk, spec.target, spec.disk.parent,
                        "127.0.0.1", self.port, now_iso())  # fmt: skip

    def start(self, record: VmRecord) -> StartResult:
        if self.fail_start:
            raise VmError(self.fail_start)
        self.states[record.name] = VmState.RUNNING
        return StartResult(record)

    def status(self, record: VmRecord) -> VmState:
        return self.states.get(record.name, VmState.STOPPED)

    def stop(self, record: VmRecord, *, graceful_s: float = 60.0) -> VmRecord:
        self.states[record.name] = VmState.STOPPED
        return record

    def delete(self, record: VmRecord) -> None:
        self.states.pop(record.name, None)


def done_page(tmp_path: Path, password: str) -> DonePage:
    disk = tmp_path / "nano.vhdx"
    disk.write_bytes(b"vhdx")
    state = WizardState()
    state.target = Target.KVM
    state.computer_name = "NANO1"
    state.password = Secret(password)
    state.static_ip, state.address, state.gateway = True, "192.168.56.10", "192.168.56.1"
    state.output_path = disk
    state.outcome = BuildOutcome(Status.SUCCEEDED, disk, 3.0)
    page = DonePage(state, Settings(tmp_path / "config.ini"))
    page.load()
    return page


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path) -> Iterator[DonePage]:
    page = done_page(tmp_path, ADMIN_PASSWORD)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    yield page
    page.wait_idle()


def test_one_click_boots_waits_and_opens_the_console_without_a_dialog(
    page: DonePage, qtbot: QtBot, winrm_server: LoopbackWinRM
) -> None:
    panel = page.vm_panel
    assert panel.start_button.isEnabled()
    assert "QEMU" in panel.intro.text()
    fake = LoopbackHypervisor(winrm_server.port)
    panel.backend_factory = lambda hypervisor, consent: fake
    panel.job_poll_s = 0.2
    with qtbot.waitSignal(panel.connected, timeout=TIMEOUT_MS) as opened:
        panel.start_button.click()
        assert not panel.start_button.isEnabled() and panel.cancel_button.isVisible()
    window = opened.args[0]
    assert isinstance(window, ConsoleWindow)
    qtbot.addWidget(window)
    assert window.connect_dialog is None  # the build's password: nothing to fill in
    console = window.console
    assert console is not None
    qtbot.waitUntil(lambda: console.state == ConsoleState.IDLE, timeout=TIMEOUT_MS)
    assert all(panel.doctor.row_text(layer)[0].startswith("✓") for layer in LAYERS)
    assert "NANO1" in panel.doctor.row_text(Layer.HOSTNAME)[1]
    assert "Connected to NANO1" in panel.status.text()
    assert [r.name for r in VmStore().all()] == ["NANO1"]
    window.close()
    assert all(session.wait(TIMEOUT_MS) for session in window.ended_sessions())


def test_vm_that_never_answers_is_diagnosed_and_can_be_cancelled(
    page: DonePage, qtbot: QtBot
) -> None:
    panel = page.vm_panel
    panel.backend_factory = lambda hypervisor, consent: LoopbackHypervisor(free_port())
    with qtbot.waitSignal(panel.launched, timeout=TIMEOUT_MS):
        panel.start_button.click()
    qtbot.waitUntil(
        lambda: panel.doctor.row_text(Layer.PORT)[0].startswith("…"), timeout=TIMEOUT_MS
    )
    assert "usually up to" in panel.doctor.row_text(Layer.PORT)[2]
    assert panel.job is not None
    with qtbot.waitSignal(panel.job.diagnosed, timeout=TIMEOUT_MS):
        panel.cancel_button.click()
    assert "Stopped waiting" in panel.status.text()
    assert panel.start_button.isEnabled()


def test_start_failure_and_the_remembered_vm_list(page: DonePage, qtbot: QtBot) -> None:
    panel = page.vm_panel
    fake = LoopbackHypervisor(free_port(), fail_start="QEMU did not start: no KVM here")
    panel.backend_factory = lambda hypervisor, consent: fake
    assert panel.job is None
    panel.start_button.click()
    assert panel.job is not None
    with qtbot.waitSignal(panel.job.failed, timeout=TIMEOUT_MS):
        pass
    qtbot.waitUntil(lambda: "could not be started" in panel.status.text(), timeout=TIMEOUT_MS)
    assert "no KVM here" in panel.status.text()
    assert VmStore().all() == []  # undone
    record = fake.create(VmSpec("OLD1", Path("/x/old.vhdx"), Target.KVM))
    VmStore().put(record)
    fake.states["OLD1"] = VmState.RUNNING
    panel.refresh_vms()
    qtbot.waitUntil(lambda: panel.vm_list.topLevelItem(0).text(2) == "running", timeout=5000)
    panel.vm_list.setCurrentItem(panel.vm_list.topLevelItem(0))
    assert panel.vm_stop.isEnabled() and not panel.vm_start.isEnabled()
    panel.vm_stop.click()
    qtbot.waitUntil(lambda: "OLD1 stopped." in panel.status.text(), timeout=5000)
    assert fake.states["OLD1"] is VmState.STOPPED
    qtbot.waitUntil(lambda: panel.vm_list.topLevelItem(0).text(2) == "stopped", timeout=5000)
    panel.vm_list.setCurrentItem(panel.vm_list.topLevelItem(0))
    panel.vm_delete.click()
    qtbot.waitUntil(lambda: VmStore().all() == [], timeout=5000)


def test_button_is_off_without_a_password_or_for_vmware(qtbot: QtBot, tmp_path: Path) -> None:
    page = done_page(tmp_path, "")
    qtbot.addWidget(page)
    assert not page.vm_panel.start_button.isEnabled()
    assert "password is not known" in page.vm_panel.intro.text()
    page.state.password = Secret("x")
    page.state.target = Target.VMWARE
    page.load()
    assert not page.vm_panel.start_button.isEnabled()
    assert "for VMware use the commands" in page.vm_panel.intro.text()


def first_row(vms: VmList) -> QTreeWidgetItem:
    item = vms.vm_list.topLevelItem(0)
    assert item is not None
    return item


def test_the_welcome_page_lists_remembered_vms_with_the_same_panel(
    wizard: NanoWizard, qtbot: QtBot, winrm_server: LoopbackWinRM
) -> None:
    """Welcome shows the Done page's list (``VmList``): states read on a worker, then
    Stop, Start, Connect (the console asks for the password: no build this run) and
    Delete; with nothing remembered, no list at all."""
    page = wizard.welcome
    vms = page.vms
    assert vms is not None and not vms.isVisible()  # a first-time user sees no empty list
    fake = LoopbackHypervisor(winrm_server.port)
    vms.backend_factory = lambda hypervisor, consent: fake
    VmStore().put(fake.create(VmSpec("OLD1", Path("/x/old.vhdx"), Target.KVM)))
    fake.states["OLD1"] = VmState.RUNNING
    slow = threading.Event()
    status = fake.status

    def slow_status(record: VmRecord) -> VmState:
        slow.wait(5)  # a hypervisor tool that takes its time: the GUI must not wait for it
        return status(record)

    fake.status = slow_status  # type: ignore[method-assign]
    started = time.monotonic()
    vms.refresh()
    assert time.monotonic() - started < 1.0
    assert vms.isVisible() and vms.vm_list.topLevelItemCount() == 1
    assert first_row(vms).text(2) == "…"
    slow.set()
    qtbot.waitUntil(lambda: first_row(vms).text(2) == "running", timeout=5000)
    vms.vm_list.setCurrentItem(first_row(vms))
    assert vms.vm_stop.isEnabled() and vms.vm_connect.isEnabled()
    assert not vms.vm_start.isEnabled()
    assert vms.window() is wizard
    vms.vm_connect.click()
    window = vms.console
    assert isinstance(window, ConsoleWindow)
    qtbot.addWidget(window)
    assert window.connect_dialog is not None  # no build's password to reuse here
    assert window.connect_dialog.host_edit.text() == "127.0.0.1"
    assert window.connect_dialog.port_spin.value() == winrm_server.port
    window.close()
    assert all(session.wait(TIMEOUT_MS) for session in window.ended_sessions())
    vms.vm_stop.click()
    qtbot.waitUntil(lambda: "OLD1 stopped." in vms.status.text(), timeout=5000)
    qtbot.waitUntil(lambda: first_row(vms).text(2) == "stopped", timeout=5000)
    vms.vm_list.setCurrentItem(first_row(vms))
    assert vms.vm_start.isEnabled()
    vms.vm_start.click()
    qtbot.waitUntil(lambda: "OLD1 started." in vms.status.text(), timeout=5000)
    assert fake.states["OLD1"] is VmState.RUNNING
    qtbot.waitUntil(lambda: first_row(vms).text(2) == "running", timeout=5000)
    vms.vm_list.setCurrentItem(first_row(vms))
    vms.vm_delete.click()
    qtbot.waitUntil(lambda: VmStore().all() == [], timeout=5000)
    qtbot.waitUntil(lambda: not vms.isVisible(), timeout=5000)
    assert "OLD1" not in fake.states


def edit_done_page(qtbot: QtBot, tmp_path: Path, drivable: tuple[Target, ...] | None) -> DonePage:
    """The Done page of an edit (WinRM open) whose image's drivers serve ``drivable``."""
    page = done_page(tmp_path, ADMIN_PASSWORD)
    qtbot.addWidget(page)
    page.state.start_edit(tmp_path / "old.vhdx")
    page.state.winrm = True
    page.state.edit_facts = ImageFacts(drivable=drivable)
    page.load()
    return page


@pytest.mark.parametrize(
    ("drivable", "offered"),
    [((Target.HYPERV_GEN2, Target.KVM), Target.KVM), ((Target.VIRTUALBOX,), Target.VIRTUALBOX)],
)
def test_an_edit_is_offered_a_vm_its_own_drivers_serve(
    qtbot: QtBot, tmp_path: Path, drivable: tuple[Target, ...], offered: Target
) -> None:
    """An edit adds no target's drivers: the remembered target (KVM here) is offered
    only if the image's own drivers serve it, else the first VM they serve."""
    page = edit_done_page(qtbot, tmp_path, drivable)
    assert not page.commands.isHidden()
    assert preset(offered).label in page.commands.title.text()
    assert f"they serve {offered.label}" in page.notes.text()
    hypervisor = hypervisor_for(offered)
    assert hypervisor is not None and hypervisor.label in page.vm_panel.intro.text()
    assert page.vm_panel.start_button.isEnabled()
    page.wait_idle()


@pytest.mark.parametrize("drivable", [(), None], ids=["none", "not-read"])
def test_an_edit_whose_drivers_serve_no_vm_is_offered_none(
    qtbot: QtBot, tmp_path: Path, drivable: tuple[Target, ...] | None
) -> None:
    page = edit_done_page(qtbot, tmp_path, drivable)
    assert page.commands.isHidden()
    assert not page.vm_panel.start_button.isEnabled()
    expected = "serve none of the VMs" if drivable == () else "could not be read"
    assert expected in page.vm_panel.intro.text()
    assert expected in page.notes.text()
    page.wait_idle()
