"""The wizard window: pages in order, buttons that follow the model, guarded closing.

With ``deferred=True`` (the application) only the Welcome page is built before the
window is first painted; the other pages, the model and the engine modules load
right after, so the window appears about as fast as a bare QWizard's.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMessageBox, QWizard

from nanostudio.gui.icons import app_icon
from nanostudio.gui.pages.base import PageBase
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
from nanostudio.gui.widgets.focus_ring import focus_into, prepare_for_keyboard
from nanostudio.wizard.pages import Page

if TYPE_CHECKING:
    from nanostudio.engine.events import BuildOutcome
    from nanostudio.gui.pages.build import BuildPage
    from nanostudio.gui.pages.done import DonePage
    from nanostudio.wizard.state import WizardState

log = logging.getLogger(__name__)

# Page -> "module:Class" under nanostudio.gui.pages, imported when the pages are built.
_PAGE_CLASSES: dict[Page, str] = {
    Page.SOURCE: "source:SourcePage",
    Page.TARGET: "target:TargetPage",
    Page.EDITION: "edition:EditionPage",
    Page.DRIVERS: "drivers:DriversPage",
    Page.UPDATES: "updates:UpdatesPage",
    Page.IDENTITY: "identity:IdentityPage",
    Page.NETWORK: "network:NetworkPage",
    Page.OUTPUT: "output:OutputPage",
    Page.SUMMARY: "summary:SummaryPage",
    Page.BUILD: "build:BuildPage",
    Page.DONE: "done:DonePage",
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
    from nanostudio.engine.engines import EngineName
    from nanostudio.recipe.model import Target
    from nanostudio.timezones import find_time_zone
    from nanostudio.wizard.state import WizardState, free_output_path

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


def _page_class(spec: str) -> type[PageBase]:
    module, name = spec.split(":")
    page_class: object = getattr(importlib.import_module(f"nanostudio.gui.pages.{module}"), name)
    assert isinstance(page_class, type) and issubclass(page_class, PageBase)
    return page_class


class _FirstPaint(QObject):
    """Calls back once, after the first paint of the watched widget."""

    def __init__(self, parent: QObject, callback: Callable[[], None]) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


# Leaf modules first, so each import in the chain below costs only a few ms.
ENGINE_MODULES = (
    "nanostudio.engine.portable.assemble",
    "nanostudio.engine.portable.bcd",
    "nanostudio.engine.portable.steps_disk",
    "nanostudio.engine.portable.steps_source",
    "nanostudio.engine.portable.engine",
    "nanostudio.engine.windows.calls",
    "nanostudio.engine.windows.disk_steps",
    "nanostudio.engine.windows.engine",
)


def _warm_engine_modules(names: tuple[str, ...] = ENGINE_MODULES) -> None:
    """Import the engines one module per event-loop turn while the user is on the first
    pages, so the Summary page's plan check does not stall on them. (On the GUI
    thread: a Python thread importing while Qt objects are collected crashed PySide.)"""
    if names:
        importlib.import_module(names[0])
        QTimer.singleShot(0, lambda: _warm_engine_modules(names[1:]))


MINIMUM_SIZE = QSize(640, 460)


class NanoWizard(QWizard):
    ready = Signal()

    def __init__(
        self, settings: Settings, state: WizardState | None = None, *, deferred: bool = False
    ) -> None:
        super().__init__()
        self.settings = settings
        self._state = state
        self.setWindowTitle(self.tr("NanoStudio"))
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, app_icon().pixmap(48, 48))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self._button_layout = _BUTTONS
        self.setButtonLayout(_BUTTONS)
        # Small enough for 1024×600 (and 1366×768 at 125 %): pages scroll, buttons stay.
        self.setMinimumSize(MINIMUM_SIZE)
        self.welcome = WelcomePage(None, settings)
        self.pages: dict[Page, PageBase] = {Page.WELCOME: self.welcome}
        self.setPage(int(Page.WELCOME), self.welcome)
        prepare_for_keyboard(self.welcome)
        self.setStartId(int(Page.WELCOME))
        self._close_when_stopped = False
        geometry = settings.get(WINDOW_GEOMETRY)
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        if deferred:
            # The page's body is what paints (the page is covered by its scroll area).
            self.welcome.body.installEventFilter(_FirstPaint(self, self.build_pages))
        else:
            self.build_pages()

    @property
    def state(self) -> WizardState:
        assert self._state is not None, "the wizard's pages are not built yet"
        return self._state

    @property
    def is_ready(self) -> bool:
        return len(self.pages) == len(Page)

    def build_pages(self) -> None:
        """Import the model and engine modules and add every page after Welcome."""
        if self.is_ready:
            return
        if self._state is None:
            self._state = initial_state(self.settings)
        for page, spec in _PAGE_CLASSES.items():
            widget = _page_class(spec)(self._state, self.settings)
            self.pages[page] = widget
            self.setPage(int(page), widget)
            prepare_for_keyboard(widget)
        self.build_page.status_changed.connect(self._update_buttons)
        self.build_page.build_finished.connect(self._build_finished)
        self.currentIdChanged.connect(self._update_buttons)
        self.currentIdChanged.connect(self._focus_into_page)
        self.welcome.recipe_loaded.connect(self._recipe_loaded)
        self.welcome.attach(self._state)
        self.ready.emit()
        QTimer.singleShot(0, _warm_engine_modules)

    def _focus_into_page(self) -> None:
        page = self.currentPage()
        if page is not None:  # None while the wizard restarts
            focus_into(page)

    def open_recipe_when_ready(self, path: Path) -> None:
        """Open ``path`` (a recipe double-clicked in Explorer) once the pages exist."""
        if self.is_ready:
            self.welcome.open_recipe(path)
        else:
            self.ready.connect(lambda: self.welcome.open_recipe(path))

    def _recipe_loaded(self) -> None:
        """The recipe's driver folders are read now, on a worker thread: otherwise the
        first check of the answers would read them on the GUI thread."""
        from nanostudio.gui.pages.drivers import DriversPage

        page = self.pages[Page.DRIVERS]
        assert isinstance(page, DriversPage)
        page.read_new_folders()

    @property
    def build_page(self) -> BuildPage:
        from nanostudio.gui.pages.build import BuildPage

        page = self.pages[Page.BUILD]
        assert isinstance(page, BuildPage)
        return page

    @property
    def done_page(self) -> DonePage:
        from nanostudio.gui.pages.done import DonePage

        page = self.pages[Page.DONE]
        assert isinstance(page, DonePage)
        return page

    def current(self) -> Page:
        return Page(self.currentId())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter while Next is disabled shows why: every problem on the page."""
        from PySide6.QtCore import Qt  # not at import: the namespace costs ~15 ms of start-up

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.is_ready:
            page = self.pages.get(self.current()) if self.currentId() >= 0 else None
            if page is not None and not page.isComplete():
                page.reveal_all()
        super().keyPressEvent(event)

    def _update_buttons(self) -> None:
        building = self._state is not None and self._state.build_status.active
        layout = _BUILDING_BUTTONS if building else _BUTTONS
        if layout is not self._button_layout:  # re-laying the buttons is not free
            self._button_layout = layout
            self.setButtonLayout(layout)
        back = self.button(QWizard.WizardButton.BackButton)
        if self.currentId() >= 0 and self.current() is Page.DONE:
            back.setEnabled(not building)

    def _build_finished(self, outcome: BuildOutcome) -> None:
        from nanostudio.engine.events import Status

        self.done_page.set_log_text(self.build_page.log_pane.all_text())
        if self._close_when_stopped:
            self.close()
            return
        if outcome.status in (Status.SUCCEEDED, Status.FAILED) and self.current() is Page.BUILD:
            self.next()

    # -- leaving ------------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel button and Escape: during a build they ask to stop it first."""
        if self._state is not None and self._state.build_status.active:
            self.build_page.ask_cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._state is not None and self._state.build_status.active:
            event.ignore()
            box = self.build_page.ask_cancel()
            if box is not None:
                box.finished.connect(self._close_if_cancelled)
            return
        self.settings.set(
            WINDOW_GEOMETRY, bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        )
        self.settings.sync()
        for page in self.pages.values():
            page.wait_idle()
        if self._state is not None and self._state.driver_inventory is not None:
            self._state.driver_inventory.close()  # its temporary folder
            self._state.driver_inventory = None
        super().closeEvent(event)

    def _close_if_cancelled(self, result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self._close_when_stopped = True
