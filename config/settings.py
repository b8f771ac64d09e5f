"""Settings for gradus, read from the environment.

Development (the default) needs nothing set: SQLite in var/, Redis on localhost, DEBUG on.
Production (DJANGO_ENV=production) refuses to start without a secret key and the host names,
and turns on every protection `manage.py check --deploy` asks for. README.md lists every
variable read here.
"""

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the running app writes (the SQLite file, collected static files, beat's schedule)
# lives under var/, which git ignores.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

DJANGO_ENV = env_choice("DJANGO_ENV", "development", frozenset({"development", "production"}))
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_required(
        "DJANGO_SECRET_KEY", "production needs its own secret key to sign sessions and tokens"
    )
    # The same thresholds as Django's deploy check (security.W009), enforced instead of warned.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, for example "
            "the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set: production needs the comma-separated host names "
            "it answers to"
        )
    DEBUG = env_bool("DJANGO_DEBUG", False)
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must not be true when DJANGO_ENV=production")
else:
    SECRET_KEY = env_str(
        "DJANGO_SECRET_KEY", "django-insecure-development-only-never-in-production"
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    DEBUG = env_bool("DJANGO_DEBUG", True)

# In debug mode Django answers a missing page with its technical 404 (every URL pattern),
# which confuses someone trying the app: our own friendly page shows instead, unless a
# developer asks for Django's (config/middleware.py). Its technical 500 page stays.
DEBUG_PAGES = env_bool("DJANGO_DEBUG_PAGES", False)

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "programs",
    "reminders",
    "web",
    "config.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files come from the app itself (no CDN, no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files keep their caching: CSP, Permissions-Policy and
    # Cache-Control: no-store on everything else (config/middleware.py).
    "config.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (the sign-in page's switch, else Accept-Language, among
    # LANGUAGES), for pages before sign-in and the API; after the session, before
    # CommonMiddleware, as Django asks. web.locale.ClinicLocaleMiddleware then puts the
    # signed-in person's own in its place.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs a staff session out after WEB_STAFF_IDLE_MINUTES without a request.
    "web.accounts.idle.StaffIdleTimeoutMiddleware",
    # After it, so a session it ended is shown in the browser's language.
    "web.locale.ClinicLocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so the friendly 404 page has the signed-in user (DJANGO_DEBUG_PAGES).
    "config.middleware.FriendlyNotFoundMiddleware",
]

AUTH_USER_MODEL = "programs.User"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # Every page and message is translated, so no template needs {% load i18n %}.
            "builtins": ["django.templatetags.i18n"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]


# Database: SQLite in var/ unless DATABASE_URL says otherwise (PostgreSQL in production and CI).
def _database_from_url(url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dict(
            dj_database_url.parse(
                url,
                conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                conn_health_checks=True,
            )
        )
    except (ValueError, dj_database_url.ParseError) as exc:
        # The URL may hold a password, so it is not repeated in the message.
        raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from None
    engine = config["ENGINE"]
    options: dict[str, Any] = config.setdefault("OPTIONS", {})
    if engine == "django.db.backends.postgresql":
        # A database that does not answer should fail a request (and /healthz) quickly.
        options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1))
    elif engine == "django.db.backends.sqlite3":
        # The web process and the Celery worker write at the same time: take the write lock at
        # BEGIN and let readers carry on under WAL, rather than fail with "database is locked".
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 5)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    else:
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL (postgres://...) or SQLite (sqlite:///...)"
        )
    return config


DATABASES = {
    "default": _database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gradus.sqlite3'}")
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Redis carries Celery's messages; the database stays the record of what is due and sent.
def _redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"} or (
        parts.scheme != "unix" and not parts.hostname
    ):
        raise ImproperlyConfigured(
            "REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://)"
        )
    return url


REDIS_URL = _redis_url(env_str("REDIS_URL", "redis://127.0.0.1:6379/0"))

