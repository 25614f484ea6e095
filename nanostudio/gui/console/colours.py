"""Stream colours that stay readable on both light and dark palettes."""

from __future__ import annotations

from enum import IntEnum

from nanostudio.remote.events import Stream

# (on a light background, on a dark background); OUTPUT/HOST use the palette's text colour.
_COLOURS: dict[Stream, tuple[str, str]] = {
    Stream.ERROR: ("#b00020", "#ff6b6b"),
    Stream.WARNING: ("#8a5a00", "#ffc857"),
    Stream.VERBOSE: ("#00697a", "#5ad1e6"),
    Stream.DEBUG: ("#5b4fa8", "#b9a9ff"),
    Stream.INFORMATION: ("#2e6b1f", "#8fd694"),
}


def is_dark(background_lightness: int) -> bool:
    """QColor.lightness() of the window background: below the middle means a dark theme."""
    return background_lightness < 128


def stream_colour(stream: Stream, dark: bool) -> str | None:
    """A hex colour for the stream, or None for the palette's normal text colour."""
    pair = _COLOURS.get(stream)
    if pair is None:
        return None
    return pair[1] if dark else pair[0]


class ConsoleColour(IntEnum):
    """System.ConsoleColor: what Write-Host -ForegroundColor/-BackgroundColor name."""

    BLACK = 0
    DARK_BLUE = 1
    DARK_GREEN = 2
    DARK_CYAN = 3
    DARK_RED = 4
    DARK_MAGENTA = 5
    DARK_YELLOW = 6
    GRAY = 7
    DARK_GRAY = 8
    BLUE = 9
    GREEN = 10
    CYAN = 11
    RED = 12
    MAGENTA = 13
    YELLOW = 14
    WHITE = 15


# Windows Terminal's "Campbell" scheme on a dark background; on a light one the
# colours that would vanish on white (white, gray, yellow, cyan) are darkened. All
# sixteen stay distinct in both, so -ForegroundColor is always visible.
_HOST_COLOURS: dict[ConsoleColour, tuple[str, str]] = {
    ConsoleColour.BLACK: ("#0c0c0c", "#5a5a5a"),
    ConsoleColour.DARK_BLUE: ("#0037da", "#4a6cf0"),
    ConsoleColour.DARK_GREEN: ("#0e7a0b", "#13a10e"),
    ConsoleColour.DARK_CYAN: ("#2a7ab8", "#3a96dd"),
    ConsoleColour.DARK_RED: ("#c50f1f", "#c50f1f"),
    ConsoleColour.DARK_MAGENTA: ("#881798", "#9a3cb0"),
    ConsoleColour.DARK_YELLOW: ("#8a6d00", "#c19c00"),
    ConsoleColour.GRAY: ("#7a7a7a", "#cccccc"),
    ConsoleColour.DARK_GRAY: ("#555555", "#8a8a8a"),
    ConsoleColour.BLUE: ("#1f5fe0", "#3b78ff"),
    ConsoleColour.GREEN: ("#129c0a", "#16c60c"),
    ConsoleColour.CYAN: ("#0f8f8f", "#61d6d6"),
    ConsoleColour.RED: ("#e0283a", "#e74856"),
    ConsoleColour.MAGENTA: ("#b4009e", "#d65ac6"),
    ConsoleColour.YELLOW: ("#a88a00", "#f9f1a5"),
    ConsoleColour.WHITE: ("#9e9e9e", "#f2f2f2"),
}


def host_colour(colour: ConsoleColour | int, dark: bool) -> str:
    """The hex colour a console colour (0-15) is painted in on this palette."""
    pair = _HOST_COLOURS[ConsoleColour(colour)]
    return pair[1] if dark else pair[0]


def is_console_colour(value: object) -> bool:
    return isinstance(value, int) and 0 <= value <= 15
