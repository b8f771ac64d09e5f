"""The WSGI entry `python -m bench api` serves with gunicorn: the app as configured by the
environment, with the bench URLs (bench/urls.py: the app's URLs plus the bare view)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Before the application is built, so every request resolves against the bench URLs.
settings.ROOT_URLCONF = "bench.urls"

application = get_wsgi_application()
