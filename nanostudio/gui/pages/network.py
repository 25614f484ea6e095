"""Network & remote access: DHCP or a static IPv4 address, IPv6, VLAN, WinRM, first-boot
commands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nanostudio.gui.pages.base import PageBase, add_row, field_block, new_form
from nanostudio.gui.settings import Settings
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page, WizardState


class NetworkPage(PageBase):
    page = Page.NETWORK

    def __init__(self, state: WizardState, settings: Settings) -> None:
        super().__init__(state, settings)
        self.setTitle(self.tr("Network and remote access"))
        self.setSubTitle(
            self.tr(
                "A static address makes the server reachable at a known place, even on a "
                "Hyper-V Internal switch, which has no DHCP."
            )
        )
        self.dhcp_button = QRadioButton(self.tr("Get an address from &DHCP"))
        self.static_button = QRadioButton(self.tr("Use a &static IPv4 address"))
        group = QButtonGroup(self)
        group.addButton(self.dhcp_button)
        group.addButton(self.static_button)
        addressing = QGroupBox(self.tr("Address"))
        box = QVBoxLayout(addressing)
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
        address_row = QWidget()
        row = QHBoxLayout(address_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.address_edit, 1)
        row.addWidget(self.prefix_box)
        caption = QLabel(self.tr("&Address / prefix:"))
        caption.setBuddy(self.address_edit)
        self.address_edit.setAccessibleName(self.tr("Static address"))
        form.addRow(caption, field_block(address_row, self.problem_label(RecipeField.NETWORK_IPV4)))
        self.gateway_edit = QLineEdit()
        self.gateway_edit.setPlaceholderText(self.tr("optional, e.g. 192.168.56.1"))
        add_row(
            form,
            self.tr("&Gateway:"),
            self.gateway_edit,
            self.problem_label(RecipeField.NETWORK_GATEWAY),
        )
        self.dns_edit = QLineEdit()
        self.dns_edit.setPlaceholderText(self.tr("optional, e.g. 192.168.56.1, 1.1.1.1"))
        add_row(
            form,
            self.tr("DNS ser&vers:"),
            self.dns_edit,
            self.problem_label(RecipeField.NETWORK_DNS),
        )
        box.addWidget(self.static_fields)
        self.interface_edit = QLineEdit()
        other = new_form()
        add_row(
            other,
            self.tr("&Interface:"),
            self.interface_edit,
            self.problem_label(RecipeField.NETWORK_INTERFACE),
            self.tr(
                'The adapter\'s name in Windows (the first one is "Ethernet") or its '
                "interface index (Get-NetAdapter's ifIndex)."
            ),
        )
        self.vlan_edit = QLineEdit()
        self.vlan_edit.setPlaceholderText(self.tr("optional, 1 to 4094"))
        self.vlan_edit.setMaxLength(6)
        add_row(
            other,
            self.tr("V&LAN ID:"),
            self.vlan_edit,
            self.problem_label(RecipeField.NETWORK_VLAN),
            self.tr(
                "Set with Set-NetAdapter -VlanID at first boot; the adapter's driver must "
                "support VLAN tagging. Applies with DHCP too."
            ),
        )
        self.ipv6_edit = QLineEdit()
        self.ipv6_edit.setPlaceholderText(self.tr("optional, e.g. 2001:db8::10"))
        add_row(
            other,
            self.tr("IPv&6 address:"),
            self.ipv6_edit,
            self.problem_label(RecipeField.NETWORK_IPV6),
        )
        self.ipv6_dns_edit = QLineEdit()
        self.ipv6_dns_edit.setPlaceholderText(self.tr("optional, e.g. 2001:db8::1"))
        add_row(
            other,
            self.tr("IPv6 DNS s&ervers:"),
            self.ipv6_dns_edit,
            self.problem_label(RecipeField.NETWORK_IPV6_DNS),
        )
        box.addLayout(other)
        remote = QGroupBox(self.tr("Remote access and first boot"))
        remote_layout = QVBoxLayout(remote)
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
        layout = QVBoxLayout(self.body)
        layout.addWidget(addressing)
        layout.addWidget(remote)
        layout.addWidget(self.page_problems)
        layout.addStretch(1)
        self.static_button.toggled.connect(self._static_toggled)
        self._address_text = ""
        self.reveal_when_left(RecipeField.NETWORK_IPV4, self.address_edit)
        self.reveal_when_left(RecipeField.NETWORK_GATEWAY, self.gateway_edit)
        self.reveal_when_left(RecipeField.NETWORK_DNS, self.dns_edit)
        self.reveal_when_left(RecipeField.NETWORK_INTERFACE, self.interface_edit)
        self.reveal_when_left(RecipeField.NETWORK_VLAN, self.vlan_edit)
        self.reveal_when_left(RecipeField.NETWORK_IPV6, self.ipv6_edit)
        self.reveal_when_left(RecipeField.NETWORK_IPV6_DNS, self.ipv6_dns_edit)
        self.address_edit.textEdited.connect(self._address_edited)
        self.address_edit.editingFinished.connect(self._address_left)
        self.prefix_box.valueChanged.connect(self._prefix_changed)
        self.gateway_edit.textEdited.connect(lambda text: self._set("gateway", text))
        self.dns_edit.textEdited.connect(lambda text: self._set("dns", text))
        self.interface_edit.textEdited.connect(lambda text: self._set("interface", text))
        self.vlan_edit.textEdited.connect(lambda text: self._set("vlan", text))
        self.ipv6_edit.textEdited.connect(lambda text: self._set("ipv6", text))
        self.ipv6_dns_edit.textEdited.connect(lambda text: self._set("ipv6_dns", text))
        self.winrm_box.toggled.connect(self._winrm_toggled)
        self.https_box.toggled.connect(self._https_toggled)
        self.commands_edit.textChanged.connect(self._commands_changed)

    def load(self) -> None:
        (self.static_button if self.state.static_ip else self.dhcp_button).setChecked(True)
        self.static_fields.setEnabled(self.state.static_ip)
        self._show_address()
        self.prefix_box.setValue(self.state.prefix)
        self.gateway_edit.setText(self.state.gateway)
        self.dns_edit.setText(self.state.dns)
        self.interface_edit.setText(self.state.interface)
        self.vlan_edit.setText(self.state.vlan)
        self.ipv6_edit.setText(self.state.ipv6)
        self.ipv6_dns_edit.setText(self.state.ipv6_dns)
        self.winrm_box.setChecked(self.state.winrm)
        self.https_box.setChecked(self.state.winrm_https)
        self.commands_edit.setPlainText(self.state.firstboot_commands)

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

    def _prefix_changed(self, value: int) -> None:
        if not self._loading:
            self.state.prefix = value
            self.changed()

    def _winrm_toggled(self, checked: bool) -> None:
        if not self._loading:
            self.state.winrm = checked
            self.changed()

    def _https_toggled(self, checked: bool) -> None:
        if not self._loading:
            self.state.winrm_https = checked
            self.changed()

    def _commands_changed(self) -> None:
        if not self._loading:
            self.state.firstboot_commands = self.commands_edit.toPlainText()
            self.changed()
