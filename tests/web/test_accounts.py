import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings

from programs.models import User
from tests.programs import factories

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
RESET = "/accounts/password-reset/"
ADMIN_SIGN_IN = "/admin/login/"
NEW_PASSWORD = "a brand new secret 77"


def sign_in(client: Client, username: str, password: str = factories.PASSWORD, **extra: str) -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def test_it_shows_the_sign_in_form_with_help_for_people_without_email(client: Client) -> None:
    response = client.get(SIGN_IN)

    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_username">' in body
    assert "your therapist, or your parent or guardian, can help" in body
    assert 'href="/accounts/password-reset/"' in body


def test_it_signs_a_therapist_in_to_the_caseload(client: Client) -> None:
    staff = factories.therapist()

    response = sign_in(client, staff.username)

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/clinic/"


def test_it_signs_a_patient_in_to_their_today(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None

    response = sign_in(client, patient.user.username)

    assert client.get(response["Location"])["Location"] == f"/p/{patient.pk}/today/"


def test_it_says_clearly_when_the_password_is_wrong(client: Client) -> None:
    user = factories.UserFactory.create()

    response = sign_in(client, user.username, "wrong password")

    assert response.status_code == 200
    assert b"That username and password do not match" in response.content
    assert "_auth_user_id" not in client.session


def test_it_follows_next_within_the_site(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    page = f"/p/{patient.pk}/week/"

    response = sign_in(client, patient.user.username, next=page)

    assert response["Location"] == page


def test_it_ignores_next_pointing_elsewhere(client: Client) -> None:
    user = factories.therapist()

    response = sign_in(client, user.username, next="https://evil.example/")

    assert response["Location"] == "/"


def test_it_keeps_next_in_the_form(client: Client) -> None:
    response = client.get(SIGN_IN + "?next=/clinic/alerts/")

    assert b'name="next" value="/clinic/alerts/"' in response.content


def test_it_throttles_repeated_failures_for_a_username(client: Client) -> None:
    user = factories.UserFactory.create()
    for _ in range(5):
        sign_in(client, user.username, "wrong password")

    response = sign_in(client, user.username)

    assert response.status_code == 429
    assert b"Too many tries to sign in" in response.content
    assert "_auth_user_id" not in client.session


def test_it_throttles_per_username_and_address(client: Client) -> None:
    user = factories.UserFactory.create()
    other = factories.UserFactory.create()
    for _ in range(5):
        sign_in(client, user.username, "wrong password")

    assert sign_in(client, other.username).status_code == 302
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(elsewhere, user.username).status_code == 302


def test_a_new_x_forwarded_for_on_each_try_is_still_throttled(client: Client) -> None:
    user = factories.UserFactory.create()
    for n in range(5):
        sign_in(client, user.username, "wrong password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    response = sign_in(client, user.username, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client() -> None:
    user = factories.UserFactory.create()
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(5):
        proxy.post(
            SIGN_IN,
            {"username": user.username, "password": "wrong password"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        )
    right = {"username": user.username, "password": factories.PASSWORD}

    same_client = proxy.post(SIGN_IN, right, HTTP_X_FORWARDED_FOR="192.0.2.9, 198.51.100.7")
    someone_else = Client(REMOTE_ADDR="10.0.0.1").post(
        SIGN_IN, right, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )

    assert same_client.status_code == 429
    assert someone_else.status_code == 302


def test_one_address_trying_many_usernames_is_throttled(client: Client) -> None:
    for n in range(20):
        sign_in(client, f"someone{n}", "Summer2026!")
    fresh = factories.UserFactory.create()

    response = sign_in(client, fresh.username)

    assert response.status_code == 429
    assert b"Too many tries to sign in" in response.content
    assert sign_in(Client(REMOTE_ADDR="10.0.0.9"), fresh.username).status_code == 302


def test_a_spray_from_a_shared_address_locks_out_nobody_who_signs_in_from_there(
    client: Client,
) -> None:
    # A school's network: one address for everyone. Ava signed in from there yesterday; then
    # twenty wrong passwords were tried there on other accounts.
    ava = factories.UserFactory.create()
    assert sign_in(client, ava.username).status_code == 302
    client.logout()
    for n in range(20):
        sign_in(Client(), f"someone{n}", "Summer2026!")

    newcomer = factories.UserFactory.create()

    assert sign_in(client, ava.username).status_code == 302
    assert sign_in(Client(), newcomer.username).status_code == 429


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(client: Client) -> None:
    user = factories.UserFactory.create()
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(25):
        sign_in(attacker, user.username, "wrong password")

    assert sign_in(attacker, user.username).status_code == 429
    assert sign_in(client, user.username).status_code == 302


def test_the_admin_sign_in_is_throttled_as_the_web_one_is(client: Client) -> None:
    admin_user = factories.UserFactory.create(is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post(ADMIN_SIGN_IN, {"username": admin_user.username, "password": "wrong"})

    response = client.post(
        ADMIN_SIGN_IN, {"username": admin_user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 429
    assert b"Too many tries to sign in" in response.content
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_on_the_web_count_at_the_admin_too(client: Client) -> None:
    admin_user = factories.UserFactory.create(is_staff=True, is_superuser=True)
    for _ in range(5):
        sign_in(client, admin_user.username, "wrong password")

    response = client.post(
        ADMIN_SIGN_IN, {"username": admin_user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 429


def test_the_admin_still_signs_a_superuser_in(client: Client) -> None:
    admin_user = factories.UserFactory.create(is_staff=True, is_superuser=True)

    response = client.post(
        ADMIN_SIGN_IN, {"username": admin_user.username, "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_forgets_failures_after_a_success(client: Client) -> None:
    user = factories.UserFactory.create()
    for _ in range(4):
        sign_in(client, user.username, "wrong password")
    sign_in(client, user.username)
    client.logout()
    for _ in range(4):
        sign_in(client, user.username, "wrong password")

    assert sign_in(client, user.username).status_code == 302


def test_it_signs_out_by_post_only(client: Client) -> None:
    client.force_login(factories.therapist())

    assert client.get("/accounts/sign-out/").status_code == 405
    response = client.post("/accounts/sign-out/", follow=True)

    assert response.redirect_chain[0][0] == SIGN_IN
    assert b"You have signed out." in response.content
    assert "_auth_user_id" not in client.session


def reset_link(body: str) -> str:
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_it_emails_a_reset_link_that_works_once(client: Client) -> None:
    user = factories.UserFactory.create(email="sam@example.org")

    response = client.post(RESET, {"email": "SAM@example.org"})

    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    assert message.subject == "Reset your gradus password"
    link = reset_link(str(message.body))
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/reset/done/"
    assert b"This link does not work" in client.get(link, follow=True).content
    assert sign_in(Client(), user.username, NEW_PASSWORD).status_code == 302


def _without_csrf_tokens(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_it_does_not_reveal_whether_an_address_has_an_account(client: Client) -> None:
    factories.UserFactory.create(email="known@example.org")

    known = client.post(RESET, {"email": "known@example.org"}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.org"}, follow=True)

    # Each page's CSRF token (the language switch's form) is masked afresh.
    assert _without_csrf_tokens(known.content) == _without_csrf_tokens(unknown.content)
    assert known.redirect_chain == unknown.redirect_chain
    assert len(mail.outbox) == 1


def test_it_refuses_a_weak_new_password(client: Client) -> None:
    factories.UserFactory.create(email="sam@example.org")
    client.post(RESET, {"email": "sam@example.org"})
    form_page = client.get(reset_link(str(mail.outbox[0].body)), follow=True)

    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"}
    )

    assert response.status_code == 200
    assert b"This password is too short" in response.content


def test_it_throttles_reset_requests(client: Client) -> None:
    for number in range(5):
        client.post(RESET, {"email": f"someone{number}@example.org"})

    response = client.post(RESET, {"email": "another@example.org"})

    assert response.status_code == 429
    assert b"Too many reset requests" in response.content


def test_it_lets_a_guardian_switch_between_children_on_the_same_page(client: Client) -> None:
    ava = factories.patient(first_name="Ava")
    lily = factories.patient(clinic=ava.clinic, first_name="Lily")
    parent = factories.guardian(patient=ava).user
    assert isinstance(parent, User)
    factories.guardian(patient=lily, user=parent)
    client.force_login(parent)

    response = client.get(f"/p/{ava.pk}/week/")

    body = response.content.decode()
    assert "Switch to Lily" in body
    assert f'href="/p/{lily.pk}/week/"' in body
    assert "Switch to Lily" not in client.get(f"/p/{lily.pk}/week/").content.decode()
    assert "Switch to Ava" in client.get(f"/p/{lily.pk}/week/").content.decode()


def test_it_hides_a_third_familys_child_from_a_guardian(client: Client) -> None:
    ava = factories.patient()
    parent = factories.guardian(patient=ava).user
    assert isinstance(parent, User)
    stranger = factories.patient(clinic=ava.clinic)
    client.force_login(parent)

    assert client.get(f"/p/{stranger.pk}/today/").status_code == 404
    assert client.get(f"/p/{stranger.pk}/week/").status_code == 404
