"""The look: the pages pass axe in dark mode too (the system asks for it; the design tokens in
gradus.css answer), every link, button and field on today's page is at least 24 x 24 px on a
phone (WCAG 2.2, 2.5.8), and the clinic's picture of an activity reaches the patient. Screenshots
in var/screenshots/ (the dark ones are named <page>-dark-<size>.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from playwright.sync_api import Page

from programs.models import Patient
from programs.services import activity_media_attach
from tests.e2e import data
from tests.e2e.browser import PageChecks, sign_in
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

DRAWINGS = Path(settings.BASE_DIR) / "programs" / "demo_media"
TARGET = 24  # CSS pixels, WCAG 2.2 2.5.8

# Every visible control's box, leaving out what is off screen on purpose (the skip link until
# it is focused) and what the page hides.
TARGET_SIZES = """
() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary'
)].map((el) => {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    what: el.outerHTML.slice(0, 120), width: box.width, height: box.height,
    shown: style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0
      && box.right > 0 && box.left < window.innerWidth,
  };
}).filter((target) => target.shown)
"""


def maya_with_a_picture(place: data.Clinic_, *, weeks: int) -> Patient:
    """Maya on her program of ``weeks`` weeks, whose walking has the demo's drawing."""
    with (DRAWINGS / "walking.svg").open("rb") as handle:
        activity_media_attach(
            activity=place.walking,
            upload=File(handle, name="walking.svg"),
            text="A person walking at an easy pace.",
            allow_global=True,
        )
    maya = data.new_patient(place, first_name="Maya")
    data.program_for(place, maya, started_weeks_ago=weeks)
    return maya


def stairs_with_a_picture(place: data.Clinic_) -> int:
    """The clinic's own stairs activity with the demo's drawing of it; its id."""
    stairs = factories.ActivityFactory.create(clinic=place.clinic, name="Stairs")
    with (DRAWINGS / "stairs.svg").open("rb") as handle:
        activity_media_attach(
            activity=stairs,
            upload=File(handle, name="stairs.svg"),
            text="A person stepping up a stair, holding the rail.",
        )
    return stairs.pk


def too_small(page: Page, path: str) -> list[str]:
    """Open ``path`` and name each control on it under 24 x 24 px."""
    page.goto(path)
    targets = page.evaluate(TARGET_SIZES)
    assert targets, f"{path} has controls"
    return [
        f"{path}: {t['width']:.0f}x{t['height']:.0f} {t['what']}"
        for t in targets
        if t["width"] < TARGET - 0.5 or t["height"] < TARGET - 0.5
    ]


def test_the_patient_and_staff_pages_pass_axe_in_dark_mode(
    dark_page: Page, place: data.Clinic_
) -> None:
    maya = maya_with_a_picture(place, weeks=2)
    stairs = stairs_with_a_picture(place)
    base = f"/p/{maya.pk}"
    checks = PageChecks(dark_page)

    # The reminder pages (page.css over the same tokens), reached from an email, signed out.
    dark_page.goto("/reminders/unsubscribe/not-a-token/")
    checks.check("unsubscribe-invalid-dark")
    sign_in(dark_page, "maya")
    checks.visit(f"{base}/today/", "today-dark")
    checks.visit(f"{base}/week/", "week-dark")
    checks.visit(f"{base}/progress/", "progress-dark")
    checks.visit(f"{base}/check-in/", "check-in-dark")
    dark_page.get_by_role("button", name="Send my check-in").click()
    checks.check("check-in-errors-dark")
    dark_page.context.clear_cookies()
    sign_in(dark_page, data.THERAPIST)
    checks.visit("/clinic/", "caseload-dark")
    checks.visit("/clinic/alerts/", "alerts-dark")
    checks.visit(f"/clinic/patients/{maya.pk}/", "staff-patient-dark")
    checks.visit("/clinic/library/", "library-dark")
    checks.visit(f"/clinic/library/{stairs}/", "library-activity-dark")
    checks.assert_clean()


def test_every_control_on_todays_page_is_at_least_24_px_square_on_a_phone(
    phone_page: Page, place: data.Clinic_
) -> None:
    maya = maya_with_a_picture(place, weeks=1)
    sign_in(phone_page, "maya")

    small = too_small(phone_page, f"/p/{maya.pk}/today/")

    assert not small, "\n".join(small)


def test_every_control_on_the_other_pages_is_at_least_24_px_square_on_a_phone(
    phone_page: Page, place: data.Clinic_
) -> None:
    maya = maya_with_a_picture(place, weeks=2)
    stairs = stairs_with_a_picture(place)
    base = f"/p/{maya.pk}"

    sign_in(phone_page, "maya")
    small = [
        problem
        for page in ("week", "progress", "check-in", "reminders")
        for problem in too_small(phone_page, f"{base}/{page}/")
    ]
    phone_page.context.clear_cookies()
    sign_in(phone_page, data.THERAPIST)
    for path in (
        "/clinic/",
        "/clinic/alerts/",
        f"/clinic/patients/{maya.pk}/",
        "/clinic/invite/",
        "/clinic/library/",
        f"/clinic/library/{stairs}/",
    ):
        small += too_small(phone_page, path)

    assert not small, "\n".join(small)


def test_the_patient_gets_the_clinics_picture_and_a_stranger_does_not(
    phone_page: Page, place: data.Clinic_
) -> None:
    maya_with_a_picture(place, weeks=1)
    factories.patient(
        clinic=place.clinic, with_user=True, user=factories.UserFactory.create(username="noor")
    )
    place.walking.refresh_from_db()
    url = f"/media/activities/{place.walking.pk}/{Path(place.walking.media_file.name).name}"

    sign_in(phone_page, "maya")
    mine = phone_page.request.get(url)
    phone_page.context.clear_cookies()
    sign_in(phone_page, "noor")
    theirs = phone_page.request.get(url)

    assert (mine.status, mine.headers["content-type"]) == (200, "image/svg+xml")
    assert theirs.status == 404
