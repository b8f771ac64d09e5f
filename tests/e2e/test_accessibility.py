"""axe-core on each main page, at phone and desktop size, with a screenshot of each in
var/screenshots/. A page group per test: the pages of one kind of visitor, checked one after
the other with the failures of all of them reported together."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from programs.services import check_in_submit
from reminders.services.contacts import contact_create
from tests.e2e import data
from tests.e2e.browser import PageChecks, sign_in
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

DRAWINGS = Path(settings.BASE_DIR) / "programs" / "demo_media"


def test_the_account_pages_pass_axe(any_page: Page, place: data.Clinic_) -> None:
    patient = data.new_patient(place, first_name="Maya", with_user=False)
    token = data.guardian_invitation(place, patient, first_name="Laura", relation="mother")
    user = place.therapist
    reset_path = (
        f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )
    checks = PageChecks(any_page)

    checks.visit("/accounts/sign-in/", "sign-in")
    any_page.get_by_role("button", name="Sign in").click()
    expect(any_page.get_by_role("alert")).to_contain_text("Please check the form")
    checks.check("sign-in-errors")
    checks.visit("/accounts/password-reset/", "password-reset")
    any_page.get_by_role("textbox", name="Email").fill(user.email)
    any_page.get_by_role("button", name="Email me a reset link").click()
    checks.check("password-reset-sent")
    checks.visit(reset_path, "password-reset-new-password")
    checks.visit(f"/accounts/invitation/{token}/", "invitation-accept")
    checks.assert_clean()


def test_the_patient_pages_pass_axe(any_page: Page, place: data.Clinic_) -> None:
    patient = data.new_patient(place, first_name="Maya")
    data.program_for(place, patient, started_weeks_ago=2)
    contact_create(patient=patient, role="patient", email="maya@example.org", phone="+12025550143")
    base = f"/p/{patient.pk}"
    checks = PageChecks(any_page)

    sign_in(any_page, "maya")
    checks.visit(f"{base}/today/", "today")
    checks.visit(f"{base}/week/", "week")
    checks.visit(f"{base}/progress/", "progress")
    checks.visit(f"{base}/reminders/", "reminders")
    checks.visit(f"{base}/check-in/", "check-in")
    any_page.get_by_role("button", name="Send my check-in").click()
    expect(any_page.get_by_role("alert")).to_contain_text("Please check the form")
    checks.check("check-in-errors")
    any_page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
        "No", exact=True
    ).check()
    any_page.get_by_label("A fever").check()
    any_page.get_by_role("button", name="Send my check-in").click()
    expect(any_page.get_by_role("alert")).to_contain_text("Please contact your doctor")
    checks.check("check-in-guidance")
    assert patient.user is not None
    crisis = check_in_submit(
        flare=False, actor=patient.user, patient=patient, red_flags=["self_harm"]
    )
    checks.visit(f"{base}/check-in/{crisis.check_in.pk}/", "check-in-crisis")
    expect(any_page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    checks.assert_clean()


def test_the_staff_pages_pass_axe(any_page: Page, place: data.Clinic_) -> None:
    maya = data.new_patient(place, first_name="Maya")
    data.program_for(place, maya, started_weeks_ago=2)
    assert maya.user is not None
    data.red_flag(maya, actor=maya.user)
    # A draft beside the running program: listed on the patient page and at the builder's start.
    factories.draft_program(patient=maya, actor=place.therapist, template=place.template)
    # Thoughts of self-harm: the urgent row and alert, with the acknowledgement's note box.
    check_in_submit(actor=maya.user, patient=maya, flare=False, red_flags=["self_harm"])
    # A running program, not paused: the patient page offers a new baseline.
    noor = data.new_patient(place, first_name="Noor", with_user=False)
    data.program_for(place, noor, started_weeks_ago=3)
    ethan = data.new_patient(place, first_name="Ethan", with_user=False)
    draft = factories.draft_program(
        patient=ethan,
        actor=place.therapist,
        template=place.template,
        activities=[
            factories.activity_choice(place.walking, baseline_trials=[10, 12, 11], goal_quota=30),
            factories.activity_choice(place.squats, baseline_trials=[6, 8, 7], goal_quota=15),
        ],
    )
    checks = PageChecks(any_page)

    sign_in(any_page, data.THERAPIST)
    checks.visit("/clinic/", "caseload")
    checks.visit("/clinic/alerts/", "alerts")
    checks.visit(f"/clinic/patients/{maya.pk}/", "staff-patient")
    # Past the browser's own checks, as a browser without them would send it.
    any_page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true })")
    any_page.get_by_role("button", name="Discharge", exact=True).click()
    expect(any_page.get_by_role("alert").first).to_contain_text("Please check the form")
    checks.check("staff-patient-errors")
    checks.visit(f"/clinic/patients/{noor.pk}/", "staff-patient-running")
    any_page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true })")
    baseline = any_page.locator("form.rebaseline")
    baseline.get_by_label("Trial 1", exact=False).first.fill("8")
    baseline.get_by_label("Day of trial 1").first.fill("2020-01-01")
    baseline.get_by_role("button", name="Record the new baseline").click()
    expect(any_page.get_by_role("alert").first).to_contain_text("Please check the form")
    checks.check("staff-patient-new-baseline-errors")
    checks.visit(f"/clinic/patients/{ethan.pk}/program/new/", "builder-template")
    checks.visit(
        f"/clinic/patients/{ethan.pk}/program/new/?template={place.template.pk}", "builder-form"
    )
    any_page.get_by_role("button", name="Preview").click()
    expect(any_page.get_by_role("alert")).to_contain_text("Please check the form")
    checks.check("builder-form-errors")
    checks.visit(f"/clinic/programs/{draft.pk}/", "program-preview")
    checks.visit(f"/clinic/programs/{draft.pk}/edit/", "builder-edit")
    checks.visit(f"/clinic/programs/{draft.pk}/discard/", "program-discard")
    # A patient who already follows a program: the builder says so before anything is typed.
    checks.visit(f"/clinic/patients/{maya.pk}/program/new/", "builder-running-program")
    checks.visit("/clinic/invite/", "invite")
    checks.assert_clean()


def test_the_activity_library_passes_axe(any_page: Page, place: data.Clinic_) -> None:
    stairs = factories.ActivityFactory.create(
        clinic=place.clinic,
        name="Stairs",
        kind="functional",
        unit="repetitions",
        instructions="Step up with one foot, then the other. Hold the rail.",
    )
    page = any_page
    checks = PageChecks(page)

    sign_in(page, data.THERAPIST)
    checks.visit(f"/clinic/library/{stairs.pk}/", "library-activity-empty")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a picture or video to upload.")
    checks.check("library-activity-errors")
    # Without JavaScript or the browser's checks: the form posts the file as it is.
    page.locator("input[type=file]").set_input_files(DRAWINGS / "stairs.svg")
    page.get_by_label("Alt text or caption").fill("A person stepping up a stair, holding the rail.")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("Picture saved.")
    # The drawing is served to its clinic's staff and shown at its own size (240 x 160).
    expect(page.get_by_role("img", name="A person stepping up a stair")).to_have_js_property(
        "naturalWidth", 240
    )
    checks.check("library-activity")
    checks.visit(f"/clinic/library/{place.walking.pk}/", "library-activity-shared")
    checks.visit("/clinic/library/", "library")
    expect(page.locator("img.thumb")).to_have_count(1)
    checks.assert_clean()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(
    desktop_page: Page, place: data.Clinic_
) -> None:
    patient = data.new_patient(place, first_name="Maya")
    page = desktop_page
    sign_in(page, "maya")
    page.goto(f"/p/{patient.pk}/today/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    main = page.get_by_role("main")
    expect(main).to_be_focused()
    # The next stop is inside the main content, past the header's links.
    page.keyboard.press("Tab")
    assert main.evaluate("(main) => main.contains(document.activeElement)")
