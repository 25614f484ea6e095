"""Done: the disk and what to do with it, or what went wrong and what to try."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nanostudio.engine.content.setupcomplete import FAILURES_LOG_PATH, LOG_PATH
from nanostudio.engine.engines import EngineName, resolve_engine
from nanostudio.engine.events import BuildOutcome, Status
from nanostudio.gui import console_link
from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.vm_panel import VmPanel
from nanostudio.gui.widgets.copyable import CopyableText
from nanostudio.gui.widgets.problems import NoteLabel, ProblemLabel
from nanostudio.recipe import OutputFormat, Target
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.sizes import human_size
from nanostudio.vm.model import GuestNetwork, Hypervisor, VmSpec, hypervisor_for
from nanostudio.wizard import Page, preset
from nanostudio.wizard.targets import disk_firmware
from nanostudio.wizard.vm_commands import vm_commands


def what_to_try(outcome: BuildOutcome) -> list[str]:
    """Advice for a failed build, from the error's words."""
    error = (outcome.error or "").lower()
    tips = []
    if "not installed" in error or ("install" in error and "package" in error):
        tips.append("Install the missing program named above, then build again.")
    if "space" in error:
        tips.append("Free some disk space or choose an output folder on another drive.")
    if "exists" in error:
        tips.append("Choose another output file name on the Output page.")
    if "truncated" in error or "damaged" in error or "corrupt" in error:
        tips.append("Copy the media again from the ISO: the file looks damaged.")
    if "internal error" in error:
        tips.append("This is a bug in NanoStudio: please report it with the log below.")
    tips.append("Press Back to check the settings, then Build again.")
    return tips


