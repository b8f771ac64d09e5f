"""The bare view the API benchmark measures the endpoints against: a plain Django view that
returns a fixed JSON object (no DRF, no authentication, no database). Served only by the
bench server (bench/urls.py), never by the production URLconf."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

# Fixed, and about the size of a small API answer.
BARE_BODY = {"status": "ok", "service": "gradus", "bench": True, "items": [1, 2, 3]}
BARE_PATH = "/bench/bare/"


@require_safe
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(BARE_BODY)
