"""What ``run`` and ``verify`` share: the password, the terminal's consent, the doctor's
events printed as they come."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TextIO

from nanostudio.cli.remote_support import PASSWORD_ENV
from nanostudio.errors import UserFacingError
from nanostudio.remote.doctor import LayerEvent, format_duration
from nanostudio.secret import ADMIN_PASSWORD_ENV


def vm_password() -> str:
    """The image's administrator password: environment, else a prompt; never argv."""
    for name in (ADMIN_PASSWORD_ENV, PASSWORD_ENV):
        value = os.environ.get(name)
        if value:
            return value
    if not sys.stdin.isatty():
        raise UserFacingError(
            f"no password: set {ADMIN_PASSWORD_ENV} (the image's administrator password) "
            "or run in a terminal to be asked"
        )
    return getpass.getpass("Administrator password of the image: ")


def ask_consent(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    sys.stderr.write(question + " [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def print_event(event: LayerEvent, out: TextIO | None = None) -> None:
    expected = (
        f", usually within {format_duration(event.expected_s)} on first boot"
        if event.expected_s and event.state.value == "waiting"
        else ""
    )
    print(f"{event}{expected}", file=out or sys.stderr, flush=True)
