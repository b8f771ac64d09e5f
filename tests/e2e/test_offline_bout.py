"""Issue 11, in Chromium on a phone: a bout of the guided session saved with the network cut is
kept on the phone, said to be, and arrives once when the connection is back, with where to go
on (web/static/web/offline.js, web/patient/guided.py). Screenshotted in var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from programs.models import BoutLog
from programs.services.common import local_today
from tests.e2e.browser import check_page, sign_in
from tests.e2e.test_offline import KEPT, controlled, kept_logs, wait_until_sent
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def test_a_bout_saved_offline_arrives_once(phone_page: Page) -> None:
    page = phone_page
    person = factories.patient(with_user=True, first_name="Ava")
    program = factories.guided_program(patient=person)
    session = program.sessions.get(date=local_today(person))
    assert person.user is not None
    sign_in(page, person.user.username)
    controlled(page)
    page.get_by_role("link", name="Start today\u2019s session").click()
    expect(page.get_by_role("heading", name="Walking", level=1)).to_be_visible()
    key = page.locator("input[name=submission]").input_value()

    page.context.set_offline(True)
    page.get_by_role("button", name="Done", exact=True).tap()
    kept = page.get_by_role("status").filter(has_text=KEPT)
    expect(kept).to_contain_text("Walking on ")
    check_page(page, "guide-bout-kept")
    assert [entry["key"] for entry in kept_logs(page)] == [key]
    assert not BoutLog.objects.filter(session=session).exists()

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(page)
    sent = page.get_by_role("status").filter(has_text="Sent. Saved: Walking.")
    expect(sent).to_be_visible()
    check_page(page, "guide-bout-sent")
    bout = BoutLog.objects.get(session=session)
    assert (bout.submission_key, bout.amount, bout.number) == (key, 7, 1)

    # Sent again by a reload or the worker: nothing is kept to send, and nothing more saved.
    page.evaluate("() => window.gradusQueue.sendAll(null)")
    assert BoutLog.objects.filter(session=session).count() == 1

    sent.get_by_role("link", name="Go on").tap()
    expect(page.get_by_role("heading", name="Wall squats", level=1)).to_be_visible()
    assert BoutLog.objects.filter(session=session).count() == 1
