"""A password holder that never prints itself, and a filter that hides it in logs."""

from __future__ import annotations

import logging

MASK = "********"
# Where the CLI takes the image's administrator password from (never argv or a file).
ADMIN_PASSWORD_ENV = "NANOSTUDIO_ADMIN_PASSWORD"


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
