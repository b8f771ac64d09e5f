"""The sign-in page in a real browser: accessible at both sizes, and a patient lands on today."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import check_page, sign_in
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def test_it_passes_axe_at_phone_and_desktop_size(any_page: Page) -> None:
    any_page.goto("/accounts/sign-in/")
    expect(any_page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(any_page, "sign-in")


def test_it_takes_a_patient_to_their_today_page(phone_page: Page) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient, started_weeks_ago=1)
    assert patient.user is not None

    sign_in(phone_page, patient.user.username)

    expect(phone_page).to_have_url(re.compile(rf"/p/{patient.pk}/today/$"))
