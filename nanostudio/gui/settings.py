"""One table of persisted settings behind a typed QSettings wrapper.

Only the keys listed in ``SETTINGS`` can be written: an allow-list, so a password
can never be persisted by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QSettings

from nanostudio.paths import config_dir

T = TypeVar("T", str, bool, int)


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    type: type[T]
    label: str


LAST_MEDIA_DIR = Setting("paths/last_media_dir", "", str, "Folder of the last media chosen")
LAST_OUTPUT_DIR = Setting("paths/last_output_dir", "", str, "Folder of the last output file")
LAST_RECIPE_DIR = Setting("paths/last_recipe_dir", "", str, "Folder of the last recipe")
LAST_DRIVER_DIR = Setting("paths/last_driver_dir", "", str, "Folder of the last drivers")
LAST_TARGET = Setting("choices/target", "hyperv-gen2", str, "Last target chosen")
LAST_ENGINE = Setting("choices/engine", "auto", str, "Last engine chosen")
LAST_TIMEZONE = Setting("choices/timezone", "UTC", str, "Last time zone chosen")
LAST_SIZE = Setting("choices/size", "8GiB", str, "Last disk size")
WINDOW_GEOMETRY = Setting("window/geometry", "", str, "Window position and size (base64)")

SETTINGS: tuple[Setting[str] | Setting[bool] | Setting[int], ...] = (
    LAST_MEDIA_DIR,
    LAST_OUTPUT_DIR,
    LAST_RECIPE_DIR,
    LAST_DRIVER_DIR,
    LAST_TARGET,
    LAST_ENGINE,
    LAST_TIMEZONE,
    LAST_SIZE,
    WINDOW_GEOMETRY,
)
_ALLOWED = {setting.key for setting in SETTINGS}


def settings_path() -> Path:
    return config_dir() / "nanostudio.ini"


class Settings:
    """Typed access; values of the wrong type fall back to the default."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, setting: Setting[T]) -> T:
        raw = self._store.value(setting.key, setting.default)
        if setting.type is bool:
            if isinstance(raw, str):
                return setting.type(raw.lower() in ("true", "1", "yes"))
            return setting.type(bool(raw))
        if setting.type is int:
            try:
                return setting.type(int(str(raw)))
            except ValueError:
                return setting.default
        return setting.type(str(raw))

    def set(self, setting: Setting[T], value: T) -> None:
        if setting.key not in _ALLOWED:
            raise KeyError(f"{setting.key} is not a known setting")
        self._store.setValue(setting.key, value)

    def sync(self) -> None:
        self._store.sync()
