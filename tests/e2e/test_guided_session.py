"""A whole guided session on a phone: a timed activity (the timer counts from a stored start,
so a reload mid-way loses nothing), a counted one (the tap counter), and one done twice a day
(its second time from the finish screen), then the finish screen. Every page is checked with
axe-core and saved as a screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from programs.models import SessionLog
from programs.services.common import local_today
from tests.e2e.browser import check_page, sign_in
from tests.e2e.conftest import PHONE
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

# Seven minutes less the minute away, less the seconds the reload itself takes on a busy machine.
ONE_MINUTE_DOWN = re.compile(r"^(6:00|5:[0-5]\d)$")


def test_a_patient_does_a_whole_guided_session(phone_page: Page) -> None:
    page = phone_page
    person = factories.patient(with_user=True, first_name="Ava")
    program = factories.guided_program(patient=person)
    assert person.user is not None
    page.clock.install()
    sign_in(page, person.user.username)

    page.goto(f"/p/{person.pk}/today/")
    page.get_by_role("link", name="Start today\u2019s session").click()

    # The timed one: started, the phone put away for a minute (a reload), then time runs out.
    expect(page.get_by_role("heading", name="Walking", level=1)).to_be_visible()
    expect(page.get_by_text("Activity 1 of 3")).to_be_visible()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text("7:00")
    page.get_by_role("button", name="Start", exact=True).click()
    page.clock.fast_forward(60_000)
    page.reload()
    expect(timer).to_have_text(ONE_MINUTE_DOWN)  # not 7:00 again, nor 7:00 less the ticks seen
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.clock.fast_forward(6 * 60_000 + 1_000)
    expect(page.get_by_text("Time is up. Well done!")).to_be_visible()
    expect(timer).to_have_text("0:00")
    page.get_by_role("radio", name="4 Getting tired").check()
    check_page(page, "guide-timed")
    page.get_by_role("button", name="Done", exact=True).click()

    # The counted one: a tap for each squat.
    expect(page.get_by_role("heading", name="Wall squats", level=1)).to_be_visible()
    tap = page.get_by_role("button", name="Tap for each one")
    for _ in range(7):
        tap.click()
    expect(page.get_by_text("That is all of them. Well done!")).to_be_visible()
    expect(page.locator("output[data-count]")).to_have_text("7")
    check_page(page, "guide-counted")
    page.get_by_role("button", name="Done", exact=True).click()

    # Twice a day: the first time now, not asked how tiring it was.
    expect(page.get_by_role("heading", name="Soft towel", level=1)).to_be_visible()
    expect(page.get_by_text("Time 1 of 2 today")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    check_page(page, "guide-bouts")
    page.get_by_role("button", name="Done", exact=True).click()

    expect(page.get_by_text("One more time later today.")).to_be_visible()
    check_page(page, "guide-finish-one-to-go")
    page.get_by_role("link", name="Do Soft towel now").click()
    expect(page.get_by_text("Time 2 of 2 today")).to_be_visible()
    page.get_by_role("button", name="Done", exact=True).click()

    expect(page.get_by_role("heading", name="That\u2019s today\u2019s session")).to_be_visible()
    expect(page.get_by_text("2 of 2 times")).to_be_visible()
    expect(page.get_by_role("heading", name="Week 1 of 13")).to_be_visible()
    check_page(page, "guide-finish")
    log = SessionLog.objects.get(session__program=program, session__date=local_today(person))
    assert log.status == "done"
    assert [result.exertion for result in log.results.all()] == [4, None, None]


def test_did_less_takes_the_time_the_timer_ran(phone_page: Page) -> None:
    page = phone_page
    person = factories.patient(with_user=True, first_name="Ava")
    factories.guided_program(patient=person)
    assert person.user is not None
    page.clock.install()
    sign_in(page, person.user.username)
    page.goto(f"/p/{person.pk}/today/")
    page.get_by_role("link", name="Start today\u2019s session").click()

    page.get_by_role("button", name="Count up").click()
    page.get_by_role("button", name="Start", exact=True).click()
    page.clock.fast_forward(3 * 60_000 + 5_000)
    page.get_by_role("button", name="Pause").click()

    amount = page.get_by_label("How many minutes did you do?")
    expect(amount).to_have_value("3")
    check_page(page, "guide-did-less")
    page.get_by_role("button", name="Save how much I did").click()
    expect(page.get_by_role("heading", name="Wall squats", level=1)).to_be_visible()
    log = SessionLog.objects.get(session__date=local_today(person))
    assert log.results.get(program_activity__name="Walking").amount == 3


def test_without_javascript_the_guided_session_is_a_plain_form(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": PHONE["width"], "height": PHONE["height"]},
        java_script_enabled=False,
    )
    page = context.new_page()
    person = factories.patient(with_user=True, first_name="Ava")
    factories.guided_program(patient=person)
    assert person.user is not None
    try:
        sign_in(page, person.user.username)
        page.goto(f"/p/{person.pk}/today/")
        page.get_by_role("link", name="Start today\u2019s session").click()

        expect(page.get_by_role("timer")).to_be_hidden()
        page.get_by_text("Did less").click()
        page.get_by_label("How many minutes did you do?").fill("5")
        page.get_by_role("button", name="Save how much I did").click()

        expect(page.get_by_role("heading", name="Wall squats", level=1)).to_be_visible()
        expect(page.get_by_role("button", name="Tap for each one")).to_be_hidden()
    finally:
        context.close()
    log = SessionLog.objects.get(session__date=local_today(person))
    assert log.results.get(program_activity__name="Walking").amount == 5


def test_a_guardian_is_asked_what_their_child_did(phone_page: Page) -> None:
    page = phone_page
    ava = factories.patient(first_name="Ava")
    program = factories.guided_program(patient=ava)
    parent = factories.guardian(patient=ava).user
    assert parent is not None
    sign_in(page, parent.username)
    session = program.sessions.get(date=local_today(ava))

    page.goto(f"/p/{ava.pk}/sessions/{session.pk}/guide/2/")
    expect(page.get_by_role("group", name="How tired did Ava feel? (optional)")).to_be_visible()
    page.get_by_text("Did less").click()
    expect(page.get_by_role("button", name="Save how much Ava did")).to_be_visible()
    check_page(page, "guide-step-guardian")
    page.get_by_label("How many repetitions did Ava do?").fill("5")
    page.get_by_role("button", name="Save how much Ava did").click()
    expect(page.get_by_role("heading", name="Soft towel", level=1)).to_be_visible()
    assert SessionLog.objects.get(session=session).status == "partial"
