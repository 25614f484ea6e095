"""The connection doctor's layers, live: a mark, the layer in plain words, what was seen,
and the elapsed time against what first boot usually takes."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from nanostudio.remote.doctor import LAYERS, Layer, LayerEvent, LayerState, format_duration

MARKS = {LayerState.PASSED: "✓", LayerState.WAITING: "…", LayerState.FAILED: "✗"}
NOT_YET = "·"


class DoctorView(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels([self.tr("Layer"), self.tr("What NanoStudio sees"), self.tr("Time")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAccessibleName(self.tr("Connection layers"))
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.rows: dict[Layer, QTreeWidgetItem] = {}
        for layer in LAYERS:
            item = QTreeWidgetItem(self, [f"{NOT_YET} {self.tr(layer.words)}", "", ""])
            item.setToolTip(1, "")
            self.rows[layer] = item
        self.states: dict[Layer, LayerState | None] = dict.fromkeys(LAYERS)
        self._expected: dict[Layer, float | None] = dict.fromkeys(LAYERS)
        self._started: float | None = None
        self._waiting: Layer | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        row_height = max(self.sizeHintForRow(0), self.fontMetrics().height() + 4)
        header_height = self.header().sizeHint().height()
        self.setFixedHeight(header_height + row_height * len(LAYERS) + 2 * self.frameWidth() + 4)

    def reset(self) -> None:
        self._started = time.monotonic()
        self._waiting = None
        for layer, item in self.rows.items():
            self.states[layer] = None
            item.setText(0, f"{NOT_YET} {self.tr(layer.words)}")
            item.setText(1, "")
            item.setText(2, "")
        self._timer.start()

    def stop_clock(self) -> None:
        self._timer.stop()

    def show_event(self, event: LayerEvent) -> None:
        """One layer changed; the layers above it are "not yet" again unless it passed."""
        if self._started is None:
            self._started = time.monotonic() - event.elapsed_s
            self._timer.start()
        self.states[event.layer] = event.state
        self._expected[event.layer] = event.expected_s
        item = self.rows[event.layer]
        item.setText(0, f"{MARKS[event.state]} {self.tr(event.layer.words)}")
        item.setText(1, event.detail)
        item.setToolTip(1, event.detail)
        if event.state is LayerState.PASSED:
            item.setText(2, self.tr("at {0}").format(format_duration(event.elapsed_s)))
        else:
            index = LAYERS.index(event.layer)
            for later in LAYERS[index + 1 :]:
                self.states[later] = None
                row = self.rows[later]
                row.setText(0, f"{NOT_YET} {self.tr(later.words)}")
                row.setText(1, "")
                row.setText(2, "")
        self._waiting = event.layer if event.state is LayerState.WAITING else None
        if event.state is LayerState.FAILED:
            self._timer.stop()
        self._tick()

    def _tick(self) -> None:
        layer = self._waiting
        if layer is None or self._started is None:
            return
        elapsed = time.monotonic() - self._started
        expected = self._expected.get(layer)
        text = format_duration(elapsed)
        if expected:
            text = self.tr("{0} (usually up to {1})").format(text, format_duration(expected))
        self.rows[layer].setText(2, text)

    def row_text(self, layer: Layer) -> tuple[str, str, str]:
        item = self.rows[layer]
        return item.text(0), item.text(1), item.text(2)
