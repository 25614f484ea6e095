"""The Connect dialog after a failed test: fields keep their size, Enter never cancels."""

# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from nanostudio.errors import RemoteError
from nanostudio.gui.console.connect_dialog import ConnectDialog
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import ConnectionReport
from nanostudio.remote.settings import ConnectionSettings

LONG_FAILURE = (
    "192.168.56.10:5985 rejected the user name or password (HTTP 401). Check the user "
    "(Administrator, or NANO1\\Administrator for a local account) and the password typed "
    "for the build; after the first boot it is the one from the answer file. "
) * 2


def test_after_a_failed_test_the_fields_keep_their_size_and_enter_does_not_cancel(
    qtbot: QtBot,
) -> None:
    tried: list[str] = []

    def probe(settings: ConnectionSettings, password: str, pins: PinStore) -> ConnectionReport:
        tried.append(password)
        raise RemoteError(LONG_FAILURE)

    dialog = ConnectDialog(ConnectionSettings(host="192.168.56.10"), probe=probe)
    qtbot.addWidget(dialog)
    cancelled: list[int] = []
    dialog.rejected.connect(lambda: cancelled.append(1))
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.password_edit.setText("wrong")
    dialog.test_button.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(dialog.test_button, Qt.Key.Key_Space)  # Test connection, by keyboard
    qtbot.waitUntil(lambda: "rejected" in dialog.result_label.text(), timeout=5000)
    qtbot.wait(50)  # let the layout settle
    fields: list[QWidget] = [
        dialog.host_edit,
        dialog.scheme_combo,
        dialog.port_spin,
        dialog.auth_combo,
        dialog.user_combo,
        dialog.password_edit,
    ]
    squashed = [
        type(field).__name__
        for field in fields
        if field.height() < field.minimumSizeHint().height()
    ]
    assert squashed == []
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    focus = QApplication.focusWidget()
    assert focus is not None and focus is not cancel
    assert dialog.connect_button.isDefault()
    QTest.keyClick(focus, Qt.Key.Key_Return)
    assert dialog.isVisible() and not cancelled  # Connect: the test runs again
    qtbot.waitUntil(lambda: len(tried) == 2, timeout=5000)
    # Even with the focus on Cancel, Enter means Connect (Space presses Cancel).
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=5000)
    cancel.setFocus()
    QTest.keyClick(cancel, Qt.Key.Key_Return)
    assert dialog.isVisible() and not cancelled
    qtbot.waitUntil(lambda: len(tried) == 3, timeout=5000)
