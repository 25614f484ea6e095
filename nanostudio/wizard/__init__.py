"""The wizard's model: answers, pages, navigation and validation, without Qt.

Qt pages in ``nanostudio.gui.pages`` only render and bind these.
"""

from nanostudio.wizard.navigation import can_go_back, can_go_next, is_busy, next_page
from nanostudio.wizard.state import (
    BuildStatus,
    Page,
    WizardState,
    apply_recipe,
    target_for_recipe,
    to_recipe,
)
from nanostudio.wizard.targets import PRESETS, Firmware, Target, TargetPreset, preset
from nanostudio.wizard.validation import all_problems, page_of, page_problems

__all__ = [
    "PRESETS",
    "BuildStatus",
    "Firmware",
    "Page",
    "Target",
    "TargetPreset",
    "WizardState",
    "all_problems",
    "apply_recipe",
    "can_go_back",
    "can_go_next",
    "is_busy",
    "next_page",
    "page_of",
    "page_problems",
    "preset",
    "target_for_recipe",
    "to_recipe",
]
