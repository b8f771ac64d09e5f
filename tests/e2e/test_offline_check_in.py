"""Issue 11, in Chromium on a phone: a weekly check-in made with the network cut is kept on the
phone, said to be, and arrives once when the connection is back, however often the page is
reloaded before; a red flag in it shows its help at once, offline (web/static/web/offline.js,
sw.js, web/patient/checkin.py). Screenshotted in var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from programs.models import CheckIn, Patient
from tests.e2e.browser import check_page, sign_in
from tests.e2e.test_check_in_once import answer_no_flare_and_none_of_these
from tests.e2e.test_offline import KEPT, controlled, kept_logs, wait_until_sent

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def open_check_in(page: Page, patient: Patient) -> str:
    """Signed in, with the worker in control, on the check-in form: returns its key."""
    assert patient.user is not None
    sign_in(page, patient.user.username)
    controlled(page)
    page.goto(f"/p/{patient.pk}/check-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    return page.locator("input[name=submission]").input_value()


def test_a_check_in_made_offline_arrives_once_after_reloads(
    phone_page: Page, maya: Patient
) -> None:
    page = phone_page
    before = CheckIn.objects.filter(patient=maya).count()
    key = open_check_in(page, maya)

    page.context.set_offline(True)
    answer_no_flare_and_none_of_these(page)
    page.get_by_role("button", name="Send my check-in").tap()
    expect(page.get_by_role("status").filter(has_text=KEPT)).to_contain_text("Your check-in")
    expect(page.get_by_role("button", name="Send my check-in")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to today")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)  # no red flag, no help to show
    check_page(page, "check-in-kept")
    assert CheckIn.objects.filter(patient=maya).count() == before

    # Reloaded twice before it can go: the worker's copy of the form, kept once, and the
    # form shown again has a key of its own.
    page.reload()
    page.reload()
    expect(page.get_by_text(KEPT)).to_have_count(1)
    assert [entry["key"] for entry in kept_logs(page)] == [key]
    assert page.locator("input[name=submission]").input_value() not in ("", key)

    page.context.set_offline(False)
    page.reload()
    page.reload()
    wait_until_sent(page)
    assert CheckIn.objects.filter(patient=maya).count() == before + 1
    sent = CheckIn.objects.get(patient=maya, submission_key=key)
    assert (sent.flare, sent.red_flags) == (False, [])

    page.reload()
    expect(page.get_by_text(KEPT)).to_have_count(0)
    assert CheckIn.objects.filter(patient=maya).count() == before + 1


def test_a_red_flag_kept_offline_shows_its_help_at_once(phone_page: Page, maya: Patient) -> None:
    page = phone_page
    open_check_in(page, maya)

    page.context.set_offline(True)
    page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Have you had any of these this week?").get_by_label(
        "Thoughts of hurting yourself"
    ).check()
    page.get_by_role("button", name="Send my check-in").tap()

    crisis = page.get_by_role("alert").filter(has_text="You are not alone")
    expect(crisis).to_be_visible()
    expect(crisis.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("heading", name="Please contact your doctor")).to_have_count(0)
    expect(page.get_by_text("Your therapist will be told as soon as")).to_be_visible()
    check_page(page, "check-in-kept-red-flag")

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    assert CheckIn.objects.filter(patient=maya, red_flags=["self_harm"]).count() == 1
