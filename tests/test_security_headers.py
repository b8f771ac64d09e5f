"""Every answer of ours carries a Content-Security-Policy, a Permissions-Policy and, unless it
is a static file or chose its own, Cache-Control: no-store (config/middleware.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http.response import HttpResponseBase
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.programs.factories import active_program, patient, therapist

pytestmark = pytest.mark.django_db

STRICT = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self'; style-src 'self'"
)


def assert_protected(response: HttpResponseBase, policy: str = STRICT) -> None:
    assert response["Content-Security-Policy"] == policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_a_patient_s_page_is_protected_and_never_stored(client: Client) -> None:
    maya = patient(with_user=True)
    active_program(patient=maya, started_weeks_ago=1)
    assert maya.user is not None
    client.force_login(maya.user)

    response = client.get(f"/p/{maya.pk}/today/")

    assert response.status_code == 200
    assert_protected(response)


def test_only_our_own_pages_may_keep_the_screen_awake(client: Client) -> None:
    response = client.get("/healthz")

    assert "screen-wake-lock=(self)" in response["Permissions-Policy"]
    assert "screen-wake-lock=()" not in response["Permissions-Policy"]


def test_a_staff_page_is_protected_and_never_stored(client: Client) -> None:
    client.force_login(therapist())

    response = client.get("/clinic/")

    assert response.status_code == 200
    assert_protected(response)


def test_an_api_answer_is_never_stored(client: Client) -> None:
    maya = patient(with_user=True)
    active_program(patient=maya, started_weeks_ago=1)
    assert maya.user is not None
    token = Token.objects.create(user=maya.user)
    url = f"/api/v1/me/patients/{maya.pk}/today/"

    cold = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    cached = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")  # answered before DRF

    assert cold.status_code == cached.status_code == 200
    assert cold["Cache-Control"] == cached["Cache-Control"] == "no-store"
    assert "camera=()" in cached["Permissions-Policy"]


def test_the_sign_in_page_is_protected(client: Client) -> None:
    response = client.get("/accounts/sign-in/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_caching(client: Client) -> None:
    response = client.get("/static/web/gradus.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


def test_healthz_keeps_its_own_cache_control(client: Client) -> None:
    response = client.get("/healthz")

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_the_admin_and_the_api_docs_may_use_inline_styles_but_no_inline_script(
    client: Client,
) -> None:
    docs = client.get("/api/docs/")
    admin = client.get("/admin/login/")

    for response in (docs, admin):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy
        assert "style-src 'self' 'unsafe-inline'" in policy
    # Swagger's start-up script is a file of its own, not inline.
    scripts = re.findall(rb"<script([^>]*)>", docs.content)
    assert scripts and all(b"src=" in attributes for attributes in scripts)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


TEMPLATES = [
    path
    for folder in ("web/templates", "reminders/templates")
    for path in (Path(settings.BASE_DIR) / folder).rglob("*.html")
]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_of_ours_has_inline_script_style_or_handlers(template: Path) -> None:
    text = template.read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text)
