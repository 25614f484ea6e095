"""Summary: the build in plain sentences, the equivalent PowerShell, Save recipe…"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWizard

from nanostudio.engine.engines import resolve_engine
from nanostudio.errors import UserFacingError
from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.settings import LAST_RECIPE_DIR
from nanostudio.gui.tasks import LatestCall
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.copyable import CopyableText
from nanostudio.gui.widgets.file_dialogs import choose_save_path
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import Problem, RecipeField
from nanostudio.recipe.powershell import to_powershell
from nanostudio.recipe.toml_io import save_recipe
from nanostudio.wizard import Page, to_recipe
from nanostudio.wizard.summary import summary_sentences
from nanostudio.wizard.validation import all_problems, plan_problem


class SummaryPage(PageBase):
    page = Page.SUMMARY

    def _build(self) -> None:
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("B&uild"))
        self._plan_check = LatestCall(self)
        self.busy = BusyIndicator()
        self.sentences = QLabel()
        self.sentences.setWordWrap(True)
        self.sentences.setAccessibleName(self.tr("Summary of the build"))
        self.command = CopyableText(
            self.tr("The same build with Microsoft's New-NanoServerImage:"), lines=5
        )
        self.save_button = QPushButton(self.tr("&Save recipe…"))
        self.saved_label = NoteLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.saved_label, 1)
        layout = self.body_layout
        layout.addWidget(self.sentences)
        layout.addWidget(self.busy)
        layout.addWidget(self.page_problems)
        layout.addWidget(self.command, 1)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self._choose_recipe_file)

    def load(self) -> None:
        self._check_plan()
        items = "".join(f"<li>{escape(translated(s))}</li>" for s in summary_sentences(self.state))
        self.sentences.setText(f"<ul style='margin-left: -20px'>{items}</ul>")
        editing = self.state.edit_image is not None
        self.sentences.setAccessibleName(
            self.tr("Summary of the edit") if editing else self.tr("Summary of the build")
        )
        self.command.set_title(
            self.tr("The same edit with Microsoft's Edit-NanoServerImage (on a copy):")
            if editing
            else self.tr("The same build with Microsoft's New-NanoServerImage:")
        )
        self.command.set_text(to_powershell(to_recipe(self.state)))
        self.saved_label.setText(self.tr("The recipe never contains the password."))

    def _check_plan(self) -> None:
        """Ask the engine for its plan on a worker thread; Next waits for the verdict."""
        state = self.state
        state.plan_problem = None
        if state.media is None or all_problems(state):
            return
        recipe, media, engine = to_recipe(state), state.media, state.engine
        held = state.current_inventory()
        state.checking_plan = True
        self.busy.start(
            self.tr("Checking the plan with the {0} engine…").format(resolve_engine(engine).value)
        )
        self._plan_check.start(
            lambda: plan_problem(recipe, media, engine, held),
            self._plan_checked,
            lambda message: self._plan_checked(Problem(RecipeField.PLAN, message)),
        )

    def _plan_checked(self, verdict: object) -> None:
        self.state.checking_plan = False
        self.state.plan_problem = verdict if isinstance(verdict, Problem) else None
        self.busy.stop()
        self.refresh()

    def wait_idle(self, ms: int = 30_000) -> None:
        self._plan_check.wait(ms)

    def _choose_recipe_file(self) -> None:
        start = Path(self.settings.get(LAST_RECIPE_DIR) or self.state.output_path.parent)
        name = f"{self.state.computer_name or 'nano'}.toml"
        choose_save_path(
            self,
            self.tr("Save the recipe"),
            str(start / name),
            self.tr("NanoStudio recipes (*.toml)"),
            self.save_recipe,
            default_suffix="toml",
        )

    def save_recipe(self, path: Path) -> bool:
        try:
            save_recipe(to_recipe(self.state), path)
        except UserFacingError as error:
            self.saved_label.setText(str(error))
            return False
        self.settings.set(LAST_RECIPE_DIR, str(path.parent))
        self.saved_label.setText(self.tr("Saved to {0} (without the password).").format(path))
        return True
