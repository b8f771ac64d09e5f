from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the page header needs: whose pages these are (set by web.access's decorators)."""
    return {
        "household": getattr(request, "household", None),
        "staff": getattr(request, "staff", None),
    }
