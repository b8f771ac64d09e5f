"""US dates and times: "Dec 3", "Thursday, December 3", "3:30 PM" (config/formats)."""

DATE_FORMAT = "M j, Y"  # Dec 3, 2026
LONG_DATE_FORMAT = "F j, Y"  # December 3, 2026
MONTH_DAY_FORMAT = "F j"  # December 3
SHORT_MONTH_DAY_FORMAT = "M j"  # Dec 3
WEEKDAY_DATE_FORMAT = "l, F j"  # Thursday, December 3
SHORT_WEEKDAY_DATE_FORMAT = "D, M j"  # Thu, Dec 3
YEAR_MONTH_FORMAT = "F Y"  # December 2026
SHORT_DATE_FORMAT = "m/d/Y"  # 12/03/2026
# The minutes are left out on the hour, as people say it: 9 AM, 3:30 PM, 12 PM.
TIME_FORMAT = "f A"
DATETIME_FORMAT = "M j, Y, f A"  # Dec 3, 2026, 3:30 PM
WEEKDAY_DATETIME_FORMAT = "l, F j, f A"  # Thursday, December 3, 3:30 PM
SHORT_DATETIME_FORMAT = "m/d/Y f A"  # 12/03/2026 3:30 PM
FIRST_DAY_OF_WEEK = 0  # Sunday
