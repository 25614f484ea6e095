"""The build's steps, each with a state icon (waiting, running, done, failed, skipped)."""

from __future__ import annotations

import enum

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from nanostudio.engine.events import StepInfo


class StepState(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


_STANDARD = {
    StepState.DONE: QStyle.StandardPixmap.SP_DialogApplyButton,
    StepState.FAILED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    StepState.CANCELLED: QStyle.StandardPixmap.SP_DialogCancelButton,
}
_ICON_PX = 32


def _dot_icon(color: QColor, filled: bool) -> QIcon:
    """A ring (waiting) or a ring with a dot (running), drawn so both are unmistakable."""
    pixmap = QPixmap(_ICON_PX, _ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 3))
    painter.drawEllipse(QRectF(6, 6, _ICON_PX - 12, _ICON_PX - 12))
    if filled:
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(11, 11, _ICON_PX - 22, _ICON_PX - 22))
    painter.end()
    return QIcon(pixmap)


class StepList(QListWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Build steps"))
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self._states: list[StepState] = []

    def set_steps(self, steps: tuple[StepInfo, ...]) -> None:
        self.clear()
        self._states = []
        for step in steps:
            self.addItem(QListWidgetItem(step.title))
            self._states.append(StepState.WAITING)
            self._paint(len(self._states) - 1)

    def set_state(self, index: int, state: StepState) -> None:
        if 0 <= index < len(self._states):
            self._states[index] = state
            self._paint(index)
            if state is StepState.RUNNING:
                self.scrollToItem(self.item(index))

    def finish_open_steps(self, state: StepState) -> None:
        """Mark the running step (and nothing else) as failed or cancelled."""
        for index, current in enumerate(self._states):
            if current is StepState.RUNNING:
                self.set_state(index, state)

    def step_state(self, index: int) -> StepState:
        return self._states[index]

    def _paint(self, index: int) -> None:
        state = self._states[index]
        item = self.item(index)
        if state is StepState.WAITING:
            icon = _dot_icon(self.palette().color(QPalette.ColorRole.PlaceholderText), False)
        elif state is StepState.RUNNING:
            icon = _dot_icon(self.palette().color(QPalette.ColorRole.Highlight), True)
        else:
            icon = self.style().standardIcon(_STANDARD[state])
        item.setIcon(icon)
        font = item.font()
        font.setBold(state is StepState.RUNNING)
        item.setFont(font)
        item.setData(Qt.ItemDataRole.UserRole, state.value)
        item.setToolTip(self.tr("{0}: {1}").format(item.text(), self.tr(state.value)))
