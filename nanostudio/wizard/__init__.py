"""The wizard's model: answers, pages, navigation and validation, without Qt.

Qt pages in ``nanostudio.gui.pages`` only render and bind these. Names are
imported on first use so that ``nanostudio.wizard.pages`` stays cheap to import
(the first page is painted before the engine and media modules load).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nanostudio.recipe.model import Target
    from nanostudio.wizard.navigation import can_go_back, can_go_next, is_busy, next_page
    from nanostudio.wizard.pages import BuildStatus, Page
    from nanostudio.wizard.state import (
        WizardState,
        apply_recipe,
        to_recipe,
    )
    from nanostudio.wizard.targets import PRESETS, TargetPreset, preset
    from nanostudio.wizard.validation import all_problems, page_of, page_problems

_HOMES = {
    "can_go_back": "navigation",
    "can_go_next": "navigation",
    "is_busy": "navigation",
    "next_page": "navigation",
    "BuildStatus": "pages",
    "Page": "pages",
    "WizardState": "state",
    "apply_recipe": "state",
    "to_recipe": "state",
    "PRESETS": "targets",
    "Target": "targets",
    "TargetPreset": "targets",
    "preset": "targets",
    "all_problems": "validation",
    "page_of": "validation",
    "page_problems": "validation",
}
__all__ = [
    "PRESETS",
    "BuildStatus",
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
    "to_recipe",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'nanostudio.wizard' has no attribute {name!r}")
    return getattr(importlib.import_module(f"nanostudio.wizard.{home}"), name)
