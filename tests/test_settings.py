import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.env import env_bool, env_int, env_list

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "gradus.example.org",
}


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process with only ``env`` set of the variables settings reads.

    A fresh process takes a second or two to start Django: the tests that call this are slow."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "WEBPUSH_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def show(expression: str, env: dict[str, str] | None = None) -> str:
    command = f"from django.conf import settings; print(repr(({expression})))"
    shown = manage("shell", "--no-imports", "-c", command, env=env)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.strip()


@pytest.mark.slow
def test_it_runs_in_development_with_nothing_set() -> None:
    shown = show("settings.DEBUG, settings.DATABASES['default']['NAME'], settings.REDIS_URL")

    assert shown.startswith("(True, ")
    assert shown.endswith(f"{settings.BASE_DIR}/var/gradus.sqlite3', 'redis://127.0.0.1:6379/0')")


@pytest.mark.slow
@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_it_refuses_production_without_a_secret_key_or_allowed_hosts(variable: str) -> None:
    result = manage("check", env={**PRODUCTION, variable: ""})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable} must be set" in result.stderr


@pytest.mark.slow
def test_it_refuses_a_weak_secret_key_in_production() -> None:
    result = manage("check", env={**PRODUCTION, "DJANGO_SECRET_KEY": "secret"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


@pytest.mark.slow
def test_it_passes_the_deploy_check_in_production() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


@pytest.mark.slow
def test_it_trusts_the_proxy_header_it_is_given() -> None:
    env = {**PRODUCTION, "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}

    assert show("settings.SECURE_PROXY_SSL_HEADER", env) == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert show("settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT", env) == (
        "(31536000, True)"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_ENV", "staging"),
        ("DJANGO_DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://gradus@localhost/gradus"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("CELERY_TASK_TIME_LIMIT", "soon"),
        ("DJANGO_LOG_LEVEL", "LOUD"),
        ("DJANGO_NUM_PROXIES", "-1"),
        ("SIGN_IN_ADDRESS_LIMIT", "2"),
        ("API_TOKEN_DAYS", "0"),
        ("WEB_STAFF_IDLE_MINUTES", "0"),
        ("DJANGO_DEBUG_PAGES", "sometimes"),
        ("WEBPUSH_VAPID_SUBJECT", "push@example.org"),
        ("WEBPUSH_VAPID_PUBLIC_KEY", "BPc" + "A" * 84),
    ],
)
def test_it_names_the_variable_it_cannot_use(name: str, value: str) -> None:
    result = manage("check", env={name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must" in result.stderr or (
        f"ImproperlyConfigured: {name} is not" in result.stderr
    )


def test_it_reads_booleans_numbers_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADUS_FLAG", "Off")
    monkeypatch.setenv("GRADUS_NUMBER", " 42 ")
    monkeypatch.setenv("GRADUS_LIST", "a.example, ,b.example")

    assert env_bool("GRADUS_FLAG", True) is False
    assert env_int("GRADUS_NUMBER", 0) == 42
    assert env_list("GRADUS_LIST", []) == ["a.example", "b.example"]


def test_it_refuses_a_number_below_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADUS_NUMBER", "0")

    with pytest.raises(ImproperlyConfigured, match="GRADUS_NUMBER must be at least 1, not 0"):
        env_int("GRADUS_NUMBER", 5, minimum=1)


@pytest.mark.django_db
@pytest.mark.requires_postgres
def test_it_runs_the_suite_against_the_database_that_database_url_names() -> None:
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.mark.slow
def test_its_sign_in_and_session_limits_have_safe_defaults() -> None:
    shown = show(
        "settings.NUM_PROXIES, settings.SIGN_IN_USERNAME_LIMIT, settings.SIGN_IN_ADDRESS_LIMIT, "
        "settings.SIGN_IN_WINDOW_MINUTES, settings.API_TOKEN_DAYS, settings.SESSION_COOKIE_AGE, "
        "settings.WEB_STAFF_IDLE_MINUTES, settings.DEBUG_PAGES, "
        "settings.REST_FRAMEWORK['NUM_PROXIES']"
    )

    assert shown == "(0, 5, 20, 15, 14, 1209600, 30, False, 0)"


@pytest.mark.slow
def test_it_trusts_as_many_proxies_as_it_is_told() -> None:
    env = {"DJANGO_NUM_PROXIES": "1"}

    assert show("settings.NUM_PROXIES, settings.REST_FRAMEWORK['NUM_PROXIES']", env) == "(1, 1)"


DEFAULT_STORAGE = (
    "(lambda s: (type(s).__name__, getattr(s, 'bucket_name', None), "
    "getattr(s, 'endpoint_url', None), str(s.location)))"
    "(__import__('django.core.files.storage', fromlist=['storages']).storages['default'])"
)


@pytest.mark.slow
def test_uploads_go_to_var_media_unless_a_bucket_is_set() -> None:
    local = show(DEFAULT_STORAGE, env={"MEDIA_S3_BUCKET": ""})
    s3 = show(
        DEFAULT_STORAGE,
        env={
            "MEDIA_S3_BUCKET": "gradus-media",
            "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        },
    )

    assert local == f"('FileSystemStorage', None, None, '{settings.BASE_DIR}/var/media')"
    assert s3 == "('S3Storage', 'gradus-media', 'http://127.0.0.1:9000', 'media')"
