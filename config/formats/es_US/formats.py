"""Spanish as US clinics write it: the words and day-first dates of config/formats/es, with the
12-hour clock and the month first in numbers, as families in the US read them:
"jueves 3 de diciembre", "3:30 p.m.", "12/03/2026" (config/formats)."""

from config.formats.es.formats import (
    DATE_FORMAT,
    LONG_DATE_FORMAT,
    MONTH_DAY_FORMAT,
    SHORT_MONTH_DAY_FORMAT,
    SHORT_WEEKDAY_DATE_FORMAT,
    WEEKDAY_DATE_FORMAT,
    YEAR_MONTH_FORMAT,
)

SHORT_DATE_FORMAT = "m/d/Y"  # 12/03/2026
# The minutes left out on the hour, as in English: 9 a.m., 3:30 p.m.
TIME_FORMAT = "f a"
DATETIME_FORMAT = DATE_FORMAT + ", f a"  # 3 de dic de 2026, 3:30 p.m.
WEEKDAY_DATETIME_FORMAT = WEEKDAY_DATE_FORMAT + ", f a"  # jueves 3 de diciembre, 3:30 p.m.
SHORT_DATETIME_FORMAT = "m/d/Y f a"  # 12/03/2026 3:30 p.m.
FIRST_DAY_OF_WEEK = 0  # Sunday

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FIRST_DAY_OF_WEEK",
    "LONG_DATE_FORMAT",
    "MONTH_DAY_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_MONTH_DAY_FORMAT",
    "SHORT_WEEKDAY_DATE_FORMAT",
    "TIME_FORMAT",
    "WEEKDAY_DATETIME_FORMAT",
    "WEEKDAY_DATE_FORMAT",
    "YEAR_MONTH_FORMAT",
]