# The cache keeps login throttle counts and each patient's rendered today's session
# (programs/cache.py). Production shares one in Redis across every process, so a change made
# anywhere (a worker, a Celery task) is seen by all at once; a per-process cache could not be
# told. Development and the tests keep it in memory and need no Redis; there a change made in
# another process shows after programs.cache.TIMEOUT (5 minutes) at most.
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gradus",
            "TIMEOUT": 300,
        }
        if PRODUCTION
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The clinics are in the US. A signed-in person's pages are in their own language
# (User.language), written as their clinic writes dates and times (Clinic.locale), and a
# reminder in its recipient's language and clinic's locale (programs/locale.py); this one is
# the formats of everyone else (pages before sign-in, the API, the admin of an operator with
# no clinic), and the words of a browser that asks for no language offered. How each locale
# writes dates and times: config/formats/.
LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["config.formats"]
# The languages people read gradus in: US English is the source, Spanish is translated in
# locale/ (compiled by `make`). A locale is a language and its clinic's way with dates:
# en-gb for a UK clinic, es-us for a Spanish speaker at a US clinic (web/locale.py).
LANGUAGES = [
    ("en-us", "English"),
    ("en-gb", "English (UK)"),
    ("es", "Español"),
    ("es-us", "Español (EE. UU.)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The languages a person may choose for themselves (a reminder contact's, a person's
# settings): the words; their clinic's locale adds the formats.
PEOPLE_LANGUAGES = [("en", "English"), ("es", "Español")]
# The language chosen on the sign-in page's switch, for pages before sign-in (a year).
LANGUAGE_COOKIE_NAME = "gradus_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start while it is missing
# Whitenoise serves static files in every mode. Production serves the collected, compressed,
# content-hashed copies (collectstatic); development and the tests read the apps' folders.
# Uploaded files (the library's pictures and videos): the local folder var/media by default, or
# any S3-compatible store when MEDIA_S3_BUCKET is set (django-storages; the keys come from
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3 itself). Nothing is served from a
# public URL: web/media.py checks who asks and streams the file through the storage.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-is-not-public/"
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("MEDIA_S3_REGION", "") or None,
            "location": env_str("MEDIA_S3_PREFIX", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    MEDIA_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
# The largest picture and video an activity may have, in bytes (5 MB, 50 MB).
MEDIA_MAX_IMAGE_BYTES = env_int("MEDIA_MAX_IMAGE_BYTES", 5 * 1024 * 1024, minimum=1)
MEDIA_MAX_VIDEO_BYTES = env_int("MEDIA_MAX_VIDEO_BYTES", 50 * 1024 * 1024, minimum=1)

STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# The web pages (web/). Anonymous visitors to a page are sent to sign in.
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:sign-in"
# How long a sign-in lasts. A family's (a patient's, a guardian's) lasts WEB_SESSION_DAYS from
# signing in: 14 days, Django's own default, since their phone is their own, their session
# opens only their own program, and a child asked for a password every day soon stops coming
# back. A staff member's session opens every record of their clinic, often on a shared
# computer: it also ends after WEB_STAFF_IDLE_MINUTES without a request (web/accounts/idle.py),
# 30 by default, long enough for a visit spent talking with the family between two clicks.
SESSION_COOKIE_AGE = env_int("WEB_SESSION_DAYS", 14, minimum=1) * 24 * 60 * 60
WEB_STAFF_IDLE_MINUTES = env_int("WEB_STAFF_IDLE_MINUTES", 30, minimum=1)

# Password reset links last a day; invitation links last WEB_INVITATION_DAYS.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
WEB_INVITATION_DAYS = env_int("WEB_INVITATION_DAYS", 7, minimum=1)

# Where a request comes from, for every throttle (programs/throttle.py): X-Forwarded-For is
# trusted only as far as this many proxies of our own in front of the app wrote it. 0 (the
# default) reads REMOTE_ADDR alone, so a client cannot pick a new address for each try.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)

# Sign-in throttles, shared by the web sign-in, the admin's and the API's token endpoint.
# 5 wrong passwords for one username from one address, then a 15-minute wait: enough for a
# person's typos, and it keys on the address too, so nobody elsewhere can lock the owner out.
# 20 wrong passwords from one address across usernames (one password tried on many accounts):
# four people's worth of typos behind one clinic or school address at once, while a spray
# from one address gets 80 guesses an hour instead of no limit.
SIGN_IN_USERNAME_LIMIT = env_int("SIGN_IN_USERNAME_LIMIT", 5, minimum=1)
SIGN_IN_ADDRESS_LIMIT = env_int("SIGN_IN_ADDRESS_LIMIT", 20, minimum=1)
SIGN_IN_WINDOW_MINUTES = env_int("SIGN_IN_WINDOW_MINUTES", 15, minimum=1)
# A username that signed in from an address in this many days is not held back by that
# address's limit (programs/throttle.py): a spray from a school's network locks out nobody who
# signs in from there anyway.
SIGN_IN_KNOWN_DAYS = env_int("SIGN_IN_KNOWN_DAYS", 30, minimum=1)
if SIGN_IN_ADDRESS_LIMIT < SIGN_IN_USERNAME_LIMIT:
    raise ImproperlyConfigured(
        "SIGN_IN_ADDRESS_LIMIT must be at least SIGN_IN_USERNAME_LIMIT: the limit per address "
        "counts every username's tries from that address"
    )
# Reset emails: five requests an hour from one address, whatever addresses they name.
PASSWORD_RESET_LIMIT = 5
PASSWORD_RESET_WINDOW_MINUTES = 60

# An API token is good for this many days from when it was issued (sign-in); a sign-out
# (POST /api/v1/auth/token/revoke/) or a new password ends it sooner. 14 days, as long as a
# family's web sign-in lasts (WEB_SESSION_DAYS): a phone that is used every day asks for the
# password every two weeks, and a lost or shared one stops working within them.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 14, minimum=1)

REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so a request
    # without credentials gets 401 (the session class has no such header and would give 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "programs.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Health data: nothing is public unless a view says so.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "programs.api.idempotency.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "programs.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "programs.api.errors.api_exception_handler",
    # DRF's parsers, with JSON's answering a body nested too deeply with a 400 (not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "programs.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Every request to the token endpoint, right or wrong, per address (wrong passwords also
    # count into the sign-in throttles above).
    "DEFAULT_THROTTLE_RATES": {"login": env_str("API_LOGIN_THROTTLE_RATE", "10/minute")},
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "gradus API",
    "DESCRIPTION": (
        "Graded exercise programs for amplified musculoskeletal pain syndrome. Sign in with a "
        "session (the web) or a token: POST /api/v1/auth/token/ with username and password, "
        "then send `Authorization: Token <token>` until the token `expires` (or until POST "
        "/api/v1/auth/token/revoke/ signs it out). Every error has the same shape: "
        "`{status, code, detail, errors: [{field, message}]}`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind" with their own choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "PatientStatusEnum": "programs.models.clinic.Patient.Status",
        "ProgramStatusEnum": "programs.models.plans.Program.Status",
        "SessionLogStatusEnum": "programs.models.records.SessionLog.STATUS_CHOICES",
        "ActivityKindEnum": "programs.models.library.KIND_CHOICES",
        "AlertKindEnum": "programs.models.records.Alert.KIND_CHOICES",
        "IntensityBandEnum": "programs.models.library.BAND_CHOICES",
    },
    # The enums' hook (the default), 413 and 415 documented on every operation that reads a
    # body, and 422 on every one that takes an Idempotency-Key.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "programs.api.errors.document_body_errors",
        "programs.api.idempotency.document_idempotency_conflict",
    ],
    # Request bodies are JSON. The browsable API's forms still post (DRF's parsers stay), but
    # a body declared as JSON, form and multipart at once made generated clients unusable.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Served by the app itself: nothing is fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


# Security. Production gets everything `check --deploy` asks for; each can be changed by
# environment for a deployment that handles it elsewhere (a proxy that terminates TLS).
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
# Load balancers probe over plain HTTP; a redirect would read as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy that terminates TLS, name the header it sets (X-Forwarded-Proto): Django then
# trusts that header's "https" to mean the request was secure. Only set it when the proxy
# always sets or strips that header, or clients could forge it.
_proxy_ssl_header = env_str("DJANGO_SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    _meta_name = _proxy_ssl_header.upper().replace("-", "_")
    if not _meta_name.startswith("HTTP_"):
        _meta_name = f"HTTP_{_meta_name}"
    SECURE_PROXY_SSL_HEADER = (_meta_name, "https")


# Celery: read by config/celery.py from the CELERY_* names below.
CELERY_BROKER_URL = REDIS_URL
# No result backend: tasks record their outcome in the database, and results nobody reads
# would only pile up in Redis.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# A task is acknowledged only when it has finished, and given back if its worker dies, so a
# killed worker loses nothing; every task must therefore be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker connection lost (a Redis restart) is no reason to kill a task in flight: a send
# that is calling Twilio or the mail server finishes and records what happened. Killed, it
# left a row whose outcome nobody knew (reminders/services/dispatch.py). Its message may come
# again (acks late), and a second run finds its rows no longer claimed and skips them. Said
# explicitly, since Celery 6 turns this on by default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Reminders' dispatcher, sends and reaper have a queue of their own, so a burst of weekly
# reviews (or anything else on the default queue) never holds up a reminder. `make run`
# starts a worker for each queue (Procfile); one worker may also take both
# (`--queues celery,reminders`).
REMINDERS_QUEUE = "reminders"
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    name: {"queue": REMINDERS_QUEUE}
    for name in ("reminders.dispatch", "reminders.send", "reminders.reap")
}
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT, so a task can "
        "clean up before it is killed"
    )
