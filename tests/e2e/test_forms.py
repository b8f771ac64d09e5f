"""A refused form, in a real browser: its error summary is the first thing seen and has focus,
on a phone too; and a check-in form sent again with Back saves nothing new."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from programs.models import Alert, CheckIn, Patient
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def in_view(page: Page, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            """(element) => {
                const box = element.getBoundingClientRect();
                return box.top >= -1 && box.top < window.innerHeight && box.height > 0;
            }""",
        )
    )


def send_a_fever(page: Page) -> None:
    """Answer no flare-up and a fever, and send the check-in."""
    page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("A fever").check()
    page.get_by_role("button", name="Send my check-in").tap()


@pytest.fixture
def check_in_form(phone_page: Page, maya: Patient) -> Page:
    """Maya signed in on a phone, at her check-in form."""
    sign_in(phone_page, "maya")
    phone_page.goto(f"/p/{maya.pk}/check-in/")
    return phone_page


def test_an_empty_check_in_on_a_phone_brings_its_error_summary_into_view_with_focus(
    check_in_form: Page,
) -> None:
    page = check_in_form
    before = CheckIn.objects.count()  # the finished week's

    # The button is at the end of a long page: the errors would otherwise be far above it.
    page.get_by_role("button", name="Send my check-in").tap()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check the form")
    expect(summary).to_contain_text("Did you have a flare-up this week?: Please answer yes or no.")
    expect(summary).to_be_focused()
    assert in_view(page, "[data-error-summary]")
    assert CheckIn.objects.count() == before

    # Its link lands in the question it names.
    summary.get_by_role("link", name=re.compile("^Did you have a flare-up")).tap()
    expect(
        page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
            "No", exact=True
        )
    ).to_be_focused()


def test_back_and_send_of_a_check_in_lands_on_the_first_result(check_in_form: Page) -> None:
    page = check_in_form
    before = CheckIn.objects.count()  # the finished week's
    send_a_fever(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Please contact your doctor")
    first = page.url

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    send_a_fever(page)

    expect(page).to_have_url(first)
    expect(page.get_by_role("status")).to_contain_text("This check-in was already sent")
    assert CheckIn.objects.count() == before + 1 and Alert.objects.count() == 1
