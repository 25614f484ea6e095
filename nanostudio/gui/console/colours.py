"""Stream colours that stay readable on both light and dark palettes."""

from __future__ import annotations

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
