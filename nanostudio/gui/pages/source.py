"""Source: an ISO, a media folder or a WIM, read in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTreeWidgetItem

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.edit_image import EditImageBox
from nanostudio.gui.settings import LAST_MEDIA_DIR
from nanostudio.gui.tasks import LatestCall
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.file_dialogs import choose_file, choose_folder
from nanostudio.gui.widgets.item_tree import item_tree
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.gui.widgets.rows import labelled_row, section_box
from nanostudio.media import MediaInfo, inspect_media
from nanostudio.recipe import RecipeField
from nanostudio.sizes import human_size
from nanostudio.wizard import Page

TYPED_PATH_DELAY_MS = 400


class SourcePage(PageBase):
    page = Page.SOURCE

    def _build(self) -> None:
        self.setAcceptDrops(True)
        self._inspection = LatestCall(self)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Type or paste a path, or choose one"))
        # A typed or pasted path is read once the typing pauses (or on Enter / leaving).
        self._typed = QTimer(self)
        self._typed.setSingleShot(True)
        self._typed.setInterval(TYPED_PATH_DELAY_MS)
        self._typed.timeout.connect(self._read_typed_path)
        self.path_edit.setAccessibleName(self.tr("Media"))
        self.file_button = QPushButton(self.tr("ISO or &WIM file…"))
        self.folder_button = QPushButton(self.tr("Media &folder…"))
        row = labelled_row(self.tr("&Media:"), self.path_edit, self.file_button, self.folder_button)
        self.busy = BusyIndicator()
        self.found_label = QLabel()
        self.found_label.setWordWrap(True)
        self.images = item_tree(
            [self.tr("Image"), self.tr("Edition"), self.tr("Size")], self.tr("Images on the media")
        )
        self.images.setColumnWidth(0, 380)
        found, found_layout = section_box(self.tr("What the media holds"))
        found_layout.addWidget(self.found_label)
        found_layout.addWidget(self.images, 1)
        self.packages = item_tree(
            [self.tr("Package"), self.tr("Languages")], self.tr("Packages on the media")
        )
        self.packages.setColumnWidth(0, 380)
        found_layout.addWidget(self.packages, 2)
        self.edit_box = EditImageBox(
            self.state, self.problem_label(RecipeField.EDIT_IMAGE), self.refresh
        )
        layout = self.body_layout
        layout.addWidget(self.edit_box)
        layout.addLayout(row)
        layout.addWidget(self.problem_label(RecipeField.SOURCE_MEDIA))
        layout.addWidget(self.busy)
        layout.addWidget(found, 1)
        layout.addWidget(
            NoteLabel(
                self.tr(
                    "Only NanoServer\\NanoServer.wim and NanoServer\\Packages are read; "
                    "the media is never changed."
                )
            )
        )
        self.path_edit.textEdited.connect(lambda _text: self._typed.start())
        self.path_edit.editingFinished.connect(self._read_typed_path)
        self.file_button.clicked.connect(self._choose_file)
        self.folder_button.clicked.connect(self._choose_folder)

    def load(self) -> None:
        self.edit_box.load()
        self.path_edit.setText(str(self.state.media_path or ""))
        if (
            self.state.media_path is not None
            and self.state.media is None
            and not (self.state.inspecting or self.state.media_error)
        ):
            self.choose(self.state.media_path)
        self._show_media()

    # -- choosing ------------------------------------------------------------------------

    def _choose_file(self) -> None:
        choose_file(
            self,
            self.tr("Choose the ISO or WIM"),
            self._start_dir(),
            self.tr("Windows media (*.iso *.wim);;All files (*)"),
            self.choose,
        )

    def _choose_folder(self) -> None:
        choose_folder(self, self.tr("Choose the media folder"), self._start_dir(), self.choose)

    def _read_typed_path(self) -> None:
        self._typed.stop()
        text = self.path_edit.text().strip().strip('"')
        path = Path(text).expanduser() if text else None
        if path == self.state.media_path:
            return
        if path is None:
            self._inspection.forget()  # a reading still running is for a path now gone
            self.state.set_media(None)
            self.state.inspecting = False
            self.busy.stop()
            self._show_media()
            self.refresh()
        else:
            self.choose(path)

    def _start_dir(self) -> str:
        return self.settings.get(LAST_MEDIA_DIR)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.choose(Path(urls[0].toLocalFile()))

    def choose(self, path: Path) -> None:
        """Start reading ``path`` in the background; older readings are ignored."""
        self._typed.stop()
        self.state.set_media(path)
        self.state.inspecting = True
        if Path(self.path_edit.text().strip().strip('"')).expanduser() != path:
            self.path_edit.setText(str(path))  # not while typing: the cursor would jump
        if path.exists():
            self.settings.set(LAST_MEDIA_DIR, str(path.parent if path.is_file() else path))
        self.busy.start(self.tr("Reading {0}…").format(path.name))
        self._show_media()
        self.refresh()
        self._inspection.start(
            lambda: inspect_media(path),
            lambda info: self._inspected(info, None),
            lambda message: self._inspected(None, message),
        )

    def _inspected(self, info: object, message: str | None) -> None:
        self.state.inspecting = False
        self.busy.stop()
        if isinstance(info, MediaInfo):
            self.state.take_media(info)
        else:
            self.state.media = None
            self.state.media_error = message or self.tr("the media cannot be read")
        self._show_media()
        self.refresh()

    def wait_idle(self, ms: int = 30_000) -> None:
        """For shutdown: let a running inspection end (it cannot be interrupted)."""
        self.edit_box.wait_idle(ms)
        self._inspection.wait(ms)

    # -- showing ------------------------------------------------------------------------

    def _show_media(self) -> None:
        self.images.clear()
        self.packages.clear()
        media = self.state.media
        if media is None:
            self.found_label.setText(
                self.tr("Reading the media…")
                if self.state.inspecting
                else self.tr("Nothing yet: choose the media above.")
            )
            return
        for image in media.images:
            QTreeWidgetItem(
                self.images,
                [
                    f"{image.index}. {image.name}",
                    image.edition.value if image.edition else self.tr("not Nano Server"),
                    human_size(image.total_bytes),
                ],
            )
        for cab in media.packages:
            QTreeWidgetItem(self.packages, [cab.info.name, ", ".join(sorted(cab.languages))])
        self.found_label.setText(
            self.tr(
                "{kind} · {images} image(s) · {packages} package(s) · languages: {languages}"
            ).format(
                kind={
                    "iso": self.tr("ISO image"),
                    "media-folder": self.tr("Media folder"),
                    "nanoserver-folder": self.tr("NanoServer folder"),
                    "wim": self.tr("WIM file"),
                }.get(media.kind, media.kind),
                images=len(media.images),
                packages=len(media.packages),
                languages=", ".join(media.languages) or self.tr("none"),
            )
        )
        self.found_label.setTextFormat(Qt.TextFormat.PlainText)
