"""Network & remote access: DHCP or a static IPv4 address, IPv6, VLAN, WinRM, first-boot
commands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from nanostudio.gui.pages.base import PageBase, field_block, new_form
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.gui.widgets.rows import row_widget, section_box
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page


class NetworkPage(PageBase):
    page = Page.NETWORK

    def _build(self) -> None:
        self._text_edits: dict[str, QLineEdit] = {}
        self.dhcp_button = QRadioButton(self.tr("Get an address from &DHCP"))
        self.static_button = QRadioButton(self.tr("Use a &static IPv4 address"))
        group = QButtonGroup(self)
        group.addButton(self.dhcp_button)
        group.addButton(self.static_button)
        addressing, box = section_box(self.tr("Address"))
        box.addWidget(self.dhcp_button)
        box.addWidget(self.static_button)
        self.static_fields = QWidget()
        form = new_form()
        self.static_fields.setLayout(form)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText("192.168.56.10")
        self.prefix_box = QSpinBox()
        self.prefix_box.setRange(1, 32)
        self.prefix_box.setPrefix("/ ")
        self.prefix_box.setAccessibleName(self.tr("Prefix length"))
        address_row = row_widget(self.address_edit, self.prefix_box, stretch=self.address_edit)
        caption = QLabel(self.tr("&Address / prefix:"))
        caption.setBuddy(self.address_edit)
        self.address_edit.setAccessibleName(self.tr("Static address"))
        form.addRow(caption, field_block(address_row, self.problem_label(RecipeField.NETWORK_IPV4)))
        self.gateway_edit = self._text_field(
            form,
            self.tr("&Gateway:"),
            RecipeField.NETWORK_GATEWAY,
            "gateway",
            self.tr("optional, e.g. 192.168.56.1"),
        )
        self.dns_edit = self._text_field(
            form,
            self.tr("DNS ser&vers:"),
            RecipeField.NETWORK_DNS,
            "dns",
            self.tr("optional, e.g. 192.168.56.1, 1.1.1.1"),
        )
        box.addWidget(self.static_fields)
        other = new_form()
        self.interface_edit = self._text_field(
            other,
            self.tr("&Interface:"),
            RecipeField.NETWORK_INTERFACE,
            "interface",
            note=self.tr(
                'The adapter\'s name in Windows (the first one is "Ethernet") or its '
                "interface index (Get-NetAdapter's ifIndex)."
            ),
        )
        self.vlan_edit = self._text_field(
            other,
            self.tr("V&LAN ID:"),
            RecipeField.NETWORK_VLAN,
            "vlan",
            self.tr("optional, 1 to 4094"),
            self.tr(
                "Set with Set-NetAdapter -VlanID at first boot; the adapter's driver must "
                "support VLAN tagging. Applies with DHCP too."
            ),
        )
        self.vlan_edit.setMaxLength(6)
        self.ipv6_edit = self._text_field(
            other,
            self.tr("IPv&6 address:"),
            RecipeField.NETWORK_IPV6,
            "ipv6",
            self.tr("optional, e.g. 2001:db8::10"),
        )
        self.ipv6_dns_edit = self._text_field(
            other,
            self.tr("IPv6 DNS s&ervers:"),
            RecipeField.NETWORK_IPV6_DNS,
            "ipv6_dns",
            self.tr("optional, e.g. 2001:db8::1"),
        )
        box.addLayout(other)
        remote, remote_layout = section_box(self.tr("Remote access and first boot"))
        self.winrm_box = QCheckBox(self.tr("Allow &WinRM (remote PowerShell) through the firewall"))
        remote_layout.addWidget(self.winrm_box)
        remote_layout.addWidget(
            NoteLabel(
                self.tr(
                    "Opens TCP port 5985 for every network profile, so NanoStudio's console "
                    "and Enter-PSSession can reach the server."
                )
            )
        )
        self.https_box = QCheckBox(
            self.tr("Also WinRM over &HTTPS (port 5986), trusted from the first connection")
        )
        remote_layout.addWidget(self.https_box)
        remote_layout.addWidget(
            NoteLabel(
                self.tr(
                    "NanoStudio makes a certificate for the computer name and its static "
                    "addresses and remembers it, so the console connects without asking "
                    "you to trust it. Its private key stays in the image."
                )
            )
        )
        commands_label = QLabel(self.tr("&Commands to run at first boot (one per line):"))
        self.commands_edit = QPlainTextEdit()
        self.commands_edit.setPlaceholderText("tzutil /g")
        self.commands_edit.setAccessibleName(self.tr("First-boot commands"))
        self.commands_edit.setMaximumHeight(80)
        # Tab leaves the box (a command needs no tab character): it must not trap the keyboard.
        self.commands_edit.setTabChangesFocus(True)
        commands_label.setBuddy(self.commands_edit)
        remote_layout.addWidget(commands_label)
        remote_layout.addWidget(self.commands_edit)
        remote_layout.addWidget(self.problem_label(RecipeField.FIRSTBOOT_COMMANDS))
        self.add_sections(addressing, remote)
        self.static_button.toggled.connect(self._static_toggled)
        self._address_text = ""
        self.reveal_when_left(RecipeField.NETWORK_IPV4, self.address_edit)
        self.address_edit.textEdited.connect(self._address_edited)
        self.address_edit.editingFinished.connect(self._address_left)
        self.store_on(self.prefix_box.valueChanged, "prefix")
        self.store_on(self.winrm_box.toggled, "winrm")
        self.store_on(self.https_box.toggled, "winrm_https")
        self.commands_edit.textChanged.connect(self._commands_changed)

    def load(self) -> None:
        (self.static_button if self.state.static_ip else self.dhcp_button).setChecked(True)
        self.static_fields.setEnabled(self.state.static_ip)
        self._show_address()
        self.prefix_box.setValue(self.state.prefix)
        for name, edit in self._text_edits.items():
            edit.setText(getattr(self.state, name))
        self.winrm_box.setChecked(self.state.winrm)
        self.https_box.setChecked(self.state.winrm_https)
        self.commands_edit.setPlainText(self.state.firstboot_commands)

    def _text_field(
        self,
        form: QFormLayout,
        label: str,
        field: RecipeField,
        name: str,
        placeholder: str = "",
        note: str | None = None,
    ) -> QLineEdit:
        """A line edit for the state's text attribute ``name`` (stored stripped); its
        problems show once it is left."""
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        self.add_field(form, label, edit, field, note)
        self.reveal_when_left(field, edit)
        edit.textEdited.connect(lambda text: self._set(name, text))
        self._text_edits[name] = edit
        return edit

    def _set(self, name: str, text: str) -> None:
        setattr(self.state, name, text.strip())
        self.changed()

    def _address_edited(self, text: str) -> None:
        """A prefix goes to the prefix box at once; the field drops it when pasted, or
        when left: rewritten while typed, "…20/24" would become "…20" + "4"."""
        pasted = len(text) - len(self._address_text) > 1
        self._address_text = text
        if self.state.set_address(text):
            self._loading = True
            try:
                self.prefix_box.setValue(self.state.prefix)
            finally:
                self._loading = False
            if pasted:
                self._show_address()
        self.changed()

    def _address_left(self) -> None:
        if self.address_edit.text().strip() != self.state.address:
            self._show_address()

    def _show_address(self) -> None:
        self._address_text = self.state.address
        self.address_edit.setText(self.state.address)

    def _static_toggled(self, checked: bool) -> None:
        self.static_fields.setEnabled(checked)
        if not self._loading:
            self.state.static_ip = checked
            self.changed()

    def _commands_changed(self) -> None:
        if not self._loading:
            self.state.firstboot_commands = self.commands_edit.toPlainText()
            self.changed()
