"""Every test of the server must leave no server thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = threading.active_count()
    yield
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    leaked = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert threading.active_count() <= before, f"threads left running: {leaked}"
