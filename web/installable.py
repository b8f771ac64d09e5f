"""What makes the patient's pages an app a phone can install and open offline: the web app
manifest, the service worker (served from the site's root, so its scope covers /p/...), and
the favicon browsers ask for at /favicon.ico.

The worker's script is web/static/web/sw.js, served here rather than from /static/ (a worker's
scope is at most its script's folder). Its first line, written here, names the static files it
keeps (their versioned names, from the staticfiles storage: whitenoise's manifest in
production) and a version made of their contents, so a new deployment is a new worker that
drops the old copies.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

# The site's colours (web/static/web/gradus.css): the header's blue, the page's wash.
THEME_COLOR = "#08447f"
BACKGROUND_COLOR = "#f3f5f8"

# Kept by the worker when it installs: what today's and the week's pages need.
PRECACHED = (
    "web/gradus.css",
    "web/patient.css",
    "web/error-summary.js",
    "web/offline.js",
    "web/offline-queue.js",
    "web/icons/gradus.svg",
    "web/icons/favicon-32.png",
    "web/icons/gradus-192.png",
)
WORKER = "web/sw.js"
# The push reminders' handlers (reminders' Web Push channel), loaded by the worker.
PUSH_HANDLERS = "web/push-sw.js"
# The manifest names no health detail and changes only with a deployment.
MANIFEST_MAX_AGE = 60 * 60


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    icon = static
    response = JsonResponse(
        {
            "name": "gradus",
            "short_name": "gradus",
            "description": gettext("Your exercise program: today’s session and this week."),
            "id": "/",
            "start_url": reverse("web:home"),
            "scope": "/",
            "display": "standalone",
            "lang": "en-US",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": [
                {"src": icon("web/icons/gradus.svg"), "sizes": "any", "type": "image/svg+xml"},
                {"src": icon("web/icons/gradus-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": icon("web/icons/gradus-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": icon("web/icons/gradus-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
    )
    response["Cache-Control"] = f"public, max-age={MANIFEST_MAX_AGE}"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(worker_script(), content_type="text/javascript; charset=utf-8")
    # Asked again at every visit, so a new deployment's worker replaces the old one at once.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@cache
def worker_script() -> str:
    """The worker's script with its settings first (computed once per process: the static
    files do not change while it runs)."""
    digest = hashlib.sha256()
    for name in (WORKER, PUSH_HANDLERS, *PRECACHED):
        digest.update(name.encode())
        digest.update(_static_file(name).read_bytes())
    settings = {
        "version": digest.hexdigest()[:16],
        "precache": [static(name) for name in PRECACHED],
        "queue": static("web/offline-queue.js"),
        "push": static(PUSH_HANDLERS),
        "staticPrefix": static(""),
        "csrfCookie": django_settings.CSRF_COOKIE_NAME,
    }
    head = f"self.GRADUS = {json.dumps(settings)};\n"
    return head + _static_file(WORKER).read_text()


def _static_file(name: str) -> Path:
    found = finders.find(name)
    if not isinstance(found, str):
        raise FileNotFoundError(name)
    return Path(found)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("web/icons/favicon-32.png"))