# Redis hands an unacknowledged message to another worker after this long; it must exceed the
# longest task, or a slow task would run twice at the same time.
_visibility_timeout = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _visibility_timeout}
if _visibility_timeout <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be under an hour (3600 seconds)")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Let Django's LOGGING below format the worker's logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks: each app adds its own entries (reminders adds the dispatcher).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")


# Email: the console in development; SMTP when EMAIL_HOST is set. Tests use locmem.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gradus <reminders@localhost>")

# Reminders (reminders/): where links in messages point, and the outbox's timing.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
REMINDERS_SMS_BACKEND = env_choice(
    "REMINDERS_SMS_BACKEND", "console", frozenset({"console", "memory", "twilio"})
)
REMINDERS_HORIZON_DAYS = env_int("REMINDERS_HORIZON_DAYS", 14, minimum=1)
REMINDERS_GRACE_MINUTES = env_int("REMINDERS_GRACE_MINUTES", 60, minimum=1)
REMINDERS_DISPATCH_SECONDS = env_int("REMINDERS_DISPATCH_SECONDS", 30, minimum=1)
REMINDERS_LEASE_SECONDS = env_int("REMINDERS_LEASE_SECONDS", 120, minimum=10)
REMINDERS_BATCH_SIZE = env_int("REMINDERS_BATCH_SIZE", 500, minimum=1)

