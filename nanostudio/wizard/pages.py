"""The wizard's pages and the build's status: light on purpose (no engine, no media),
so the first page can be shown before the heavier modules are imported."""

from __future__ import annotations

import enum


class Page(enum.IntEnum):
    WELCOME = 0
    SOURCE = 1
    TARGET = 2
    EDITION = 3
    DRIVERS = 4
    IDENTITY = 5
    NETWORK = 6
    OUTPUT = 7
    SUMMARY = 8
    BUILD = 9
    DONE = 10


class BuildStatus(enum.Enum):
    NOT_STARTED = "not started"
    RUNNING = "running"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (BuildStatus.RUNNING, BuildStatus.CANCELLING)
