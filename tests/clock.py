"""The moment most tests freeze the clock at, with the `frozen_clock` fixture of tests/conftest.py.

A Wednesday in New York, the clinics' default time zone: 11:00 there, 15:00 UTC, after the
March change to daylight time, so a test sees a whole local day on either side.
"""

from datetime import UTC, date, datetime

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
TODAY = date(2026, 3, 11)
# The same Wednesday at 15:00 in New York (19:00 UTC): the afternoon, for the tests of a new
# baseline, which restarts the ramp tomorrow.
AFTERNOON = datetime(2026, 3, 11, 19, 0, tzinfo=UTC)
