"""API tokens end: after API_TOKEN_DAYS, when the user signs out of the API, and when their
password changes wherever it is changed."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programs.models import User
from tests.clock import NOW
from tests.programs.factories import PASSWORD, UserFactory, patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

TOKEN = "/api/v1/auth/token/"
REVOKE = "/api/v1/auth/token/revoke/"
ME = "/api/v1/me/"


@pytest.fixture
def maya() -> User:
    person = patient(with_user=True, first_name="Maya")
    assert person.user is not None
    return person.user


def sign_in(user: User, password: str = PASSWORD) -> str:
    response = APIClient().post(TOKEN, {"username": user.username, "password": password})
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_says_when_it_expires(maya: User) -> None:
    response = APIClient().post(TOKEN, {"username": maya.username, "password": PASSWORD})

    assert response.json()["expires"] == "2026-03-25T15:00:00Z"


def test_a_token_works_until_it_expires_and_then_answers_401(maya: User) -> None:
    client = with_token(sign_in(maya))

    with time_machine.travel(NOW + timedelta(days=14, seconds=-1), tick=False):
        before = client.get(ME)
    with time_machine.travel(NOW + timedelta(days=14), tick=False):
        after = client.get(ME)

    assert before.status_code == 200
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Token"
    assert after.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "This token has expired. Sign in again for a new one.",
        "errors": [],
    }


@override_settings(API_TOKEN_DAYS=1)
def test_the_lifetime_is_a_setting(maya: User) -> None:
    client = with_token(sign_in(maya))

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert client.get(ME).status_code == 401


def test_signing_in_again_gives_the_same_token_while_it_lasts_and_a_new_one_after(
    maya: User,
) -> None:
    first = sign_in(maya)
    again = sign_in(maya)
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        renewed = sign_in(maya)
        works = with_token(renewed).get(ME).status_code

    assert again == first
    assert renewed != first
    assert works == 200


def test_signing_out_revokes_the_token_at_once(maya: User) -> None:
    client = with_token(sign_in(maya))

    response = client.post(REVOKE)

    assert (response.status_code, response.json()) == (200, {"revoked": 1})
    assert client.get(ME).status_code == 401
    assert not Token.objects.filter(user=maya).exists()


def test_signing_out_from_a_web_session_revokes_the_token(maya: User) -> None:
    token = sign_in(maya)
    web = APIClient()
    web.force_login(maya)

    response = web.post(REVOKE)

    assert response.json() == {"revoked": 1}
    assert with_token(token).get(ME).status_code == 401


def test_signing_out_needs_a_sign_in(db: None) -> None:
    response = APIClient().post(REVOKE)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_new_password_revokes_the_token(maya: User) -> None:
    client = with_token(sign_in(maya))

    maya.set_password("another long secret 42")
    maya.save()

    assert client.get(ME).status_code == 401


def test_a_password_reset_on_the_web_revokes_the_token(maya: User) -> None:
    client = with_token(sign_in(maya))
    web = Client()
    web.post("/accounts/password-reset/", {"email": maya.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form = web.get(link.group(1), follow=True)

    done = web.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new secret 77", "new_password2": "a brand new secret 77"},
    )

    assert done.status_code == 302
    assert client.get(ME).status_code == 401


def test_a_password_changed_in_the_admin_revokes_the_token(maya: User) -> None:
    client = with_token(sign_in(maya))
    admin = Client()
    admin.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    changed = admin.post(
        f"/admin/programs/user/{maya.pk}/password/",
        {
            "password1": "a brand new secret 77",
            "password2": "a brand new secret 77",
            "usable_password": "true",
        },
    )

    assert changed.status_code == 302
    assert client.get(ME).status_code == 401


def test_other_changes_to_the_user_keep_the_token(maya: User) -> None:
    client = with_token(sign_in(maya))

    maya.first_name = "Maya-Rose"
    maya.save()
    maya.refresh_from_db()
    maya.save(update_fields=["last_login"])

    assert client.get(ME).status_code == 200


def test_a_password_hash_upgraded_at_sign_in_keeps_the_token(maya: User) -> None:
    # An older hasher than the preferred one: signing in re-hashes the same password.
    old_hash = PBKDF2PasswordHasher().encode(PASSWORD, "seasalt", iterations=1000)
    User.objects.filter(pk=maya.pk).update(password=old_hash)
    token = Token.objects.create(user=maya)

    assert sign_in(maya) == token.key
    assert User.objects.get(pk=maya.pk).password != old_hash
    assert with_token(token.key).get(ME).status_code == 200


def test_the_schema_documents_signing_out(db: None) -> None:
    schema = APIClient().get("/api/schema/?format=json").json()

    operation = schema["paths"][REVOKE]["post"]
    assert operation["operationId"] == "auth_token_revoke"
    assert {"200", "401"} <= set(operation["responses"])
    assert "expires" in schema["components"]["schemas"]["Token"]["properties"]
