"""The bench server's URLs: the whole app, plus the bare view to measure the others against.

Only bench/wsgi.py serves these; the production URLconf (config/urls.py) never has the
bare view.
"""

from django.urls import URLPattern, URLResolver, include, path

from bench.bare import BARE_PATH, bare

urlpatterns: list[URLPattern | URLResolver] = [
    path(BARE_PATH.lstrip("/"), bare, name="bench-bare"),
    path("", include("config.urls")),
]
