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
    UPDATES = 5  # updates (servicing packages) and files copied into the image
    IDENTITY = 6
    NETWORK = 7
    OUTPUT = 8
    SUMMARY = 9
    BUILD = 10
    DONE = 11


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
