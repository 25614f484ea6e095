"""The recipe: the single description of one build (see DESIGN.md)."""

from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import (
    DEFAULT_SIZE,
    BootSpec,
    CopyPath,
    DebugMethod,
    DriversSpec,
    EditSpec,
    FilesSpec,
    Firmware,
    FirstBootSpec,
    NetworkSpec,
    OutputFormat,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
    Target,
)
from nanostudio.recipe.source_rules import resolved_packages
from nanostudio.recipe.validate import Problem, validate

__all__ = [
    "DEFAULT_SIZE",
    "BootSpec",
    "CopyPath",
    "DebugMethod",
    "DriversSpec",
    "EditSpec",
    "FilesSpec",
    "Firmware",
    "FirstBootSpec",
    "NetworkSpec",
    "OutputFormat",
    "OutputSpec",
    "PackagesSpec",
    "Problem",
    "Recipe",
    "RecipeField",
    "SourceSpec",
    "SystemSpec",
    "Target",
    "resolved_packages",
    "validate",
]
