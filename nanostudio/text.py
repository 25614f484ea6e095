"""Characters no recipe value may hold, whichever language it ends up in.

A recipe's values reach ``cmd`` (SetupComplete.cmd), PowerShell, ``netsh`` and XML.
A line break starts a new command in each of them, and other control or
formatting characters (NUL, ESC, bidirectional overrides, U+2028) either cut a
line where Windows would or hide text from whoever reads the recipe; none belongs
in a name, a zone, an address or a path.
"""

from __future__ import annotations

import unicodedata

# Cc: C0/C1 controls (NUL, TAB, CR, LF, ESC, NEL U+0085); Cf: format characters
# (bidi overrides, zero-width, BOM); Cs: lone surrogates; Zl/Zp: U+2028, U+2029.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def control_character(text: str) -> tuple[int, str] | None:
    """The first forbidden character of ``text`` and its position, or None."""
    for position, char in enumerate(text):
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            return position, char
    return None


def control_character_problem(text: str) -> str | None:
    """A one-line sentence naming the first forbidden character of ``text``, or None."""
    found = control_character(text)
    if found is None:
        return None
    position, char = found
    name = unicodedata.name(char, "control character")
    return (
        f"{text!r} holds U+{ord(char):04X} ({name.lower()}) at position {position + 1}: "
        "remove it (line breaks and other control characters would start a new command "
        "on the image)"
    )


def printable(text: str) -> str:
    """``text`` on one line: every forbidden character shown as an escape."""
    if control_character(text) is None:
        return text
    return "".join(
        ascii(c)[1:-1] if unicodedata.category(c) in _FORBIDDEN_CATEGORIES else c for c in text
    )


def printable_lines(text: str) -> str:
    """``printable`` for each line of ``text``: its line breaks kept, nothing else raw.

    For what goes to a terminal from outside (names on the media, server messages):
    an escape sequence in a cab's name must show as ``\\x1b[31m``, not recolour the
    terminal, and a name that is not valid UTF-8 (a lone surrogate) as ``\\udcff``.
    """
    return "\n".join(printable(line) for line in text.split("\n"))
