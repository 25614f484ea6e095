"""Edition & roles: the image, its language and the role packages, with live feedback."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QTreeWidgetItem

from nanostudio.catalogue import Edition
from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.base import PageBase, new_form
from nanostudio.gui.widgets.item_tree import item_tree
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page
from nanostudio.wizard.roles import RoleRow, implied_packages, role_rows, set_role

_SHORT = Qt.ItemDataRole.UserRole


class EditionPage(PageBase):
    page = Page.EDITION

    def _build(self) -> None:
        form = new_form()
        self.edition_box = QComboBox()
        self.add_field(form, self.tr("&Edition:"), self.edition_box, RecipeField.SOURCE_EDITION)
        self.edition_note = NoteLabel()  # an edit's: the image's edition, read or not
        form.addRow("", self.edition_note)
        self.language_box = QComboBox()
        self.add_field(form, self.tr("&Language:"), self.language_box, RecipeField.SOURCE_LANGUAGE)
        self.implied_label = NoteLabel()
        self.roles = item_tree(
            [self.tr("Role"), self.tr("What it does"), self.tr("Note")], self.tr("Role packages")
        )
        self.roles.setWordWrap(True)
        header = self.roles.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # Not sized to its contents: a long note (a translation) squeezed "What it does"
        # to a few letters. The two share the width; an elided note is in its tooltip.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        roles_label = QLabel(self.tr("&Roles:"))
        roles_label.setBuddy(self.roles)
        layout = self.body_layout
        layout.addLayout(form)
        heading = QHBoxLayout()
        heading.addWidget(roles_label)
        heading.addWidget(self.implied_label, 1)
        layout.addLayout(heading)
        layout.addWidget(self.roles, 1)
        layout.addWidget(self.problem_label(RecipeField.PACKAGES_NAMES))
        layout.addWidget(self.page_problems)
        self.edition_box.currentIndexChanged.connect(self._edition_changed)
        self.language_box.currentIndexChanged.connect(self._language_changed)
        self.roles.itemChanged.connect(self._role_changed)

    def load(self) -> None:
        self.edition_box.clear()
        media = self.state.media
        for edition in Edition:
            image = media.image_for(edition) if media else None
            if media is not None and image is None:
                continue
            label = f"{edition.value} — {image.name}" if image else edition.value
            self.edition_box.addItem(label, edition)
        self.edition_box.setCurrentIndex(max(0, self.edition_box.findData(self.state.edition)))
        self._show_edition_note()
        self.language_box.clear()
        languages = list(media.languages) if media and media.languages else [self.state.language]
        for language in languages:
            self.language_box.addItem(language, language)
        self.language_box.setCurrentIndex(max(0, self.language_box.findData(self.state.language)))
        self._show_roles()

    def _show_edition_note(self) -> None:
        """An edit keeps its image's edition: fixed when it was read, asked when not."""
        editing = self.state.edit_image is not None
        facts = self.state.edit_facts
        known = facts.edition if editing and facts is not None else None
        self.edition_box.setEnabled(known is None)
        self.edition_note.setVisible(editing)
        if known is not None:
            self.edition_note.setText(
                self.tr("The image is {0}: an edit keeps its edition.").format(known.value)
            )
        elif editing:
            self.edition_note.setText(
                self.tr(
                    "The image's edition could not be read: choose the one it is "
                    "(Datacenter-only roles need it)."
                )
            )

    def refresh(self) -> None:
        super().refresh()
        if self.state.edit_image is not None:
            self.implied_label.setText(
                self.tr("Added to the image being edited; one it already has is not added again.")
            )
            return
        implied = ", ".join(p.short for p in implied_packages(self.state))
        self.implied_label.setText(self.tr("From the target page: {0}.").format(implied))

    def _show_roles(self) -> None:
        """Update the rows in place: items must survive, a click may be on one of them."""
        was = self._loading
        self._loading = True
        try:
            rows = role_rows(self.state)
            if self.roles.topLevelItemCount() != len(rows):
                self.roles.clear()
                for row in rows:
                    item = QTreeWidgetItem([row.package.short, row.package.description, ""])
                    item.setData(0, _SHORT, row.package.short)
                    for column in range(3):
                        item.setToolTip(column, f"{row.package.name}: {row.package.description}")
                    self.roles.addTopLevelItem(item)
            for item, row in zip(self._items(), rows, strict=True):
                self._update_item(item, row)
        finally:
            self._loading = was

    def _update_item(self, item: QTreeWidgetItem, row: RoleRow) -> None:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        pulled_in = bool(row.required_by) and not row.chosen
        if (row.blocked is None or row.chosen) and not pulled_in:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if row.blocked and not row.chosen:
            flags &= ~Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        if pulled_in:
            check = Qt.CheckState.PartiallyChecked
        else:
            check = Qt.CheckState.Checked if row.included else Qt.CheckState.Unchecked
        item.setCheckState(0, check)
        note = self._note(row)
        item.setText(2, note)
        item.setToolTip(2, note or item.toolTip(1))

    def _note(self, row: RoleRow) -> str:
        notes = []
        if row.required_by:
            notes.append(self.tr("needed by {0}").format(", ".join(row.required_by)))
        if row.blocked:
            notes.append(translated(row.blocked))
        if row.package.requires and row.included:
            notes.append(self.tr("adds {0}").format(", ".join(row.package.requires)))
        if row.marker and row.included:
            notes.append(translated(row.marker))
        return "; ".join(notes)

    def _edition_changed(self) -> None:
        if self._loading or self.edition_box.currentData() is None:
            return
        self.state.edition = Edition(self.edition_box.currentData())
        self._show_roles()
        self.changed()

    def _language_changed(self) -> None:
        if self._loading or self.language_box.currentData() is None:
            return
        self.state.language = str(self.language_box.currentData())
        self.changed()

    def _role_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._loading or column != 0:
            return
        short = str(item.data(0, _SHORT))
        set_role(self.state, short, item.checkState(0) == Qt.CheckState.Checked)
        self._show_roles()
        self.changed()

    def set_role(self, short: str, chosen: bool) -> None:
        """Tick a role as a click would (tests, screenshots)."""
        for item in self._items():
            if item.data(0, _SHORT) == short:
                item.setCheckState(0, Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
                return
        raise KeyError(short)

    def note_of(self, short: str) -> str:
        for item in self._items():
            if item.data(0, _SHORT) == short:
                return item.text(2)
        raise KeyError(short)

    def _items(self) -> list[QTreeWidgetItem]:
        count = self.roles.topLevelItemCount()
        return [item for i in range(count) if (item := self.roles.topLevelItem(i)) is not None]
