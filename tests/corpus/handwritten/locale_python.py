# Pins: `geofence` must NOT fire. Python reads the locale and timezone to format a timestamp for
# the user; nothing is compared with a region-specific value.
import locale
import time
from datetime import datetime


def stamp() -> str:
    locale.setlocale(locale.LC_TIME, "")
    zone = time.tzname[time.daylight]
    return f"{datetime.now().strftime('%c')} {zone}"
