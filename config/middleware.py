"""Response headers every answer of ours carries, beyond what Django's SecurityMiddleware sets.

- Content-Security-Policy: scripts and styles come only from our own static files; no inline
  script, no plugin, no framing, forms post only to us. A page the app does not write itself
  (the Django admin, DRF's browsable API, the Swagger page at /api/docs/) keeps the same rules
  for scripts but may use inline styles, which their templates and Swagger's scripts write.
- Permissions-Policy: the app uses one of the browser's powerful features, the screen wake lock
  (the guided session's timer keeps the screen on), for its own pages only; it denies the
  others, so an injected frame or script could not ask for the camera, the microphone or the
  location.
- Cache-Control: no-store on every answer that has not chosen its own, since nearly all carry
  health data (every signed-in page and API answer): no browser, shared computer or proxy may
  keep a copy. Static files are served before this middleware (whitenoise) and keep their
  caching; views that set their own header (/healthz: never_cache) keep theirs.

Django's own technical error pages (DJANGO_DEBUG) are written with inline scripts and styles,
so in debug mode an error answer carries no policy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, resolve

_SCRIPTS_AND_FRAMES = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join([*_SCRIPTS_AND_FRAMES, "img-src 'self'", "style-src 'self'"])
# The admin, the browsable API and Swagger: inline styles, and Swagger's icons as data: images.
THIRD_PARTY_PAGES = ("/admin/", "/api/")
THIRD_PARTY_CONTENT_SECURITY_POLICY = "; ".join(
    [*_SCRIPTS_AND_FRAMES, "img-src 'self' data:", "style-src 'self' 'unsafe-inline'"]
)
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "usb",
    "xr-spatial-tracking",
)
# The guided session's timer keeps the screen awake (web/static/web/session.js).
OWN_PAGES_FEATURES = ("screen-wake-lock",)
PERMISSIONS_POLICY = ", ".join(
    [
        *(f"{feature}=()" for feature in DENIED_FEATURES),
        *(f"{feature}=(self)" for feature in OWN_PAGES_FEATURES),
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not (settings.DEBUG and response.status_code >= 400):
            third_party = request.path.startswith(THIRD_PARTY_PAGES)
            response.headers.setdefault(
                "Content-Security-Policy",
                THIRD_PARTY_CONTENT_SECURITY_POLICY if third_party else CONTENT_SECURITY_POLICY,
            )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class FriendlyNotFoundMiddleware:
    """In debug mode, our own 404 page (web/templates/404.html, or the API's error format under
    /api/) rather than Django's technical one, unless DJANGO_DEBUG_PAGES asks for it. Outside
    debug mode Django shows ours already, and this does nothing.

    Django picks its technical page before any handler is asked, both for a URL no route
    matches (found here by resolving it first) and for a view that raises Http404 (taken here
    in process_exception)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _friendly_pages():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return _not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _friendly_pages() and isinstance(exception, Http404):
            return _not_found(request, exception)
        return None


def _friendly_pages() -> bool:
    return bool(settings.DEBUG and not settings.DEBUG_PAGES)


def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    handler: Callable[..., HttpResponse] = get_resolver(
        getattr(request, "urlconf", None)
    ).resolve_error_handler(404)
    return handler(request, exception)
