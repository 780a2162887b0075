"""Region knowledge from real data: IANA time zones, CLDR locales, UTC offsets."""

from __future__ import annotations

from agentxray.analyze.regions.locales import locale_region
from agentxray.analyze.regions.names import (
    country_code,
    encoding_locale,
    language_code,
    lcid_locale,
    offset_minutes_east,
    windows_locale,
    zone_countries_loose,
)
from agentxray.analyze.regions.offsets import offset_region
from agentxray.analyze.regions.timezones import country_name, zone_countries

__all__ = [
    "country_code",
    "country_name",
    "encoding_locale",
    "language_code",
    "lcid_locale",
    "locale_region",
    "offset_minutes_east",
    "offset_region",
    "windows_locale",
    "zone_countries",
    "zone_countries_loose",
]