# Twilio sends the text messages when REMINDERS_SMS_BACKEND=twilio, and signs the webhooks
# (inbound STOP/START/HELP, delivery status) with the auth token: without the token every
# webhook is refused.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
# Tests point the client at a local server that answers as Twilio does.
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/")
# Seconds to wait for Twilio; a send that times out is settled by asking Twilio
# (reminders/services/dispatch.py).
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 5, minimum=1)
if REMINDERS_SMS_BACKEND == "twilio":
    _twilio_why = "REMINDERS_SMS_BACKEND=twilio sends text messages through Twilio"
    TWILIO_ACCOUNT_SID = env_required("TWILIO_ACCOUNT_SID", _twilio_why)
    TWILIO_AUTH_TOKEN = env_required("TWILIO_AUTH_TOKEN", _twilio_why)
    TWILIO_FROM_NUMBER = env_required("TWILIO_FROM_NUMBER", _twilio_why)
    if not TWILIO_ACCOUNT_SID.startswith("AC"):
        raise ImproperlyConfigured("TWILIO_ACCOUNT_SID must be an account SID, starting AC")
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", TWILIO_FROM_NUMBER):
        raise ImproperlyConfigured(
            "TWILIO_FROM_NUMBER must be the sending number in E.164, such as +14155550123"
        )
    # A lost send is looked up at Twilio once its lease has run out, which must be after any
    # call for it could still arrive there (a connect and a read, each up to the timeout).
    if 2 * TWILIO_TIMEOUT_SECONDS >= REMINDERS_LEASE_SECONDS:
        raise ImproperlyConfigured(
            "REMINDERS_LEASE_SECONDS must be more than twice TWILIO_TIMEOUT_SECONDS, so a send "
            "is only looked up at Twilio once no call for it can still be on its way"
        )
