"""Shared test set-up: offscreen Qt, isolated settings, and the fixture plugins."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fixture modules owned by their areas (each a plain module of pytest fixtures).
pytest_plugins: list[str] = []
