"""A dialog for a remote host prompt (Read-Host, Get-Credential, a choice), opened with open()."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from nanostudio.remote.events import PromptKind, PromptReply, PromptRequest


class PromptDialog(QDialog):
    """Builds its fields from the request; ``reply()`` after ``accepted``."""

    def __init__(self, request: PromptRequest, host: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setObjectName("remotePromptDialog")
        self.setWindowTitle(request.caption or self.tr("%1 asks for input").replace("%1", host))
        layout = QVBoxLayout(self)
        if request.message:
            message = QLabel(request.message)
            message.setWordWrap(True)
            layout.addWidget(message)
        form = QFormLayout()
        layout.addLayout(form)
        self.inputs: dict[str, QLineEdit] = {}
        self.user_edit: QLineEdit | None = None
        self.password_edit: QLineEdit | None = None
        self.choice_box: QComboBox | None = None
        if request.kind == PromptKind.CREDENTIAL:
            self.user_edit = QLineEdit(request.user_name)
            self.password_edit = QLineEdit()
            self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(self.tr("User name:"), self.user_edit)
            form.addRow(self.tr("Password:"), self.password_edit)
        elif request.kind == PromptKind.CHOICE:
            self.choice_box = QComboBox()
            self.choice_box.addItems(list(request.choices))
            if 0 <= request.default_choice < len(request.choices):
                self.choice_box.setCurrentIndex(request.default_choice)
            form.addRow(self.tr("Choice:"), self.choice_box)
        else:
            for field in request.fields:
                edit = QLineEdit()
                if field.secure:
                    edit.setEchoMode(QLineEdit.EchoMode.Password)
                form.addRow(field.label or self.tr("Input:"), edit)
                self.inputs[field.name] = edit
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        first = self.user_edit if self.user_edit and not request.user_name else None
        target = first or self.password_edit or next(iter(self.inputs.values()), None)
        if target is not None:
            target.setFocus()

    def reply(self) -> PromptReply:
        if self.request.kind == PromptKind.CREDENTIAL:
            assert self.user_edit is not None and self.password_edit is not None
            return PromptReply(user=self.user_edit.text(), password=self.password_edit.text())
        if self.request.kind == PromptKind.CHOICE:
            assert self.choice_box is not None
            return PromptReply(choice=self.choice_box.currentIndex())
        return PromptReply(values={name: edit.text() for name, edit in self.inputs.items()})
