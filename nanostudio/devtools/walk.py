"""Drive the wizard as a user would, for the screenshots command and the benchmark.

Everything goes through the pages' own handlers (the same code a click runs);
waiting uses a local event loop with a deadline, never a busy loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtWidgets import QWizard

from nanostudio.engine.engines import EngineName
from nanostudio.errors import UserFacingError
from nanostudio.gui.pages.drivers import DriversPage
from nanostudio.gui.pages.edition import EditionPage
from nanostudio.gui.pages.identity import IdentityPage
from nanostudio.gui.pages.network import NetworkPage
from nanostudio.gui.pages.source import SourcePage
from nanostudio.gui.pages.target import TargetPage
from nanostudio.gui.settings import Settings
from nanostudio.gui.wizard_window import NanoWizard, initial_state
from nanostudio.recipe.model import Target
from nanostudio.wizard.navigation import is_busy
from nanostudio.wizard.pages import Page

PASSWORD_FOR_SAMPLES = "Sample-Pass1"  # shown nowhere: the fields mask it

_GOOD_INF = """\
[Version]
Signature="$WINDOWS NT$"
Class=Net
Provider=%Vendor%
DriverVer=03/14/2016,12.15.22.6

[Manufacturer]
%Vendor% = Models, NTamd64

[Models.NTamd64]
%Adapter% = Install, PCI\\VEN_8086&DEV_100E

[Strings]
Vendor="Contoso Networks"
Adapter="Contoso Gigabit Adapter"
"""
_X86_INF = """\
[Version]
Signature="$WINDOWS NT$"
Class=Media
Provider=Fabrikam
DriverVer=01/02/2009,5.1.0.3

[Manufacturer]
Fabrikam = Models

[Models]
Fabrikam Sound = Install, PCI\\VEN_1234&DEV_5678
"""


def write_sample_drivers(folder: Path) -> Path:
    """A driver folder with one usable amd64 INF and one x86-only INF."""
    (folder / "net").mkdir(parents=True, exist_ok=True)
    (folder / "audio").mkdir(parents=True, exist_ok=True)
    (folder / "net" / "contoso.inf").write_text(_GOOD_INF, encoding="utf-8")
    (folder / "audio" / "fabrikam.inf").write_text(_X86_INF, encoding="utf-8")
    return folder


def open_sample_wizard(work: Path, size: QSize) -> NanoWizard:
    """A shown wizard with its settings in ``work``, building ``work/out/NANO1.vhdx``
    with the portable engine (the one engine that runs on any machine)."""
    (work / "out").mkdir()
    settings = Settings(work / "settings.ini")
    state = initial_state(settings)
    state.output_path = work / "out" / "NANO1.vhdx"
    state.engine = EngineName.PORTABLE
    wizard = NanoWizard(settings, state)
    wizard.resize(size)
    wizard.show()
    return wizard


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition`` holds; raise after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start()
    while not condition():
        if time.monotonic() > deadline:
            timer.stop()
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        loop.exec()
    timer.stop()


class WizardWalker:
    """Fills each page of a wizard with the sample media and sensible answers."""

    def __init__(self, wizard: NanoWizard) -> None:
        self.wizard = wizard

    def page(self) -> Page:
        return self.wizard.current()

    def next(self, expected: Page, timeout_s: float = 60) -> None:
        """Press Next once the page's background work (inspection, plan check) is over."""
        state = self.wizard.state
        current = self.page()
        wait_until(lambda: not is_busy(state, current), timeout_s, f"{current.name} to settle")
        if not self.wizard.button(QWizard.WizardButton.NextButton).isEnabled():
            shown = self.wizard.pages[current].shown_problems()
            raise UserFacingError(f"Next is disabled on {current.name}: {shown}")
        self.wizard.next()
        if self.page() is not expected:
            raise UserFacingError(f"expected page {expected.name}, got {self.page().name}")

    def source(self, media: Path, timeout_s: float = 60) -> None:
        page = self.wizard.pages[Page.SOURCE]
        assert isinstance(page, SourcePage)
        page.choose(media)
        wait_until(lambda: not self.wizard.state.inspecting, timeout_s, "media inspection")

    def target(self, target: Target) -> None:
        page = self.wizard.pages[Page.TARGET]
        assert isinstance(page, TargetPage)
        page.choose(target)

    def roles(self, *shorts: str) -> None:
        page = self.wizard.pages[Page.EDITION]
        assert isinstance(page, EditionPage)
        for short in shorts:
            page.set_role(short, True)

    def drivers(self, *folders: Path) -> None:
        page = self.wizard.pages[Page.DRIVERS]
        assert isinstance(page, DriversPage)
        for folder in folders:
            page.add_folder(folder)
        state = self.wizard.state
        wait_until(lambda: not state.scanning_drivers, 60, "the driver folders to be read")

    def updates(self, updates: list[Path], copies: list[tuple[Path, str]]) -> None:
        """Add updates and copies (each source into its folder of the image)."""
        from nanostudio.gui.pages.updates import UpdatesPage

        page = self.wizard.pages[Page.UPDATES]
        assert isinstance(page, UpdatesPage)
        page.add_updates(updates)
        for source, destination in copies:
            page.add_sources([source], destination)
        state = self.wizard.state
        wait_until(lambda: not state.scanning_copies, 60, "the files to copy to be read")

    def identity(self, name: str, password: str, zone_search: str = "") -> None:
        page = self.wizard.pages[Page.IDENTITY]
        assert isinstance(page, IdentityPage)
        page.name_edit.setText(name)
        page.name_edit.textEdited.emit(name)
        page.password_edit.setText(password)
        page.confirm_edit.setText(password)
        if zone_search:
            page.zone_search.setText(zone_search)
            if page.zone_list.count():
                page.zone_list.setCurrentRow(0)

    def static_network(self, address: str, prefix: int, gateway: str, dns: str) -> None:
        page = self.wizard.pages[Page.NETWORK]
        assert isinstance(page, NetworkPage)
        page.static_button.setChecked(True)
        for edit, text in (
            (page.address_edit, address),
            (page.gateway_edit, gateway),
            (page.dns_edit, dns),
        ):
            edit.setText(text)
            edit.textEdited.emit(text)
        page.prefix_box.setValue(prefix)
