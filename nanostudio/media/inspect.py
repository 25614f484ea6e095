"""One call for "what is on this media?", used by the CLI and the wizard."""

from __future__ import annotations

from pathlib import Path

from nanostudio.media.model import MediaInfo
from nanostudio.media.source import open_media


def inspect_media(path: Path) -> MediaInfo:
    """Images and packages of the media at ``path``; raises MediaError if unusable."""
    with open_media(path) as source:
        return source.info
