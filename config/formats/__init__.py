"""How dates and times are written, one module per locale a clinic can choose
(``Clinic.Locale``): ``en`` for the US (and for "en" itself), ``en_GB`` for the UK.

Django reads these through ``FORMAT_MODULE_PATH`` for the active language, so every
``|date:"WEEKDAY_DATE_FORMAT"``, ``date_format(value, "SHORT_MONTH_DAY_FORMAT")`` and
``time_format(value)`` follows the locale the request or the reminder activated. Besides
Django's own names, each module names the formats our pages and messages need that Django has
no name for (``WEEKDAY_DATE_FORMAT``, ...). Django looks a name up in ``en_GB`` and then in
``en`` before its own modules, so each module names every format it uses, the same set in
each (tests/web/test_locale.py holds it): a name missing from ``en_GB`` would be written the
US way, and one missing from both would print its own letters.
"""
