"""A password holder that never prints itself, and a filter that hides it in logs."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator, Mapping

MASK = "********"
# Where the CLI takes the image's administrator password from (never argv or a file).
ADMIN_PASSWORD_ENV = "NANOSTUDIO_ADMIN_PASSWORD"
# Where ``console`` and ``exec`` take the remote password from.
REMOTE_PASSWORD_ENV = "NANOSTUDIO_REMOTE_PASSWORD"
SECRET_ENV_NAMES = (ADMIN_PASSWORD_ENV, REMOTE_PASSWORD_ENV)


class Secret:
    """Wraps a password so ``repr``/``str``/f-strings show a mask, not the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def redact(text: str, secret: Secret | None) -> str:
    if secret and secret.reveal() in text:
        return text.replace(secret.reveal(), MASK)
    return text


class RedactingFilter(logging.Filter):
    """Belt and braces: even if a password reaches a log call (or the traceback of
    one with ``exc_info``), it is masked."""

    def __init__(self, secret: Secret | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secret:
            message = record.getMessage()
            masked = redact(message, self._secret)
            if masked != message:
                record.msg, record.args = masked, None
            if record.exc_info and not record.exc_text:
                # What Formatter.format would add; it reuses exc_text once set.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text, self._secret)
        return True


def child_environment(
    extra: Mapping[str, str] | None = None,
    secrets: Iterable[Secret | None] = (),
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for a child process: ``base`` (this process's) plus ``extra``,
    without any password.

    Gone are the password variables and every variable whose value is a password:
    theirs, and each of ``secrets`` (a password typed at a prompt and then exported
    under another name by a script). A child's environment is readable in
    ``/proc/PID/environ`` and is inherited by everything it starts in turn.
    """
    source = dict(os.environ if base is None else base)
    values = {source[name] for name in SECRET_ENV_NAMES if source.get(name)}
    values |= {secret.reveal() for secret in secrets if secret}
    merged = {**source, **(extra or {})}
    return {
        name: value
        for name, value in merged.items()
        if name not in SECRET_ENV_NAMES and value not in values
    }


@contextlib.contextmanager
def environment_without_secrets(secrets: Iterable[Secret | None] = ()) -> Iterator[None]:
    """``os.environ`` without passwords for as long as the block runs, for children that
    take no ``env=`` (``multiprocessing``), restored afterwards."""
    kept = child_environment(secrets=secrets)
    removed = {name: value for name, value in os.environ.items() if name not in kept}
    for name in removed:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(removed)
