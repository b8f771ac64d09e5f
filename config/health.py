"""Whether the services gradus needs are answering: GET /healthz and `manage.py check_services`.

/healthz reports each as "ok" or "unavailable: <exception class>". The full error goes to the
log rather than the response, because /healthz is public and errors can name hosts and users.
"""

import logging

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A probe must answer quickly even when a service hangs rather than refuses.
REDIS_TIMEOUT_SECONDS = 1.5


def database_error() -> DatabaseError | None:
    """Why the default database does not answer, or None when it does."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return exc
    return None


def redis_error() -> Exception | None:
    """Why Redis at REDIS_URL does not answer, or None when it does."""
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return exc
    finally:
        client.close()
    return None


def _state(service: str, error: Exception | None) -> str:
    if error is None:
        return "ok"
    logger.warning("%s is unavailable: %s", service, error)
    return f"unavailable: {type(error).__name__}"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    states = {
        "database": _state("database", database_error()),
        "redis": _state("redis", redis_error()),
    }
    healthy = all(state == "ok" for state in states.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states},
        status=200 if healthy else 503,
    )
