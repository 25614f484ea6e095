"""What every page shares: the state, the settings, and inline problem labels.

The model's navigation and validation are imported where first used: this module
is loaded before the first page is painted, the engine and media modules after.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.headings import HEADINGS
from nanostudio.gui.settings import Settings
from nanostudio.gui.widgets.problems import NoteLabel, ProblemLabel
from nanostudio.wizard.pages import Page

if TYPE_CHECKING:
    from nanostudio.gui.wizard_window import NanoWizard
    from nanostudio.recipe.fields import RawKey, RecipeField
    from nanostudio.wizard.state import WizardState


class PageBase(QWizardPage):
    """Subclasses set ``page``, make their widgets in ``_build`` and bind in ``load``;
    the title and subtitle come from ``HEADINGS``."""

    page: Page

    def __init__(self, state: WizardState | None, settings: Settings) -> None:
        super().__init__()
        self._state = state
        self.settings = settings
        self._problem_labels: dict[RecipeField, ProblemLabel] = {}
        # Typed fields show their problems once left (or on Enter with Next disabled),
        # not while the user is still typing or has not started.
        self._typed_fields: dict[RecipeField, QLineEdit] = {}
        self._revealed: set[RecipeField | RawKey] = set()
        self.page_problems = ProblemLabel()
        self._loading = False
        # Pages lay out on ``body_layout``, inside a scroll area: on a small screen (1024×600,
        # or 1366×768 at 125 %) the page scrolls and the wizard's buttons stay visible.
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # By property name: PySide's Qt namespace costs ~15 ms before the first paint.
        self.scroll_area.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        # Never the focus itself: QWizard gives a new page's focus to its first focusable
        # widget, which was this frame (no visible focus, and one Tab wasted on every
        # page); it still scrolls to whichever control inside takes the focus.
        self.scroll_area.setProperty("focusPolicy", "NoFocus")
        self.body = QWidget()
        self.body.setAutoFillBackground(False)
        self.scroll_area.setWidget(self.body)
        self.body_layout = QVBoxLayout(self.body)  # the page's widgets, top to bottom
        self.scroll_area.viewport().setAutoFillBackground(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        self._build()
        self._show_headings()

    def _build(self) -> None:
        """Make the page's widgets in ``body_layout`` and connect them (once, when made)."""

    def _show_headings(self) -> None:
        """When made and each time the page is entered: Welcome may start an edit."""
        headings = HEADINGS.get(self.page)
        if headings is not None:
            editing = self._state is not None and self._state.edit_image is not None
            title, subtitle = headings.for_edit(editing)
            self.setTitle(translated(title))
            self.setSubTitle(translated(subtitle))

    @property
    def state(self) -> WizardState:
        """The answers; only the Welcome page exists (briefly) before they do."""
        assert self._state is not None, "the wizard's state is not ready yet"
        return self._state

    # -- the wizard's questions -------------------------------------------------------

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        from nanostudio.wizard.navigation import can_go_next

        return can_go_next(self.state, self.page)

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        """Also guards programmatic ``QWizard.next()``, not only the button."""
        return self.isComplete()

    def nextId(self) -> int:  # noqa: N802 - Qt override
        from nanostudio.wizard.navigation import next_page

        following = next_page(self.state, self.page)
        return -1 if following is None else int(following)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self._show_headings()
        self._loading = True
        try:
            self.load()
        finally:
            self._loading = False
        # A wrong value the user typed before, or a recipe brought, is not news: say
        # what is wrong with it now (a right default stays quiet until it is edited).
        if self._typed_fields:
            from nanostudio.wizard.validation import page_problems

            wrong = {problem.field for problem in page_problems(self.state, self.page)}
            self._revealed.update(
                f for f, edit in self._typed_fields.items() if edit.text() and f in wrong
            )
        self.refresh()

    def load(self) -> None:
        """Copy the state into the widgets (called each time the page is entered)."""

    def wait_idle(self, ms: int = 30_000) -> None:
        """Let this page's background work end (before the window goes away)."""

    # -- problems -----------------------------------------------------------------------

    def reveal_when_left(self, field: RecipeField, editor: QLineEdit) -> None:
        """``field``'s problems appear once ``editor`` is left (or Enter pressed in it)."""
        self._typed_fields[field] = editor
        editor.editingFinished.connect(lambda: self.reveal({field}))

    def reveal_all(self) -> None:
        """The user wants to go on (Enter with Next disabled): show every problem."""
        self.reveal(set(self._typed_fields))

    def reveal(self, fields: set[RecipeField]) -> None:
        """Show ``fields``' problems from now on (a choice made in a dialog is not typing)."""
        if not fields <= self._revealed:
            self._revealed |= fields
            self.refresh()

    def problem_label(self, field: RecipeField) -> ProblemLabel:
        label = ProblemLabel()
        self._problem_labels[field] = label
        return label

    def add_field(
        self,
        form: QFormLayout,
        label: str,
        editor: QWidget,
        field: RecipeField,
        note: str | None = None,
    ) -> QLabel:
        """``add_row`` for a recipe field: ``field``'s problems show under ``editor``."""
        return add_row(form, label, editor, self.problem_label(field), note)

    def add_sections(self, *sections: QWidget | QLayout) -> None:
        """``sections`` top to bottom, then the page's other problems; the height left
        over stays empty below them."""
        for section in sections:
            if isinstance(section, QLayout):
                self.body_layout.addLayout(section)
            else:
                self.body_layout.addWidget(section)
        self.body_layout.addWidget(self.page_problems)
        self.body_layout.addStretch(1)

    def refresh(self) -> None:
        """Recompute problems, show them next to their fields, update Next."""
        from nanostudio.wizard.validation import page_problems

        by_field: dict[RecipeField | RawKey, list[str]] = defaultdict(list)
        for problem in page_problems(self.state, self.page):
            by_field[problem.field].append(translated(problem.message))
        leftovers: list[str] = []
        for field, messages in by_field.items():
            if field not in self._problem_labels:
                leftovers += messages
        for field, label in self._problem_labels.items():
            hidden = field in self._typed_fields and field not in self._revealed
            label.show_problems([] if hidden else by_field.get(field, []))
        self.page_problems.show_problems(leftovers)
        self.completeChanged.emit()

    def store_on(self, signal: SignalInstance, name: str) -> None:
        """When ``signal`` fires, the value it carries becomes the state's attribute
        ``name`` and the page refreshes; a signal of the page's own loading is not the
        user's change and is ignored."""
        assert hasattr(self.state, name), name  # a misspelt name fails when the page is made

        def store(value: object) -> None:
            if not self._loading:
                setattr(self.state, name, value)
                self.changed()

        signal.connect(store)

    def changed(self) -> None:
        """A widget wrote to the state: refresh unless the page is being loaded."""
        if not self._loading:
            self.refresh()

    def shown_problems(self) -> dict[str, str]:
        """Visible problem texts by field (for tests and accessibility checks); those
        shown for the page as a whole under ``""``."""
        shown: dict[str, str] = {
            f: label.text() for f, label in self._problem_labels.items() if label.text()
        }
        if self.page_problems.text():
            shown[""] = self.page_problems.text()
        return shown

    def nano_wizard(self) -> NanoWizard:
        from nanostudio.gui.wizard_window import NanoWizard

        wizard = self.wizard()
        assert isinstance(wizard, NanoWizard)
        return wizard


def field_block(editor: QWidget, problem: ProblemLabel, note: str | None = None) -> QWidget:
    """An editor with its note and problem label stacked under it (for form rows)."""
    block = QWidget()
    layout = QVBoxLayout(block)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(editor)
    if note:
        layout.addWidget(NoteLabel(note))
    layout.addWidget(problem)
    return block


def add_row(
    form: QFormLayout, label: str, editor: QWidget, problem: ProblemLabel, note: str | None = None
) -> QLabel:
    """A form row whose label is the editor's buddy (Alt+letter) and accessible name.
    An editor made of several controls names the one Alt+letter reaches as its focus
    proxy: QLabel gives the focus to its buddy only when the buddy itself takes focus."""
    caption = QLabel(label)
    caption.setBuddy(editor.focusProxy() or editor)
    editor.setAccessibleName(label.replace("&", "").rstrip(":"))
    form.addRow(caption, field_block(editor, problem, note))
    return caption


def new_form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form
