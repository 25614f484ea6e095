"""What a failure message quotes of a tool's output, for tools whose words are the only
detail they give (bcdboot and bcdedit cannot be told to speak English)."""

from __future__ import annotations

from collections.abc import Iterable


def tool_said(tool: str, lines: Iterable[str], last: int) -> str:
    """``: bcdedit said 'A / B'`` from the ``last`` non-blank lines; "" if it said nothing."""
    said = [line.strip() for line in lines if line.strip()]
    return f": {tool} said {' / '.join(said[-last:])!r}" if said else ""
