"""The image's administrator password on the command line: from the environment, else
typed on the terminal; never from argv (other users can read a process's arguments)."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Sequence

from nanostudio.errors import UserFacingError
from nanostudio.secret import ADMIN_PASSWORD_ENV


class PasswordMissingError(UserFacingError):
    """No password in the environment and no terminal to ask on."""


def image_password(*, confirm: bool, also_env: Sequence[str] = ()) -> str:
    """The first of ``NANOSTUDIO_ADMIN_PASSWORD`` and ``also_env`` that is set, else asked
    for on the terminal; twice when ``confirm`` (a new image's password), since a typo
    would lock the user out of what they build."""
    for name in (ADMIN_PASSWORD_ENV, *also_env):
        value = os.environ.get(name)
        if value:
            return value
    if not sys.stdin.isatty():
        raise PasswordMissingError(
            f"no administrator password: set {ADMIN_PASSWORD_ENV} or run in a terminal to be asked"
        )
    first = getpass.getpass("Administrator password of the image: ")
    if confirm and first != getpass.getpass("Type it again: "):
        raise PasswordMissingError("the two passwords differ: run the command again")
    return first
