"""Identity: computer name, administrator password (rules shown as met), time zone, and
an answer file of the user's own, merged with NanoStudio's (-UnattendPath)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListWidget, QListWidgetItem

from nanostudio.gui.pages.base import PageBase, new_form
from nanostudio.gui.settings import LAST_TIMEZONE
from nanostudio.gui.tasks import Task, start_blocking
from nanostudio.gui.widgets.djoin_harvest import HarvestButton
from nanostudio.gui.widgets.file_field import FileField
from nanostudio.gui.widgets.problems import is_dark, set_color
from nanostudio.gui.widgets.rows import column_widget, row_widget
from nanostudio.identity import MAX_COMPUTER_NAME, password_rules
from nanostudio.recipe import Recipe, RecipeField, SystemSpec
from nanostudio.recipe.domain_blob import blob_names
from nanostudio.recipe.odj import ProvisionedJoin
from nanostudio.recipe.system_rules import unattend_problems
from nanostudio.secret import Secret
from nanostudio.timezones import find_time_zone, search_time_zones
from nanostudio.wizard import Page


class IdentityPage(PageBase):
    page = Page.IDENTITY

    def _build(self) -> None:
        form = new_form()
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(64)
        self.add_field(
            form,
            self.tr("Computer na&me:"),
            self.name_edit,
            RecipeField.SYSTEM_COMPUTER_NAME,
            self.tr("1 to {0} letters, digits or hyphens.").format(MAX_COMPUTER_NAME),
        )
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(
            form, self.tr("Administrator &password:"), self.password_edit, RecipeField.PASSWORD
        )
        self.rule_labels = [QLabel() for _ in password_rules("")]
        self.rules = column_widget(*self.rule_labels, spacing=0)
        self.rules.setAccessibleName(self.tr("Password rules"))
        form.addRow("", self.rules)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(
            form, self.tr("&Confirm password:"), self.confirm_edit, RecipeField.PASSWORD_CONFIRM
        )
        self.show_password = QCheckBox(self.tr("&Show the password"))
        form.addRow("", self.show_password)
        self.zone_search = QLineEdit()
        self.zone_search.setPlaceholderText(self.tr("Search, e.g. Berlin, +01:00 or Pacific"))
        self.zone_search.setClearButtonEnabled(True)
        self.zone_list = QListWidget()
        self.zone_list.setAccessibleName(self.tr("Time zones"))
        self.zone_list.setMinimumHeight(110)
        zone_block = column_widget(self.zone_search, self.zone_list, stretch=self.zone_list)
        zone_block.setFocusProxy(self.zone_search)  # Alt+T (its caption's buddy) lands here
        self.add_field(form, self.tr("&Time zone:"), zone_block, RecipeField.SYSTEM_TIMEZONE)
        self.zone_search.setAccessibleName(self.tr("Search time zones"))
        self.unattend_field = FileField(
            self.tr("optional: your own unattend.xml"),
            self.tr("C&hoose…"),
            self.tr("Clea&r"),
            self.tr("Choose an answer file"),
            self.tr("Answer files (*.xml);;All files (*)"),
        )
        self.add_field(
            form,
            self.tr("Answer &file:"),
            self.unattend_field,
            RecipeField.SYSTEM_UNATTEND,
            self.tr("Merged with NanoStudio's; a setting both set is named, never overwritten."),
        )
        self.unattend_field.edit.setAccessibleName(self.tr("Answer file"))
        self.blob_field = FileField(
            self.tr("optional: from djoin /provision /savefile"),
            self.tr("Ch&oose…"),
            self.tr("Cl&ear"),
            self.tr("Choose a domain-join blob"),
            self.tr("djoin blobs (*.txt *.djoin *.blob);;All files (*)"),
        )
        self.add_field(
            form,
            self.tr("&Domain-join blob:"),
            self.blob_field,
            RecipeField.SYSTEM_DOMAIN_BLOB,
            self.tr("Made with djoin /machine set to this computer name (checked)."),
        )
        self.blob_field.edit.setAccessibleName(self.tr("Domain-join blob"))
        # djoin run by NanoStudio: on a line of its own, shown on domain members only.
        self.harvest_button = HarvestButton(lambda: self.state.computer_name)
        self.harvest_status = QLabel()
        self.harvest_status.setWordWrap(True)
        self.harvest_status.setVisible(False)
        harvest_row = row_widget(
            self.harvest_button, self.harvest_status, stretch=self.harvest_status
        )
        form.addRow("", harvest_row)
        self._blob_job: Task | None = None
        self._checked_blob: Path | None = None
        self._unattend_job: Task | None = None
        self._checked_unattend: Path | None = None
        layout = self.body_layout
        layout.addLayout(form, 1)
        layout.addWidget(self.page_problems)
        self.reveal_when_left(RecipeField.SYSTEM_COMPUTER_NAME, self.name_edit)
        self.reveal_when_left(RecipeField.PASSWORD, self.password_edit)
        self.reveal_when_left(RecipeField.PASSWORD_CONFIRM, self.confirm_edit)
        self.name_edit.textEdited.connect(self._name_edited)
        self.password_edit.textChanged.connect(self._password_edited)
        self.confirm_edit.textChanged.connect(self._confirm_edited)
        self.show_password.toggled.connect(self._toggle_echo)
        self.zone_search.textChanged.connect(self._filter_zones)
        self.zone_list.currentItemChanged.connect(self._zone_chosen)
        self.unattend_field.chosen.connect(self.set_unattend)
        self.blob_field.chosen.connect(self.set_domain_blob)
        self.harvest_button.harvested.connect(self._harvested)
        self.harvest_button.failed.connect(self._harvest_failed)

    def load(self) -> None:
        self.name_edit.setText(self.state.computer_name)
        self.password_edit.setText(self.state.password.reveal())
        self.confirm_edit.setText(self.state.password_confirm.reveal())
        if self.zone_search.text():  # a search from the last visit would hide the choice
            self.zone_search.clear()  # (textChanged re-fills the list)
        else:
            self._filter_zones("")
        self._show_rules()
        self.unattend_field.show_path(self.state.unattend)
        self.blob_field.show_path(self.state.domain_blob)
        self.harvest_button.refresh()
        # A recipe (or an imported script) brought a file: check it now, off this thread.
        if self.state.unattend is not None and self.state.unattend != self._checked_unattend:
            self.set_unattend(self.state.unattend)
        if self.state.domain_blob is not None and self.state.domain_blob != self._checked_blob:
            self.set_domain_blob(self.state.domain_blob)

    def wait_idle(self, ms: int = 30_000) -> None:
        self.harvest_button.wait(ms)
        for job in (self._unattend_job, self._blob_job):
            if job is not None:
                job.wait(ms)

    def _harvested(self, path: Path) -> None:
        self.harvest_status.setVisible(False)
        self.set_domain_blob(path)

    def _harvest_failed(self, message: str) -> None:
        self.harvest_status.setText(message)
        self.harvest_status.setVisible(True)

    def set_domain_blob(self, path: Path | None) -> None:
        """Hold the blob file and check it on a worker thread."""
        self.state.domain_blob = path
        self._checked_blob = path
        self.state.domain_blob_problem = None
        self.state.domain_blob_join = None
        self.state.checking_domain_blob = path is not None
        self.blob_field.show_path(path)
        self.changed()
        if self.state.unattend is not None:  # its conflicts depend on the blob
            self.set_unattend(self.state.unattend)
        if path is None:
            return
        self._blob_job = start_blocking(
            lambda: blob_names(path),
            self,
            lambda verdict: self._blob_checked(path, verdict),
            lambda message: self._blob_checked(path, message),
        )

    def _blob_checked(self, path: Path, verdict: object) -> None:
        """The names read (checked against the computer name by validation) or why not."""
        if self.state.domain_blob != path:
            return
        self.state.checking_domain_blob = False
        if isinstance(verdict, ProvisionedJoin):
            self.state.domain_blob_join = verdict
        else:
            self.state.domain_blob_problem = str(verdict)
        self.reveal({RecipeField.SYSTEM_DOMAIN_BLOB})
        self.changed()

    def set_unattend(self, path: Path | None) -> None:
        """Hold the file and check it on a worker thread (never read on the GUI thread)."""
        self.state.unattend = path
        self._checked_unattend = path
        self.state.unattend_problem = None
        self.state.checking_unattend = path is not None
        self.unattend_field.show_path(path)
        self.changed()
        if path is None:
            return
        # With a domain blob, the file's own UnattendedJoin identification is a conflict too.
        recipe = Recipe(system=SystemSpec(unattend=path, domain_blob=self.state.domain_blob))
        self._unattend_job = start_blocking(
            lambda: [p.message for p in unattend_problems(recipe)],
            self,
            lambda messages: self._unattend_checked(path, messages),
            lambda message: self._unattend_checked(path, [message]),
        )

    def _unattend_checked(self, path: Path, messages: object) -> None:
        if self.state.unattend != path:
            return  # another file was chosen meanwhile
        self.state.checking_unattend = False
        texts = messages if isinstance(messages, list) else []
        self.state.unattend_problem = "; ".join(str(m) for m in texts) or None
        self.reveal({RecipeField.SYSTEM_UNATTEND})
        self.changed()

    def _name_edited(self, text: str) -> None:
        self.state.computer_name = text.strip()
        self.changed()

    def _password_edited(self, text: str) -> None:
        self.state.password = Secret(text)
        self._show_rules()
        self.changed()

    def _confirm_edited(self, text: str) -> None:
        self.state.password_confirm = Secret(text)
        self.changed()

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password_edit.setEchoMode(mode)
        self.confirm_edit.setEchoMode(mode)

    def _show_rules(self) -> None:
        dark = is_dark(self)
        met_color, unmet_color = ("#7ed67e", "#c8c8c8") if dark else ("#1b7d1b", "#5f5f5f")
        for label, rule in zip(
            self.rule_labels, password_rules(self.state.password.reveal()), strict=True
        ):
            mark = "✔" if rule.met else "○"
            label.setText(f"{mark} {rule.label}")
            set_color(label, met_color if rule.met else unmet_color)
            label.setAccessibleName(
                self.tr("{0}: met").format(rule.label)
                if rule.met
                else self.tr("{0}: not met").format(rule.label)
            )

    def rules_met(self) -> list[bool]:
        return [label.text().startswith("✔") for label in self.rule_labels]

    def _filter_zones(self, text: str) -> None:
        was = self._loading
        self._loading = True
        try:
            self.zone_list.clear()
            for zone in search_time_zones(text):
                item = QListWidgetItem(zone.display)
                if zone.places:
                    item.setToolTip(", ".join(zone.places))
                item.setData(Qt.ItemDataRole.UserRole, zone.id)
                self.zone_list.addItem(item)
                if zone.id == self.state.timezone:
                    self.zone_list.setCurrentItem(item)
            current = self.zone_list.currentItem()
            if current is not None:
                self.zone_list.scrollToItem(current)
        finally:
            self._loading = was

    def _zone_chosen(self, item: QListWidgetItem | None) -> None:
        if self._loading or item is None:
            return
        zone = find_time_zone(str(item.data(Qt.ItemDataRole.UserRole)))
        if zone is not None:
            self.state.timezone = zone.id
            self.settings.set(LAST_TIMEZONE, zone.id)
            self.changed()
