"""Reading Nano Server media: ISO, media folder, NanoServer folder or bare WIM.

Everything here only reads the media. ``open_media`` gives a ``MediaSource``
with the inspection result (``MediaInfo``) and ways to copy the WIM and cabs out.
"""

from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo, PackageCab, WimImage
from nanostudio.media.source import MediaSource, open_media

__all__ = ["MediaInfo", "MediaSource", "PackageCab", "WimImage", "inspect_media", "open_media"]
