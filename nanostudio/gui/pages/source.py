"""Source: an ISO, a media folder or a WIM, read in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.edit_image import EditImageBox
from nanostudio.gui.settings import LAST_MEDIA_DIR, Settings
from nanostudio.gui.tasks import Task, blocking_task
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.media import MediaInfo, inspect_media
from nanostudio.recipe import RecipeField
from nanostudio.sizes import human_size
from nanostudio.wizard import Page, WizardState

TYPED_PATH_DELAY_MS = 400


class SourcePage(PageBase):
    page = Page.SOURCE

    def __init__(self, state: WizardState, settings: Settings) -> None:
        super().__init__(state, settings)
        self.setTitle(self.tr("Windows Server 2016 media"))
        self.setSubTitle(
            self.tr(
                "Choose the ISO, the folder it was copied to, or NanoServer.wim. "
                "You can also drop it on this page."
            )
        )
        self.setAcceptDrops(True)
        self._job: Task | None = None
        self._generation = 0
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
        caption = QLabel(self.tr("&Media:"))
        caption.setBuddy(self.path_edit)
        row = QHBoxLayout()
        row.addWidget(caption)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        self.busy = BusyIndicator()
        self.found_label = QLabel()
        self.found_label.setWordWrap(True)
        self.images = QTreeWidget()
        self.images.setHeaderLabels([self.tr("Image"), self.tr("Edition"), self.tr("Size")])
        self.images.setRootIsDecorated(False)
        self.images.setAccessibleName(self.tr("Images on the media"))
        self.images.setColumnWidth(0, 380)
        found = QGroupBox(self.tr("What the media holds"))
        found_layout = QVBoxLayout(found)
        found_layout.addWidget(self.found_label)
        found_layout.addWidget(self.images, 1)
        self.packages = QTreeWidget()
        self.packages.setHeaderLabels([self.tr("Package"), self.tr("Languages")])
        self.packages.setRootIsDecorated(False)
        self.packages.setAccessibleName(self.tr("Packages on the media"))
        self.packages.setColumnWidth(0, 380)
        found_layout.addWidget(self.packages, 2)
        self.edit_box = EditImageBox(
            state, self.problem_label(RecipeField.EDIT_IMAGE), self.refresh
        )
        layout = QVBoxLayout(self.body)
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
        editing = self.state.edit_image is not None
        self.setTitle(
            self.tr("The image to edit, and the media")
            if editing
            else self.tr("Windows Server 2016 media")
        )
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
        dialog = QFileDialog(self, self.tr("Choose the ISO or WIM"), self._start_dir())
        dialog.setNameFilter(self.tr("Windows media (*.iso *.wim);;All files (*)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self.choose(Path(name)))
        dialog.open()

    def _choose_folder(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose the media folder"), self._start_dir())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda name: self.choose(Path(name)))
        dialog.open()

    def _read_typed_path(self) -> None:
        self._typed.stop()
        text = self.path_edit.text().strip().strip('"')
        path = Path(text).expanduser() if text else None
        if path == self.state.media_path:
            return
        if path is None:
            self._generation += 1  # a reading still running is for a path now gone
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
        self._generation += 1
        generation = self._generation
        job = blocking_task(lambda: inspect_media(path), self)
        job.succeeded.connect(lambda info: self._inspected(generation, info, None))
        job.failed.connect(lambda message: self._inspected(generation, None, message))
        self._job = job
        self.busy.start(self.tr("Reading {0}…").format(path.name))
        self._show_media()
        self.refresh()
        job.start()

    def _inspected(self, generation: int, info: object, message: str | None) -> None:
        if generation != self._generation:
            return
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
        if self._job is not None:
            self._job.wait(ms)

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
