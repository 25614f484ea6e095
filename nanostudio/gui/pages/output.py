"""Output: where the disk goes, its format and size, and which engine builds it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QPushButton

from nanostudio.engine.engines import EngineName, resolve_engine, windows_engine_available
from nanostudio.gui.pages.base import PageBase, new_form
from nanostudio.gui.settings import LAST_ENGINE, LAST_OUTPUT_DIR, LAST_SIZE
from nanostudio.gui.widgets.boot_options import BootOptions
from nanostudio.gui.widgets.choices import radio_choices
from nanostudio.gui.widgets.file_dialogs import choose_save_path
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.gui.widgets.rows import row_widget, section_box
from nanostudio.recipe import BootSpec, OutputFormat, RecipeField
from nanostudio.wizard import Page


class OutputPage(PageBase):
    page = Page.OUTPUT

    def _build(self) -> None:
        form = new_form()
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("B&rowse…"))
        path_row = row_widget(self.path_edit, self.browse_button, stretch=self.path_edit)
        path_row.setFocusProxy(self.path_edit)  # Alt+F (its caption's buddy) lands here
        self.add_field(form, self.tr("&File:"), path_row, RecipeField.OUTPUT_PATH)
        self.path_edit.setAccessibleName(self.tr("Output file"))
        self.format_box = QComboBox()
        self.format_box.addItem(
            self.tr("VHDX: Hyper-V Generation 2, QEMU, VMware"), OutputFormat.VHDX
        )
        self.format_box.addItem(self.tr("VHD: VirtualBox, Hyper-V Generation 1"), OutputFormat.VHD)
        self.format_box.addItem(
            self.tr("WIM: an image to deploy with other tools"), OutputFormat.WIM
        )
        self.add_field(form, self.tr("F&ormat:"), self.format_box, RecipeField.OUTPUT_FORMAT)
        self.size_edit = QLineEdit()
        self.size_edit.setMaximumWidth(160)
        self.add_field(
            form,
            self.tr("Maximum &size:"),
            self.size_edit,
            RecipeField.OUTPUT_SIZE,
            self.tr(
                "A number alone means GiB; 1GB and 1GiB are the same. "
                "8 GiB is what Image Builder used: 4 GiB leaves no room for a cumulative "
                "update. A VHDX starts small and grows as Windows fills it; the portable "
                "engine's VHD is a fixed disk of the full size."
            ),
        )
        # Why Format is greyed out in an edit, where a keyboard user sees it (not a tooltip).
        self.edit_note = NoteLabel()
        engines, engine_layout = section_box(self.tr("Engine"))
        texts = self._engine_texts()
        self.engine_group, self.engine_buttons = radio_choices(
            self, {engine: (label, label.replace("&", "")) for engine, label, _note in texts}
        )
        for engine, _label, note in texts:
            engine_layout.addWidget(self.engine_buttons[engine])
            engine_layout.addWidget(NoteLabel(note))
        engine_layout.addWidget(self.problem_label(RecipeField.ENGINE))
        self.boot_options = BootOptions()
        boot_layout = self.boot_options.layout()
        assert isinstance(boot_layout, QGridLayout)
        boot_fields = (
            RecipeField.BOOT_EMS_PORT,
            RecipeField.BOOT_EMS_BAUD,
            RecipeField.BOOT_DEBUG_PORT,
            RecipeField.BOOT_DEBUG_BAUD,
        )
        for number, field in enumerate(boot_fields):
            boot_layout.addWidget(self.problem_label(field), 3 + number, 0, 1, 5)
        self.add_sections(form, self.edit_note, engines, self.boot_options)
        self.reveal_when_left(RecipeField.OUTPUT_PATH, self.path_edit)
        self.reveal_when_left(RecipeField.OUTPUT_SIZE, self.size_edit)
        self.path_edit.textEdited.connect(self._path_edited)
        self.browse_button.clicked.connect(self._browse)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.size_edit.textEdited.connect(self._size_edited)
        self.engine_group.idToggled.connect(self._engine_toggled)
        self.boot_options.changed.connect(self._boot_changed)

    def _engine_texts(self) -> list[tuple[EngineName, str, str]]:
        here = resolve_engine(EngineName.AUTO)
        windows_here = windows_engine_available()
        return [
            (
                EngineName.AUTO,
                self.tr("&Automatic (here: {0})").format(here.value),
                self.tr("The Windows engine when DISM is available, otherwise the portable one."),
            ),
            (
                EngineName.PORTABLE,
                self.tr("&Portable"),
                self.tr(
                    "Runs here without administrator rights. Writes UEFI (GPT) disks; the "
                    "boot and network drivers go into the image, packages are installed at "
                    "the first boot, which takes a few minutes longer."
                ),
            ),
            (
                EngineName.WINDOWS,
                self.tr("&Windows (DISM)")
                + ("" if windows_here else self.tr(" — not available here")),
                self.tr(
                    "Needs Windows, DISM and administrator rights. Adds packages offline and "
                    "can write BIOS (VHD) as well as UEFI (VHDX) disks."
                ),
            ),
        ]

    def load(self) -> None:
        self.path_edit.setText(str(self.state.output_path))
        fmt = self.state.output_format
        index = self.format_box.findData(fmt) if fmt is not None else -1
        self.format_box.setCurrentIndex(index)
        # An edit writes the format it reads (edit checks refuse another): not a choice.
        editing = self.state.edit_image is not None
        self.format_box.setEnabled(not editing)
        self.format_box.setToolTip(
            self.tr("An edit writes a new image of the format it reads.") if editing else ""
        )
        self.edit_note.setVisible(editing)
        self.edit_note.setText(self._edit_note(fmt) if editing else "")
        self.size_edit.setText(self.state.size_text)
        self.size_edit.setEnabled(fmt is not OutputFormat.WIM)
        self.engine_buttons[self.state.engine].setChecked(True)
        self.boot_options.show_spec(self.state.boot)

    def _edit_note(self, fmt: OutputFormat | None) -> str:
        if fmt is OutputFormat.WIM:
            return self.tr(
                "An edit writes a new image of the format it reads; to change the format, "
                "build a new image from the media."
            )
        return self.tr(
            "An edit writes a new image of the format it reads; to change the format, "
            "build a new image from the media. The new disk is never smaller than the "
            "image: the portable engine can make it larger, the Windows engine keeps its size."
        )

    def set_output(self, path: Path) -> None:
        self.state.output_path = path
        self.settings.set(LAST_OUTPUT_DIR, str(path.parent))
        self.reveal(
            {RecipeField.OUTPUT_PATH}
        )  # chosen in the file dialog: say at once what is wrong
        self._loading = True
        try:
            self.load()
        finally:
            self._loading = False
        self.changed()

    def _browse(self) -> None:
        choose_save_path(
            self,
            self.tr("Save the disk as"),
            str(self.state.output_path),
            self.tr("Disks and images (*.vhdx *.vhd *.wim)"),
            self.set_output,
        )

    def _path_edited(self, text: str) -> None:
        self.state.output_path = Path(text.strip()).expanduser()
        fmt = self.state.output_format
        if fmt is not None:
            self._loading = True
            try:
                self.format_box.setCurrentIndex(self.format_box.findData(fmt))
                self.size_edit.setEnabled(fmt is not OutputFormat.WIM)
            finally:
                self._loading = False
        self.changed()

    def _format_changed(self) -> None:
        data = self.format_box.currentData()
        if self._loading or data is None:
            return
        fmt = OutputFormat(data)
        self.state.set_output_format(fmt)
        self.path_edit.setText(str(self.state.output_path))
        self.size_edit.setEnabled(fmt is not OutputFormat.WIM)
        self.changed()

    def _size_edited(self, text: str) -> None:
        self.state.size_text = text.strip()
        if self.state.size_bytes is not None:
            self.settings.set(LAST_SIZE, self.state.size_text)
        self.changed()

    def _boot_changed(self, spec: object) -> None:
        assert isinstance(spec, BootSpec)
        self.state.boot = spec
        self.changed()

    def _engine_toggled(self, number: int, checked: bool) -> None:
        if not checked or self._loading:
            return
        engine = list(self.engine_buttons)[number]
        self.state.engine = engine
        self.settings.set(LAST_ENGINE, engine.value)
        self.changed()
