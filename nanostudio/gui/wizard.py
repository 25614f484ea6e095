"""The wizard window: pages in order, buttons that follow the model, guarded closing."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox, QWizard

from nanostudio.build.engines import EngineName
from nanostudio.build.events import BuildOutcome, Status
from nanostudio.gui.icons import app_icon
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.build import BuildPage
from nanostudio.gui.pages.done import DonePage
from nanostudio.gui.pages.drivers import DriversPage
from nanostudio.gui.pages.edition import EditionPage
from nanostudio.gui.pages.identity import IdentityPage
from nanostudio.gui.pages.network import NetworkPage
from nanostudio.gui.pages.output import OutputPage
from nanostudio.gui.pages.source import SourcePage
from nanostudio.gui.pages.summary import SummaryPage
from nanostudio.gui.pages.target import TargetPage
from nanostudio.gui.pages.welcome import WelcomePage
from nanostudio.gui.settings import (
    LAST_ENGINE,
    LAST_OUTPUT_DIR,
    LAST_SIZE,
    LAST_TARGET,
    LAST_TIMEZONE,
    WINDOW_GEOMETRY,
    Settings,
)
from nanostudio.wizard import Page, Target, WizardState
from nanostudio.wizard.state import free_output_path
from nanostudio.wizard.timezones import find_time_zone

log = logging.getLogger(__name__)

_PAGE_CLASSES: dict[Page, type[PageBase]] = {
    Page.WELCOME: WelcomePage,
    Page.SOURCE: SourcePage,
    Page.TARGET: TargetPage,
    Page.EDITION: EditionPage,
    Page.DRIVERS: DriversPage,
    Page.IDENTITY: IdentityPage,
    Page.NETWORK: NetworkPage,
    Page.OUTPUT: OutputPage,
    Page.SUMMARY: SummaryPage,
    Page.BUILD: BuildPage,
    Page.DONE: DonePage,
}
_BUTTONS = [
    QWizard.WizardButton.Stretch,
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.CancelButton,
]
_BUILDING_BUTTONS = [QWizard.WizardButton.Stretch, QWizard.WizardButton.CancelButton]


def initial_state(settings: Settings) -> WizardState:
    """A new state with the user's last choices (never a password)."""
    state = WizardState()
    try:
        state.apply_target(Target(settings.get(LAST_TARGET)))
    except ValueError:
        state.apply_target(Target.HYPERV_GEN2)
    try:
        state.engine = EngineName(settings.get(LAST_ENGINE))
    except ValueError:
        state.engine = EngineName.AUTO
    zone = find_time_zone(settings.get(LAST_TIMEZONE))
    state.timezone = zone.id if zone else "UTC"
    state.size_text = settings.get(LAST_SIZE)
    folder = Path(settings.get(LAST_OUTPUT_DIR) or Path.home())
    if not folder.is_dir():
        folder = Path.home()
    state.output_path = free_output_path(folder / state.output_path.name)
    return state


class NanoWizard(QWizard):
    def __init__(self, settings: Settings, state: WizardState | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.state = state or initial_state(settings)
        self.setWindowTitle(self.tr("NanoStudio"))
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonLayout(_BUTTONS)
        self.setMinimumSize(820, 640)
        self.pages: dict[Page, PageBase] = {}
        for page, page_class in _PAGE_CLASSES.items():
            widget = page_class(self.state, settings)
            self.pages[page] = widget
            self.setPage(int(page), widget)
        self.setStartId(int(Page.WELCOME))
        self._close_when_stopped = False
        self.build_page.status_changed.connect(self._update_buttons)
        self.build_page.build_finished.connect(self._build_finished)
        self.currentIdChanged.connect(self._update_buttons)
        geometry = settings.get(WINDOW_GEOMETRY)
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))

    @property
    def build_page(self) -> BuildPage:
        page = self.pages[Page.BUILD]
        assert isinstance(page, BuildPage)
        return page

    @property
    def done_page(self) -> DonePage:
        page = self.pages[Page.DONE]
        assert isinstance(page, DonePage)
        return page

    def current(self) -> Page:
        return Page(self.currentId())

    def _update_buttons(self) -> None:
        building = self.state.build_status.active
        self.setButtonLayout(_BUILDING_BUTTONS if building else _BUTTONS)
        back = self.button(QWizard.WizardButton.BackButton)
        if self.currentId() >= 0 and self.current() is Page.DONE:
            back.setEnabled(not building)

    def _build_finished(self, outcome: BuildOutcome) -> None:
        self.done_page.set_log_text(self.build_page.log_pane.all_text())
        if self._close_when_stopped:
            self.close()
            return
        if outcome.status in (Status.SUCCEEDED, Status.FAILED) and self.current() is Page.BUILD:
            self.next()

    # -- leaving ------------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel button and Escape: during a build they ask to stop it first."""
        if self.state.build_status.active:
            self.build_page.ask_cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.state.build_status.active:
            event.ignore()
            box = self.build_page.ask_cancel()
            if box is not None:
                box.finished.connect(self._close_if_cancelled)
            return
        self.settings.set(
            WINDOW_GEOMETRY, bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        )
        self.settings.sync()
        source = self.pages[Page.SOURCE]
        assert isinstance(source, SourcePage)
        source.wait_idle()
        super().closeEvent(event)

    def _close_if_cancelled(self, result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self._close_when_stopped = True
