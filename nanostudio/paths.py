"""Per-user folders (config, logs, state). ``NANOSTUDIO_HOME`` moves them all,
which tests use to stay out of the real home folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from nanostudio import APP_NAME


def _base(kind: str) -> Path:
    override = os.environ.get("NANOSTUDIO_HOME")
    if override:
        return Path(override) / kind
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return root / APP_NAME / kind
    xdg = {"config": "XDG_CONFIG_HOME", "logs": "XDG_STATE_HOME", "state": "XDG_STATE_HOME"}
    defaults = {"config": ".config", "logs": ".local/state", "state": ".local/state"}
    root = Path(os.environ.get(xdg[kind]) or Path.home() / defaults[kind]) / "nanostudio"
    return root / "logs" if kind == "logs" else root


def config_dir() -> Path:
    return _base("config")


def log_dir() -> Path:
    return _base("logs")


def state_dir() -> Path:
    return _base("state")