if urlsplit(TWILIO_API_BASE).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(
        "TWILIO_API_BASE must be an http(s) URL, such as https://api.twilio.com"
    )

# Web Push (reminders/channels/webpush.py): the VAPID key pair push services know us by
# (RFC 8292), both base64url: the public key as the uncompressed P-256 point the browser's
# applicationServerKey takes, the private key as its raw 32 bytes. From the environment;
# without it, from the development pair `make run` writes into var/ (never committed); with
# neither, push is not offered.
WEBPUSH_VAPID_PUBLIC_KEY = env_str("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_DEV_KEYS_FILE = VAR_DIR / "webpush-vapid.json"
_vapid = {
    "WEBPUSH_VAPID_PUBLIC_KEY": (WEBPUSH_VAPID_PUBLIC_KEY, 65),
    "WEBPUSH_VAPID_PRIVATE_KEY": (WEBPUSH_VAPID_PRIVATE_KEY, 32),
}
for _name, (_value, _length) in _vapid.items():
    _other = next(name for name in _vapid if name != _name)
    if _value and not _vapid[_other][0]:
        raise ImproperlyConfigured(f"{_name} must come with {_other}: set both or neither")
    try:
        _decoded = base64.urlsafe_b64decode(_value + "=" * (-len(_value) % 4))
    except (binascii.Error, ValueError):
        _decoded = b""
    if _value and len(_decoded) != _length:
        raise ImproperlyConfigured(f"{_name} must be {_length} bytes in base64url")
if not WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_DEV_KEYS_FILE.exists():
    _dev_keys = json.loads(WEBPUSH_DEV_KEYS_FILE.read_text())
    WEBPUSH_VAPID_PUBLIC_KEY = str(_dev_keys["public_key"])
    WEBPUSH_VAPID_PRIVATE_KEY = str(_dev_keys["private_key"])
# Who a push service writes to about our messages: a mailto: or https: URL.
WEBPUSH_VAPID_SUBJECT = env_str("WEBPUSH_VAPID_SUBJECT", "mailto:reminders@localhost")
if not WEBPUSH_VAPID_SUBJECT.startswith(("mailto:", "https:")):
    raise ImproperlyConfigured("WEBPUSH_VAPID_SUBJECT must be a mailto: or https: URL")
# Push endpoints must be https; tests (a fake push service on this machine) allow http to
# a loopback address.
WEBPUSH_ALLOW_HTTP_ENDPOINTS = env_bool("WEBPUSH_ALLOW_HTTP_ENDPOINTS", False)
WEBPUSH_TIMEOUT_SECONDS = env_int("WEBPUSH_TIMEOUT_SECONDS", 5, minimum=1)
# How long a push service keeps a message for a phone that is off, at most: a reminder is
# never kept past its session's start either (reminders/messages.py).
WEBPUSH_TTL_SECONDS = env_int("WEBPUSH_TTL_SECONDS", 4 * 60 * 60, minimum=0)


LOG_LEVEL = env_choice(
    "DJANGO_LOG_LEVEL", "INFO", frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "refusal_without_traceback": {"()": "config.log.RefusalWithoutTraceback"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the root's handler only: Django's default adds a console handler of its own
        # in debug mode, which printed every django.* line (and traceback) twice.
        "django": {"handlers": [], "level": LOG_LEVEL},
        # A refused page (403) is one line, without a traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
        # SQL at DEBUG is too much even when debugging; ask for it explicitly if needed.
        "django.db.backends": {"level": "INFO"},
    },
}
