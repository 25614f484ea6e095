"""One family of errors for failures a user can understand and fix.

The GUI shows ``str(error)``; the CLI prints ``error: <str(error)>`` and exits
with ``exit_code``. Anything that is not a ``UserFacingError`` is a bug and gets
a traceback in the log (and the crash dialog in the GUI).
"""

from __future__ import annotations

import errno as _errno

# What a full disk (or a file at its size limit) looks like as an OSError.
DISK_FULL_ERRNOS = frozenset({_errno.ENOSPC, _errno.EDQUOT, _errno.EFBIG})


class UserFacingError(Exception):
    """A failure caused by input or environment, with a message that says what to do."""

    exit_code = 2


class MediaError(UserFacingError):
    """The ISO, media folder or WIM cannot be used."""


class RecipeError(UserFacingError):
    """A recipe file cannot be read or is not valid."""


class ToolMissingError(UserFacingError):
    """An external program the chosen engine needs is not installed."""


class OutputError(UserFacingError):
    """The output location cannot be written (exists, read-only, full)."""


class BuildError(UserFacingError):
    """A build step failed; the message names the step and the cause."""

    exit_code = 1


class BuildCancelled(UserFacingError):
    """The user cancelled; everything partial has been removed."""

    exit_code = 130

    def __init__(self, message: str = "The build was cancelled; no output was written.") -> None:
        super().__init__(message)


class RemoteError(UserFacingError):
    """A remote connection or command failed (unreachable, refused, bad credentials)."""

    exit_code = 1


class DiskFullError(OutputError):
    """The output folder's disk filled up (or a file hit its size limit) during a build.

    Raised where a tool's failure shows it; an ``OSError`` with ``ENOSPC``, ``EDQUOT``
    or ``EFBIG`` anywhere in a failure's chain counts too. The runner words them all
    alike: "the output disk is full: N free, about M needed" (exit 2)."""

    def __init__(
        self, message: str = "the output disk is full", *, errno: int = _errno.ENOSPC
    ) -> None:
        super().__init__(message)
        self.errno = errno
