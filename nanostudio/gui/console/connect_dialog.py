"""The connection dialog: where, how, who; Test connection; certificate trust; remember."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import RemoteError
from nanostudio.gui.tasks import Task, blocking
from nanostudio.gui.widgets.focus_ring import prepare_for_keyboard
from nanostudio.remote.errors import CertificateUnknownError, format_thumbprint
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import ConnectionReport, test_connection
from nanostudio.remote.saved import PasswordVault, SavedConnections
from nanostudio.remote.settings import (
    DEFAULT_TIMEOUT_S,
    DEFAULT_USER,
    HTTP_PORT,
    HTTPS_PORT,
    AuthMethod,
    ConnectionSettings,
)
from nanostudio.vm.pins import with_vm_pin

Probe = Callable[[ConnectionSettings, str, PinStore], ConnectionReport]
_AUTH_LABELS: tuple[tuple[AuthMethod, str], ...] = (
    ("ntlm", "NTLM"),
    ("kerberos", "Kerberos"),
    ("basic", "Basic (HTTPS only)"),
)


class ConnectDialog(QDialog):
    """Opened with ``open()``; after ``accepted`` read ``settings()`` and ``password()``.

    Connect first runs the same test as "Test connection", so an untrusted certificate
    or a wrong password is dealt with here, not in the console.
    """

    def __init__(
        self,
        settings: ConnectionSettings | None = None,
        parent: QWidget | None = None,
        *,
        pins: PinStore | None = None,
        vault: PasswordVault | None = None,
        saved: SavedConnections | None = None,
        probe: Probe = test_connection,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(self.tr("Connect to a Nano Server"))
        self.pins = pins if pins is not None else PinStore()
        self.vault = vault if vault is not None else PasswordVault()
        self.saved = saved if saved is not None else SavedConnections()
        self._probe = probe
        self._call: Task | None = None
        self._accept_after_test = False
        self._unknown: CertificateUnknownError | None = None
        self.last_report: ConnectionReport | None = None
        self._timeout_s = DEFAULT_TIMEOUT_S
        self._build()
        initial = settings or next(iter(self.saved.load()), None)
        if initial is not None:
            self._fill(initial)
        self._on_scheme_changed()

    def _build(self) -> None:
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText(self.tr("VM name or IP address, e.g. 192.168.56.10"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(HTTP_PORT)
        self.scheme_combo = QComboBox()
        self.scheme_combo.addItem(self.tr("HTTP (5985, encrypted by NTLM/Kerberos)"), False)
        self.scheme_combo.addItem(self.tr("HTTPS (5986, TLS)"), True)
        self.auth_combo = QComboBox()
        for value, label in _AUTH_LABELS:
            self.auth_combo.addItem(self.tr(label), value)
        self.user_combo = QComboBox()
        self.user_combo.setEditable(True)
        self.user_combo.addItem(DEFAULT_USER)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_check = QCheckBox(self.tr("Remember the password in the system keyring"))

        form = QFormLayout()
        form.addRow(self.tr("Host:"), self.host_edit)
        form.addRow(self.tr("Protocol:"), self.scheme_combo)
        form.addRow(self.tr("Port:"), self.port_spin)
        form.addRow(self.tr("Authentication:"), self.auth_combo)
        form.addRow(self.tr("User:"), self.user_combo)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow("", self.remember_check)

        self.result_label = QLabel()
        self.result_label.setObjectName("connectResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trust_button = QPushButton(self.tr("Trust this certificate"))
        self.trust_button.hide()
        self.test_button = QPushButton(self.tr("Test connection"))
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.trust_button)
        test_row.addStretch(1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText(self.tr("Connect"))
        self._focus_before_test: QWidget | None = None

        # A long result scrolls (and the dialog grows for it, see _fit): the fields
        # above keep their height instead of being squashed.
        self.result_area = QScrollArea()
        self.result_area.setObjectName("connectResultArea")
        self.result_area.setWidgetResizable(True)
        self.result_area.setFrameShape(QFrame.Shape.NoFrame)
        self.result_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.result_area.setWidget(self.result_label)
        self.result_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.result_area, 1)
        layout.addWidget(self.buttons)
        # Enter means Connect wherever the focus is (never Cancel, Test or Trust).
        prepare_for_keyboard(self)
        self.connect_button.setDefault(True)

        self.scheme_combo.currentIndexChanged.connect(self._on_scheme_changed)
        self.host_edit.textChanged.connect(self._on_host_changed)
        self.test_button.clicked.connect(self.run_test)
        self.trust_button.clicked.connect(self.trust_certificate)
        self.buttons.accepted.connect(self._connect_clicked)
        self.buttons.rejected.connect(self.reject)

    def _fill(self, settings: ConnectionSettings) -> None:
        self.host_edit.setText(settings.host)
        self.scheme_combo.setCurrentIndex(1 if settings.https else 0)
        self.port_spin.setValue(settings.port)
        self.auth_combo.setCurrentIndex(self.auth_combo.findData(settings.auth))
        self.user_combo.setEditText(settings.user)
        self._timeout_s = settings.timeout_s
        remembered = self.vault.get(settings)
        if remembered:
            self.password_edit.setText(remembered)
            self.remember_check.setChecked(True)

    # -- field logic ----------------------------------------------------------------
    def _on_scheme_changed(self) -> None:
        https = bool(self.scheme_combo.currentData())
        if self.port_spin.value() in (HTTP_PORT, HTTPS_PORT):
            self.port_spin.setValue(HTTPS_PORT if https else HTTP_PORT)
        basic_index = self.auth_combo.findData("basic")
        item_model = self.auth_combo.model()
        item = getattr(item_model, "item", None)
        if item is not None:
            item(basic_index).setEnabled(https)
        if not https and self.auth_combo.currentData() == "basic":
            self.auth_combo.setCurrentIndex(self.auth_combo.findData("ntlm"))

    def _on_host_changed(self, host: str) -> None:
        current = self.user_combo.currentText()
        self.user_combo.clear()
        self.user_combo.addItem(DEFAULT_USER)
        name = host.strip()
        if name and not name.replace(".", "").isdigit():
            self.user_combo.addItem(f"{name.split('.')[0].upper()}\\{DEFAULT_USER}")
        self.user_combo.setEditText(current or DEFAULT_USER)

    def settings(self) -> ConnectionSettings:
        # A NanoStudio VM's forwarded HTTPS port carries the pin of its built certificate.
        return with_vm_pin(self._typed_settings())

    def _typed_settings(self) -> ConnectionSettings:
        return ConnectionSettings(
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            https=bool(self.scheme_combo.currentData()),
            auth=self.auth_combo.currentData(),
            user=self.user_combo.currentText().strip(),
            timeout_s=self._timeout_s,
        )

    def password(self) -> str:
        return self.password_edit.text()

    # -- testing --------------------------------------------------------------------
    def _show(self, text: str, kind: str) -> None:
        colours = {"ok": "#2e7d32", "error": "#c62828", "warning": "#b26a00", "busy": ""}
        colour = colours[kind]
        self.result_label.setStyleSheet(f"color: {colour};" if colour else "")
        self.result_label.setText(text)
        self._fit()

    def _fit(self) -> None:
        """Grow (never shrink) to show the whole result, up to most of the screen."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        text_height = self.result_label.heightForWidth(self.result_area.viewport().width())
        needed = self.height() + text_height - self.result_area.viewport().height()
        screen = self.screen().availableGeometry().height() if self.screen() else 800
        height = min(max(needed, self.height()), int(screen * 0.8))
        if height > self.height():
            self.resize(self.width(), height)

    def run_test(self) -> bool:
        """Start a test in the background; False when the fields are not usable yet."""
        if self._call is not None:  # a test is still on its way
            return False
        settings = self.settings()
        problems = settings.problems()
        if problems:
            self._show(problems[0][1], "error")
            return False
        if not self.password():
            self._show(self.tr("Enter the password."), "error")
            return False
        self.trust_button.hide()
        self._unknown = None
        self._set_busy(True)
        self._show(self.tr("Connecting to %1…").replace("%1", settings.endpoint), "busy")
        password = self.password()
        pins = self.pins

        async def probe(_token: CancelToken) -> tuple[ConnectionReport | None, RemoteError | None]:
            try:
                return await blocking(self._probe, settings, password, pins), None
            except RemoteError as error:  # shown as the server's answer, not as a failure
                return None, error

        self._call = Task(probe, self, what="the connection test")
        self._call.succeeded.connect(lambda outcome: self._on_tested(*outcome))
        self._call.failed.connect(self._on_test_crashed)
        self._call.start()
        return True

    def _set_busy(self, busy: bool) -> None:
        if busy:  # disabling the focused button would pass the focus on to Cancel
            self._focus_before_test = self.focusWidget()
            if self._focus_before_test in (self.test_button, self.connect_button):
                self.password_edit.setFocus()
        self.test_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)
        if not busy:
            self._restore_focus()

    def _restore_focus(self) -> None:
        """After a test, back where the user was (a field, or Test connection)."""
        before, self._focus_before_test = self._focus_before_test, None
        if before is None or before is self.buttons.button(QDialogButtonBox.StandardButton.Cancel):
            before = self.password_edit
        if before.isEnabled() and before.isVisible():
            before.setFocus()

    def _on_test_crashed(self, message: str) -> None:
        """A bug in the test itself (already logged with its traceback)."""
        self._call = None
        self._set_busy(False)
        self._accept_after_test = False
        self._show(self.tr("Unexpected failure: %1").replace("%1", message), "error")

    def _on_tested(self, report: ConnectionReport | None, error: RemoteError | None) -> None:
        self._call = None
        self._set_busy(False)
        accept = self._accept_after_test
        self._accept_after_test = False
        if isinstance(error, CertificateUnknownError):
            self._unknown = error
            self._show(
                self.tr(
                    "This server's certificate is not trusted yet.\n"
                    "Subject: %1\nSHA-256: %2\n"
                    "Compare it with the thumbprint shown on the server, then trust it once."
                )
                .replace("%1", error.subject)
                .replace("%2", format_thumbprint(error.sha256)),
                "warning",
            )
            self.trust_button.show()
            return
        if error is not None:  # CertificateChangedError included: refused, shown
            self._show(str(error), "error")
            return
        assert report is not None
        self.last_report = report
        self._show(str(report), "ok")
        if accept:
            self._finish_accept()

    def trust_certificate(self) -> None:
        """The user compared the thumbprint and trusts it: pin it, then test again."""
        if self._unknown is None:
            return
        unknown = self._unknown
        self.pins.trust(unknown.host, unknown.port, unknown.sha256, unknown.subject)
        self.trust_button.hide()
        self.run_test()

    def _connect_clicked(self) -> None:
        self._accept_after_test = self.run_test()

    def _finish_accept(self) -> None:
        settings = self._typed_settings()  # a VM's pin stays with the VM, not saved here
        self.saved.remember(settings)
        if self.remember_check.isChecked():
            self.vault.store(settings, self.password())
        else:
            self.vault.forget(settings)
        self.accept()
