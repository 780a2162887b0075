"""Region knowledge from real data: IANA time zones, CLDR locales, UTC offsets."""

from __future__ import annotations

from agentxray.analyze.regions.locales import locale_region
from agentxray.analyze.regions.offsets import offset_region
from agentxray.analyze.regions.timezones import country_name, zone_countries

__all__ = ["country_name", "locale_region", "offset_region", "zone_countries"]
