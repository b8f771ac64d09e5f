"""Spanish dates and times outside the US: "3 dic", "jueves 3 de diciembre", "15:30"
(config/formats). Django's own catalogue gives the month and day names."""

# "b", not "M": Spanish writes a month's short name in lowercase, and "M" capitalizes it ("Dic").
DATE_FORMAT = r"j \d\e b \d\e Y"  # 3 de dic de 2026
LONG_DATE_FORMAT = r"j \d\e F \d\e Y"  # 3 de diciembre de 2026
MONTH_DAY_FORMAT = r"j \d\e F"  # 3 de diciembre
SHORT_MONTH_DAY_FORMAT = "j b"  # 3 dic
WEEKDAY_DATE_FORMAT = r"l j \d\e F"  # jueves 3 de diciembre
SHORT_WEEKDAY_DATE_FORMAT = "D j b"  # jue 3 dic
YEAR_MONTH_FORMAT = r"F \d\e Y"  # diciembre de 2026
SHORT_DATE_FORMAT = "d/m/Y"  # 03/12/2026
TIME_FORMAT = "H:i"  # 15:30
DATETIME_FORMAT = r"j \d\e b \d\e Y, H:i"  # 3 de dic de 2026, 15:30
WEEKDAY_DATETIME_FORMAT = r"l j \d\e F, H:i"  # jueves 3 de diciembre, 15:30
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 03/12/2026 15:30
FIRST_DAY_OF_WEEK = 1  # Monday
