"""The wizard's time zones: the list lives in ``nanostudio.timezones`` (no Qt, no
wizard), where the recipe's validation checks a zone against it too."""

from __future__ import annotations

from nanostudio.timezones import TIME_ZONES, TimeZone, find_time_zone, search_time_zones

__all__ = ["TIME_ZONES", "TimeZone", "find_time_zone", "search_time_zones"]