class DonePage(PageBase):
    page = Page.DONE

    def _build(self) -> None:
        self.stack = QStackedWidget()
        # Success.
        success = QWidget()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setAccessibleName(self.tr("Output file"))
        self.open_button = QPushButton(self.tr("&Open folder"))
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.open_button)
        self.commands = CopyableText(self.tr("Create the VM:"), lines=7)
        self.notes = NoteLabel()
        self.connect_button = QPushButton(self.tr("Conn&ect…"))
        self.connect_note = NoteLabel()
        connect_row = QHBoxLayout()
        connect_row.addWidget(self.connect_note, 1)
        connect_row.addWidget(self.connect_button)
        self.vm_panel = VmPanel()
        commands_tab = QWidget()
        commands_layout = QVBoxLayout(commands_tab)
        commands_layout.addWidget(self.commands, 1)
        commands_layout.addWidget(self.notes)
        commands_layout.addLayout(connect_row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.vm_panel, self.tr("Start it &here"))
        self.tabs.addTab(commands_tab, self.tr("Create the VM &yourself"))
        success_layout = QVBoxLayout(success)
        success_layout.setContentsMargins(0, 0, 0, 0)
        success_layout.addWidget(self.result_label)
        success_layout.addLayout(row)
        success_layout.addWidget(self.tabs, 1)
        # Failure.
        failure = QWidget()
        self.error_label = ProblemLabel()
        self.tips_label = QLabel()
        self.tips_label.setWordWrap(True)
        self.log_view = CopyableText(self.tr("Log:"), lines=8)
        self.log_path_label = NoteLabel()
        failure_layout = QVBoxLayout(failure)
        failure_layout.setContentsMargins(0, 0, 0, 0)
        failure_layout.addWidget(self.error_label)
        failure_layout.addWidget(self.tips_label)
        failure_layout.addWidget(self.log_view, 1)
        failure_layout.addWidget(self.log_path_label)
        self.stack.addWidget(success)
        self.stack.addWidget(failure)
        layout = self.body_layout
        layout.addWidget(self.stack, 1)
        self.open_button.clicked.connect(self._open_folder)
        self.connect_button.clicked.connect(self.connect_console)
        self.log_text = ""

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        """Finish is always allowed here: the work is over, whatever its outcome."""
        return True

    def set_log_text(self, text: str) -> None:
        """The build page's log, shown when the build failed."""
        self.log_text = text

    def load(self) -> None:
        outcome = self.state.outcome
        if outcome is not None and outcome.status is Status.SUCCEEDED:
            self._show_success(outcome)
        else:
            self._show_failure(outcome)

    def _show_success(self, outcome: BuildOutcome) -> None:
        self.setTitle(self.tr("Your Nano Server disk is ready"))
        self.setSubTitle(self.tr("Create a VM with it, start it, then connect."))
        self.stack.setCurrentIndex(0)
        disk = outcome.output or self.state.output_path
        self.path_edit.setText(str(disk))
        self.result_label.setText(self._result_text(outcome, disk))
        portable = resolve_engine(self.state.engine) is EngineName.PORTABLE
        target = self.state.vm_target()
        self.commands.setVisible(target is not None)
        notes: list[str] = []
        if target is not None:
            firmware = disk_firmware(target, self.state.output_format, portable=portable)
            commands = vm_commands(
                target,
                name=self.state.computer_name,
                disk=disk,
                firmware=firmware,
                static_ip=self.state.static_ip,
            )
            self.commands.title.setText(
                self.tr("Create the VM ({0}; paste into {1}):").format(
                    preset(target).label, commands.shell
                )
            )
            self.commands.set_text(commands.text)
            notes += [translated(note) for note in commands.notes]
        if self.state.edit_image is not None:
            notes.append(self._edit_drivers_note(target))
        elif portable:
            notes.append(self._build_drivers_note())
        if portable:
            notes.append(
                self.tr(
                    "The first boot installs the chosen packages and restarts once; give it "
                    "a few minutes before connecting."
                )
            )
        notes.append(
            self.tr(
                "First boot logs every step to {0}; if a step failed, {1} says which "
                "(Get-Content it in the console)."
            ).format(LOG_PATH, FAILURES_LOG_PATH)
        )
        self.notes.setText("\n".join(notes))
        self._configure_vm_panel(disk)
        available = console_link.console_available() and self.state.winrm
        self.connect_button.setEnabled(available)
        host = self.connection().host
        if not self.state.winrm:
            self.connect_note.setText(
                self.tr("WinRM was left closed, so remote PowerShell is off.")
            )
        elif self.state.static_ip:
            self.connect_note.setText(
                self.tr("Connect to {0} as Administrator once the VM runs.").format(host)
            )
        else:
            self.connect_note.setText(
                self.tr(
                    "Connect to {0} (or the address the VM gets from DHCP) as Administrator."
                ).format(host)
            )

    def _edit_drivers_note(self, target: Target | None) -> str:
        """An edit adds no target's drivers: say which VM its own drivers serve."""
        if self.state.image_drivable is None:
            return self.tr(
                "The image keeps the drivers it had; which machines they serve could not "
                "be read: start it where the original image ran."
            )
        if target is None:
            return self.tr(
                "The image keeps the drivers it had, and they serve none of the VMs "
                "NanoStudio knows (driver folders an edit adds are installed at first boot, "
                "too late to start from a VM's disk): start it on the machine the original "
                "image was made for, or edit it with a target's drivers (nanostudio edit "
                "--target)."
            )
        return self.tr(
            "The image keeps the drivers it had; they serve {0}, so the VM is made for it."
        ).format(target.label)

    def _build_drivers_note(self) -> str:
        if self.state.target is Target.PHYSICAL:
            return self.tr(
                "A physical machine's controllers are not known here: the image has the "
                "drivers of the chosen packages and driver folders."
            )
        return self.tr(
            "The drivers {0} needs to boot and reach the network are in the image."
        ).format(self.state.target.label)

    def _configure_vm_panel(self, disk: Path) -> None:
        state = self.state
        network = (
            GuestNetwork(f"{state.address}/{state.prefix}", state.gateway or None)
            if state.static_ip
            else GuestNetwork()
        )
        target = state.vm_target()
        hypervisor: Hypervisor | None = hypervisor_for(target) if target else None
        why_not = ""
        if target is None and state.image_drivable is None:
            why_not = self.tr(
                "Which VMs the edited image's drivers serve could not be read: start it "
                "where the original image ran."
            )
        elif target is None:
            why_not = self.tr(
                "The edited image's own drivers serve none of the VMs NanoStudio starts."
            )
        elif target in (Target.PHYSICAL, Target.VMWARE):
            hypervisor = None
            why_not = self.tr(
                "NanoStudio starts VMs with QEMU, VirtualBox or Hyper-V; for {0} use the "
                "commands on the other tab."
            ).format(target.label)
        elif not state.winrm:
            hypervisor = None
            why_not = self.tr("WinRM was left closed: NanoStudio could not reach the VM.")
        elif self.state.output_format is OutputFormat.WIM:
            hypervisor = None
            why_not = self.tr("A WIM image is not a disk a VM can start.")
        elif not state.password:
            hypervisor = None
            why_not = self.tr("The administrator password is not known in this session.")
        spec = VmSpec(state.computer_name, disk, target, network) if target else None
        self.vm_panel.configure(
            spec if hypervisor else None, hypervisor, state.password.reveal(), why_not
        )

    def _result_text(self, outcome: BuildOutcome, disk: Path) -> str:
        try:
            used = human_size(disk.stat().st_blocks * 512)
        except (OSError, AttributeError):  # st_blocks does not exist on Windows
            used = None
        fmt = self.state.output_format
        kind = fmt.value.upper() if fmt else disk.suffix
        seconds = f"{outcome.elapsed_s:.0f}"
        if self.state.edit_image is not None and fmt is OutputFormat.WIM:
            text = self.tr("Edited in {0} s: a new WIM image").format(seconds)
        elif self.state.edit_image is not None:
            text = self.tr("Edited in {0} s: a new {1} disk of up to {2}").format(
                seconds, kind, self.state.size_shown
            )
        elif fmt is OutputFormat.WIM:
            text = self.tr("Built in {0} s: a WIM image").format(seconds)
        else:
            text = self.tr("Built in {0} s: a {1} disk of up to {2}").format(
                seconds, kind, self.state.size_shown
            )
        if used is not None:
            text += self.tr(", {0} on disk now").format(used)
        return text + "."

    def _show_failure(self, outcome: BuildOutcome | None) -> None:
        self.setTitle(self.tr("The build did not finish"))
        self.setSubTitle(self.tr("Nothing was written to the output file."))
        self.stack.setCurrentIndex(1)
        message = str(outcome) if outcome is not None else self.tr("The build did not run.")
        self.error_label.show_problems([message])
        tips = what_to_try(outcome) if outcome is not None else []
        self.tips_label.setText(
            self.tr("What to try:") + "\n" + "\n".join(f"• {self.tr(tip)}" for tip in tips)
        )
        self.log_view.set_text(self.log_text)
        if outcome is not None and outcome.log_path is not None:
            self.log_path_label.setText(self.tr("The full log is in {0}.").format(outcome.log_path))
        else:
            self.log_path_label.clear()

    def connection(self) -> ConnectionSettings:
        host = self.state.address if self.state.static_ip else self.state.computer_name
        return ConnectionSettings(host=host)

    def connect_console(self) -> QWidget | None:
        return console_link.open_console(self.window(), self.connection())

    def _open_folder(self) -> None:
        folder = (
            self.state.outcome.output if self.state.outcome else None
        ) or self.state.output_path
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder.parent)))

    def wait_idle(self, ms: int = 30_000) -> None:
        """Closing: stop waiting for the VM (it keeps running) and join the workers."""
        self.vm_panel.shutdown(ms)
        super().wait_idle(ms)
