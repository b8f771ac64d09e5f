from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation

from programs.locale import words_of
from web.times import zone_place


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the page header needs: whose pages these are (set by web.access's decorators), and
    for staff the zone the page's times are in (the one active while the page renders); the
    language the page is in, for the language switch of the pages before sign-in."""
    staff = getattr(request, "staff", None)
    zone = timezone.get_current_timezone_name() if staff is not None else ""
    return {
        "household": getattr(request, "household", None),
        "staff": staff,
        "time_zone": zone,
        "time_zone_place": zone_place(zone) if zone else "",
        "languages": settings.PEOPLE_LANGUAGES,
        "page_language": words_of(translation.get_language()),
    }
