"""The image being edited, at the top of the Source page: read in the background.

Shown only when Welcome's "Edit an existing image" chose one. Reading it (headers,
partition table, a WIM's XML) is quick, but a file on a slow share must not freeze
the window, so it runs as the media inspection does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.edit.image_facts import ImageFacts, image_facts
from nanostudio.engine.edit.source import EditSource, inspect_edit_source
from nanostudio.gui.tasks import LatestCall
from nanostudio.gui.widgets.problems import NoteLabel, ProblemLabel
from nanostudio.wizard import WizardState


class EditImageBox(QGroupBox):
    """The image's path and what it is, its WIM index, and its problem (``edit.image``)."""

    def __init__(
        self, state: WizardState, problem: ProblemLabel, changed: Callable[[], None]
    ) -> None:
        super().__init__()
        self.setTitle(self.tr("Image to edit (it is only read: the result is a new file)"))
        self._state = state
        self._changed = changed
        self._reading = LatestCall(self)
        self._read_cancel = CancelToken()  # the latest reading's: a new one stops it
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.what_label = QLabel()
        self.what_label.setWordWrap(True)
        self.index_box = QSpinBox()
        self.index_box.setRange(1, 99)
        self.index_box.setAccessibleName(self.tr("Image index in the WIM"))
        self.index_row = QHBoxLayout()
        self.index_caption = QLabel(self.tr("&Index in the WIM:"))
        self.index_caption.setBuddy(self.index_box)
        self.index_row.addWidget(self.index_caption)
        self.index_row.addWidget(self.index_box)
        self.index_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.path_label)
        layout.addWidget(self.what_label)
        layout.addLayout(self.index_row)
        layout.addWidget(problem)
        layout.addWidget(
            NoteLabel(
                self.tr(
                    "Below, choose the media the packages and drivers you add come from "
                    "(Edit-NanoServerImage's -BasePath)."
                )
            )
        )
        self.index_box.valueChanged.connect(self._index_changed)

    def load(self) -> None:
        image = self._state.edit_image
        self.setVisible(image is not None)
        if image is None:
            return
        self.path_label.setText(str(image))
        self.index_box.blockSignals(True)
        self.index_box.setValue(self._state.edit_index)
        self.index_box.blockSignals(False)
        self._show_index(image)
        if self._state.edit_source is None and not self._state.reading_edit:
            self.read()
        self._show()

    def _show_index(self, image: Path) -> None:
        wim = image.suffix.lower() == ".wim"
        self.index_caption.setVisible(wim)
        self.index_box.setVisible(wim)

    def _index_changed(self, value: int) -> None:
        self._state.edit_index = value
        self.read()

    def read(self) -> None:
        """Read the image (again) off the GUI thread; an older reading is ignored."""
        image, index = self._state.edit_image, self._state.edit_index
        if image is None:
            return
        self._state.reading_edit = True
        self._state.edit_source = None
        self._show()
        self._changed()
        self._read_cancel.cancel()  # an older reading's partition copy stops
        cancel = self._read_cancel = CancelToken()
        self._reading.start(
            lambda: _read_image(image, index, cancel),
            lambda found: self._read(found, None),
            lambda message: self._read(None, message),
        )

    def _read(self, found: object, message: str | None) -> None:
        self._state.reading_edit = False
        if isinstance(found, tuple):
            self._state.take_edit_source(*found)
        else:
            self._state.edit_error = message or self.tr("the image cannot be read")
        self._show()
        self._changed()

    def _show(self) -> None:
        source = self._state.edit_source
        if self._state.reading_edit:
            self.what_label.setText(self.tr("Reading the image…"))
        elif source is not None:
            facts = self._state.edit_facts
            lines = [source.description] + ([self._facts_text(facts)] if facts else [])
            self.what_label.setText("\n".join(lines))
        else:
            self.what_label.setText("")

    def _facts_text(self, facts: ImageFacts) -> str:
        """What the edit starts from: the image's edition, name and zone, drivable VMs."""
        if facts.read_error is not None:
            return self.tr(
                "What the image already is could not be read ({0}): check its edition and "
                "computer name on the next pages."
            ).format(facts.read_error)
        parts = [
            facts.edition.value if facts.edition else self.tr("edition not read"),
            self.tr("computer name {0}").format(facts.computer_name)
            if facts.computer_name
            else self.tr("no computer name in its answer file"),
        ]
        if facts.timezone:
            parts.append(self.tr("time zone {0}").format(facts.timezone))
        if facts.drivable is None:
            parts.append(self.tr("its drivers not read"))
        elif facts.drivable:
            names = ", ".join(target.label for target in facts.drivable)
            parts.append(self.tr("its own drivers start: {0}").format(names))
        else:
            parts.append(self.tr("its own drivers start no VM NanoStudio knows"))
        return " · ".join(parts)

    def wait_idle(self, ms: int = 30_000) -> None:
        self._reading.wait(ms)


def _read_image(image: Path, index: int, cancel: CancelToken) -> tuple[EditSource, ImageFacts]:
    """The image and what it already is (the disk's partition is copied to read it:
    seconds for a real image, so on a worker thread)."""
    source = inspect_edit_source(image, index)
    return source, image_facts(source, cancel)
