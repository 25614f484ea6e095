"""What ``run`` and ``verify`` share: the password, the terminal's consent, the doctor's
events printed as they come."""

from __future__ import annotations

import sys
from typing import TextIO

from nanostudio.cli.image_password import image_password
from nanostudio.cli.remote_support import PASSWORD_ENV
from nanostudio.remote.doctor import LayerEvent, format_duration


def vm_password() -> str:
    """The image's administrator password (or the remote one): environment, else a prompt."""
    return image_password(confirm=False, also_env=(PASSWORD_ENV,))


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
