"""Issue 11, in Chromium on a phone: a check-in sent empty is refused with its error summary
focused; sent with its answers, tapped twice and then sent again with Back, it is saved once.
A guardian of two children sees both on one overview. Every page is axe clean, and
screenshotted in var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from programs.models import CheckIn, Patient
from tests.e2e import data
from tests.e2e.browser import check_page, sign_in
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def answer_no_flare_and_none_of_these(page: Page) -> None:
    page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name="Have you had any of these this week?").get_by_label(
        "None of these"
    ).check()


def test_a_check_in_is_refused_empty_then_sent_once(phone_page: Page, maya: Patient) -> None:
    page = phone_page
    before = CheckIn.objects.filter(patient=maya).count()  # her first week's
    sign_in(page, "maya")
    page.goto(f"/p/{maya.pk}/check-in/")
    form_url = page.url  # with its one-time key
    # Last week's check-in answered the FDI: this week asks only the short questions.
    expect(page.get_by_role("heading", name="Everyday activities")).to_have_count(0)
    check_page(page, "check-in-short")

    page.get_by_role("button", name="Send my check-in").tap()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check the form")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    check_page(page, "check-in-refused-empty")
    assert CheckIn.objects.filter(patient=maya).count() == before

    answer_no_flare_and_none_of_these(page)
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.get_by_role("button", name="Send my check-in").dblclick()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in sent")
    done = page.url
    check_page(page, "check-in-sent")

    # Back to the same form (the refused attempt is a POST in the history between: open the
    # form's own address, as Back would fetch it), and send it again.
    page.goto(form_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    answer_no_flare_and_none_of_these(page)
    page.get_by_role("button", name="Send my check-in").tap()
    expect(page.get_by_role("status")).to_contain_text("This check-in was already sent")
    assert page.url == done
    assert len(posts) >= 2
    assert CheckIn.objects.filter(patient=maya).count() == before + 1


def test_a_guardian_sees_every_child_today_on_one_page(
    phone_page: Page, place: data.Clinic_
) -> None:
    ava = data.new_patient(place, first_name="Ava", with_user=False)
    ben = data.new_patient(place, first_name="Ben", with_user=False)
    parent = factories.UserFactory.create(username="dana", first_name="Dana")
    for child in (ava, ben):
        factories.guardian(patient=child, user=parent, relation="mother")
        data.program_for(place, child, started_weeks_ago=1)
    page = phone_page
    sign_in(page, "dana")
    page.goto(f"/p/{ava.pk}/today/")
    page.get_by_role("link", name="All your children today").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your children today")
    expect(page.get_by_role("heading", level=2)).to_have_count(2)
    check_page(page, "family")

    page.get_by_role("link", name="Ben", exact=True).tap()
    expect(page).to_have_url(re.compile(f"/p/{ben.pk}/today/$"))
    page.goto(f"/p/{ben.pk}/check-in/")
    expect(page.get_by_role("button", name="Send Ben\u2019s check-in")).to_be_visible()
    check_page(page, "check-in-guardian")
