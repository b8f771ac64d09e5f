"""UK dates and times: "3 Dec", "Thursday 3 December", "15:30" (config/formats)."""

DATE_FORMAT = "j M Y"  # 3 Dec 2026
LONG_DATE_FORMAT = "j F Y"  # 3 December 2026
MONTH_DAY_FORMAT = "j F"  # 3 December
SHORT_MONTH_DAY_FORMAT = "j M"  # 3 Dec
WEEKDAY_DATE_FORMAT = "l j F"  # Thursday 3 December
SHORT_WEEKDAY_DATE_FORMAT = "D j M"  # Thu 3 Dec
YEAR_MONTH_FORMAT = "F Y"  # December 2026
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
TIME_FORMAT = "H:i"  # 15:30, 09:00
DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 15:30
WEEKDAY_DATETIME_FORMAT = "l j F, H:i"  # Thursday 3 December, 15:30
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 03/12/2026 15:30
FIRST_DAY_OF_WEEK = 1  # Monday
