"""Spanish as US clinics write it: the words of config/formats/es, the 12-hour clock and the
month first in numbers, as families in the US read them: "jueves 3 de diciembre", "3:30 p.m.",
"12/03/2026" (config/formats)."""

# "b", not "M": Spanish writes a month's short name in lowercase, and "M" capitalizes it ("Dic").
DATE_FORMAT = r"j \d\e b \d\e Y"  # 3 de dic de 2026
LONG_DATE_FORMAT = r"j \d\e F \d\e Y"  # 3 de diciembre de 2026
MONTH_DAY_FORMAT = r"j \d\e F"  # 3 de diciembre
SHORT_MONTH_DAY_FORMAT = "j b"  # 3 dic
WEEKDAY_DATE_FORMAT = r"l j \d\e F"  # jueves 3 de diciembre
SHORT_WEEKDAY_DATE_FORMAT = "D j b"  # jue 3 dic
YEAR_MONTH_FORMAT = r"F \d\e Y"  # diciembre de 2026
SHORT_DATE_FORMAT = "m/d/Y"  # 12/03/2026
# The minutes left out on the hour, as in English: 9 a.m., 3:30 p.m.
TIME_FORMAT = "f a"
DATETIME_FORMAT = r"j \d\e b \d\e Y, f a"  # 3 de dic de 2026, 3:30 p.m.
WEEKDAY_DATETIME_FORMAT = r"l j \d\e F, f a"  # jueves 3 de diciembre, 3:30 p.m.
SHORT_DATETIME_FORMAT = "m/d/Y f a"  # 12/03/2026 3:30 p.m.
FIRST_DAY_OF_WEEK = 0  # Sunday
