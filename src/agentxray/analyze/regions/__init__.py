"""Region knowledge from real data: IANA time zones, CLDR locales, UTC offsets. One API for the
JavaScript and Python detectors."""

from __future__ import annotations

from agentxray.analyze.regions.locales import locale_region
from agentxray.analyze.regions.names import (
    country_code,
    encoding_locale,
    language_code,
    lcid_locale,
    windows_locale,
)
from agentxray.analyze.regions.offsets import offset_region
from agentxray.analyze.regions.timezones import (
    country_name,
    zone_countries,
    zone_country,
    zone_database,
)
from agentxray.analyze.regions.zonenames import (
    name_countries,
    offset_minutes_east,
    zone_countries_loose,
    zones_of_name,
)

__all__ = [
    "country_code",
    "country_name",
    "encoding_locale",
    "language_code",
    "lcid_locale",
    "locale_region",
    "name_countries",
    "offset_minutes_east",
    "offset_region",
    "windows_locale",
    "zone_countries",
    "zone_countries_loose",
    "zone_country",
    "zone_database",
    "zones_of_name",
]
