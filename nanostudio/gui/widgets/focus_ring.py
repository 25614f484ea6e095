"""Keyboard use of a page: a visible focus on every control, and Enter left to Next.

Fusion (and most styles) paint no focus on a command link button, on an empty item
view or on read-only text; a keyboard user then cannot tell where Tab went. Those
controls get a ring: a frame in the palette's highlight colour, drawn over the
control while it has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCommandLinkButton,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

# The controls whose style shows no focus of its own (see the module's docstring).
RING_CONTROLS = (QCommandLinkButton, QAbstractItemView, QPlainTextEdit, QTextEdit)
RING_WIDTH = 2


class FocusRing(QWidget):
    """A frame over its parent control, shown while the control has the focus."""

    def __init__(self, control: QWidget) -> None:
        super().__init__(control)
        self.setObjectName("qt_focus_ring")  # "qt_": a part of the control, not a control
        # Rings are made before the first paint, when touching PySide's ``Qt`` namespace
        # costs about 15 ms (all of its enums are made at once): the focus policy is set
        # by property name, the attributes when the ring first shows.
        self.setProperty("focusPolicy", "NoFocus")
        self._attributes_set = False
        self.hide()
        control.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            self._set_attributes()
            self._place()
            self.show()
        elif kind == QEvent.Type.FocusOut:
            self.hide()
        elif kind == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _set_attributes(self) -> None:
        """Clicks go through the ring to its control; nothing painted under the frame."""
        if not self._attributes_set:
            from PySide6.QtCore import Qt

            self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
            self._attributes_set = True

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
            self.raise_()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
        pen.setWidth(RING_WIDTH)
        painter.setPen(pen)
        half = RING_WIDTH // 2
        painter.drawRect(self.rect().adjusted(half, half, -half, -half))


def prepare_for_keyboard(root: QWidget) -> None:
    """Under ``root``: rings for the controls that need them, and no push button
    that takes Enter when it has the focus (in a dialog Enter is the default button,
    Next in the wizard; Space presses the focused button).

    A control that takes no focus gets a ring too, which never shows: reading its
    focus policy would make PySide's ``Qt`` namespace before the first paint.
    """
    for control in root.findChildren(QWidget):
        if isinstance(control, QPushButton):
            control.setAutoDefault(False)
        if isinstance(control, RING_CONTROLS) and not any(
            isinstance(child, FocusRing) for child in control.children()
        ):
            FocusRing(control)


def focus_into(page: QWidget) -> None:
    """Give ``page`` the focus if it has none: QWizard hands a new page's focus to its
    first Tab-focusable widget even when that one is disabled (an edit's fixed Edition
    box), and the focus then stayed on the page just left, hidden."""
    from PySide6.QtCore import Qt  # after the first paint: Qt's namespace is costly to make

    focus = QApplication.focusWidget()
    if focus is not None and page.isAncestorOf(focus):
        return
    widget = page.nextInFocusChain()
    while widget is not None and widget is not page and page.isAncestorOf(widget):
        tab = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if tab and widget.isEnabled() and widget.isVisible():
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            return
        widget = widget.nextInFocusChain()
