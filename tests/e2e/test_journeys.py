"""The journeys issue 5 asks for, in a real browser, driven by role and label as a person would:

(a) a therapist signs in, builds a program from a template with baseline trials, previews it
    and activates it (with the ME/CFS confirmation);
(b) a patient signs in on a phone-sized window, sees today's session, logs it, submits a
    check-in with a red flag and sees the guidance;
(c) the therapist sees the alert and acknowledges it;
(d) a guardian accepts an invitation and switches between two children.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from programs import selectors
from programs.models import Alert, Patient, Program, SessionLog
from programs.services import check_in_submit
from programs.services.common import local_today
from tests.e2e import data
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_a_therapist_builds_previews_and_activates_a_program(
    desktop_page: Page, place: data.Clinic_
) -> None:
    page = desktop_page
    patient = data.new_patient(place, first_name="Maya", with_user=False)
    start = local_today(patient)

    sign_in(page, data.THERAPIST)
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    page.get_by_role("link", name="Thompson, Maya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.full_name)
    page.get_by_role("link", name="Build a new program").click()

    # Step 1: the template.
    page.get_by_label("Home walking and strength").check()
    page.get_by_role("button", name="Use this template").click()

    # Step 2: baseline trials, goals, and a goal date too soon for the weekly caps.
    page.get_by_label("Walking: Baseline trials").fill("10, 12, 11")
    page.get_by_label("Wall squats: Baseline trials").fill("6, 8, 7")
    page.get_by_label("Goals in the patient's own words").fill("Walk to school with my friends.")
    page.get_by_label("Goal date").fill((start + timedelta(weeks=3)).isoformat())
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Program preview for {patient.full_name}"
    )
    expect(page.get_by_role("alert")).to_contain_text("is not reachable within the caps")

    # Back to the form with everything kept; a goal date the engine can reach.
    page.get_by_role("link", name="Edit the draft").click()
    expect(page.get_by_label("Walking: Baseline trials")).to_have_value("10, 12, 11")
    page.get_by_label("Goal date").fill((start + timedelta(weeks=12)).isoformat())
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_text("Every goal is reached by the goal date")).to_be_visible()
    expect(page.get_by_role("table", name="Planned dose per session each week")).to_be_visible()
    expect(page.get_by_role("img").first).to_be_visible()  # the schedule's charts
    # The edit changed the draft itself: one draft, not one per preview.
    draft = Program.objects.filter(patient=patient).get()
    assert draft.status == Program.Status.DRAFT

    # Activation waits for the ME/CFS confirmation.
    page.get_by_role("button", name="Activate program").click()
    draft.refresh_from_db()
    assert draft.status == Program.Status.DRAFT
    page.get_by_label("I have considered ME/CFS").check()
    page.get_by_role("button", name="Activate program").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"The program for {patient.full_name} is active"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.full_name)
    draft.refresh_from_db()
    assert draft.status == Program.Status.ACTIVE
    assert draft.me_cfs_confirmed_by_id == place.therapist.pk


def test_b_a_patient_logs_today_and_reports_a_red_flag_on_a_phone(
    phone_page: Page, maya: Patient
) -> None:
    page = phone_page
    patient = maya
    program = maya.programs.get()
    session = selectors.today_session(patient)
    assert session is not None
    walking = next(dose for dose in session.doses.all() if dose.program_activity.name == "Walking")

    sign_in(page, "maya")
    expect(page).to_have_url(re.compile(rf"/p/{patient.pk}/today/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_role("heading", name="Walking")).to_be_visible()
    expect(page.get_by_role("heading", name="Wall squats")).to_be_visible()
    expect(page.get_by_role("region", name="Your session")).to_contain_text(
        f"{walking.amount} minutes"
    )

    # Log it: the amounts are already the plan's; say how tiring walking felt.
    expect(page.get_by_label("Walking: minutes done")).to_have_value(str(walking.amount))
    page.get_by_role("group", name="Walking: how tired did you feel?").get_by_role(
        "radio", name=re.compile(r"^4\b")
    ).check()
    page.get_by_role("button", name="Save what I did").tap()
    expect(page.get_by_role("status")).to_contain_text("Logged. Well done")
    logged = SessionLog.objects.get(session=session)
    assert logged.status == "done"

    # The check-in, with a red flag and thoughts of self-harm.
    page.get_by_role("link", name="Check-in").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    page.get_by_role("group", name="How has your mood been this week?").get_by_label(
        "Low", exact=True
    ).check()
    page.get_by_role("group", name="Did you have a flare-up this week?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("A fever").check()
    page.get_by_label("Thoughts of hurting yourself").check()
    page.get_by_role("button", name="Send my check-in").tap()

    # Thoughts of self-harm lead: the crisis line to call or text, then the doctor for the fever.
    guidance = page.get_by_role("alert")
    expect(guidance.get_by_role("heading", level=1)).to_have_text("You are not alone")
    expect(guidance.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(guidance.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(guidance.get_by_role("link", name="911")).to_have_attribute("href", "tel:911")
    expect(guidance).to_contain_text("please contact your doctor today as well")
    expect(guidance).to_contain_text("Your therapist has been told")
    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert sorted(Alert.objects.filter(patient=patient).values_list("kind", flat=True)) == [
        "red_flag",
        "self_harm",
    ]


def test_c_the_therapist_sees_the_alert_and_acknowledges_it(
    desktop_page: Page, place: data.Clinic_, flagged_maya: Patient
) -> None:
    page = desktop_page
    patient = flagged_maya

    sign_in(page, data.THERAPIST)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    open_alerts = page.get_by_role("region", name="Open alerts")
    alert = open_alerts.get_by_role("listitem").filter(has_text=patient.full_name).first
    expect(alert).to_contain_text("Fever")
    alert.get_by_role("button", name=re.compile(r"^Acknowledge")).click()

    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged")
    expect(page.get_by_role("region", name="Open alerts")).to_have_count(0)
    raised = Alert.objects.get(patient=patient, kind="red_flag")
    assert raised.acknowledged_by_id == place.therapist.pk


def test_c_the_therapist_acknowledges_thoughts_of_self_harm_with_a_note(
    desktop_page: Page, flagged_maya: Patient
) -> None:
    page = desktop_page
    patient = flagged_maya
    assert patient.user is not None
    check_in_submit(flare=False, actor=patient.user, patient=patient, red_flags=["self_harm"])

    sign_in(page, data.THERAPIST)
    page.goto("/clinic/alerts/")
    first = page.get_by_role("region", name="Open alerts").get_by_role("listitem").first
    expect(first).to_contain_text("Thoughts of self-harm")
    first.get_by_role("button", name=re.compile(r"^Acknowledge")).click()

    note = page.get_by_role("textbox", name="What was done?")
    expect(note).to_have_attribute("aria-invalid", "true")
    # The summary at the top links to the note; the note says what is missing.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("Write what was done"))).to_be_visible()
    expect(page.locator(".field-error", has_text="Write what was done before")).to_be_visible()
    note.fill("Called Maya's mother; she is safe; crisis appointment tomorrow.")
    page.get_by_role("button", name=re.compile(r"^Acknowledge Thoughts of self-harm")).click()

    expect(page.get_by_role("status")).to_contain_text("Alert acknowledged")
    raised = Alert.objects.get(patient=patient, kind="self_harm")
    assert raised.acknowledgement_note.startswith("Called Maya's mother")


def test_d_a_guardian_accepts_an_invitation_and_switches_between_two_children(
    desktop_page: Page, phone_page: Page, place: data.Clinic_
) -> None:
    ava = data.new_patient(place, first_name="Ava", with_user=False)
    lily = data.new_patient(place, first_name="Lily", with_user=False)
    data.program_for(place, ava, started_weeks_ago=1)
    data.program_for(place, lily, started_weeks_ago=1)

    # The therapist invites Ava's father and hands the link over in clinic.
    clinic_page = desktop_page
    sign_in(clinic_page, data.THERAPIST)
    clinic_page.get_by_role("navigation", name="Pages").get_by_role("link", name="Invite").click()
    clinic_page.get_by_role("combobox", name="Patient", exact=True).select_option(
        label=f"Thompson, Ava ({ava.date_of_birth})"
    )
    clinic_page.get_by_label("A parent or guardian").check()
    clinic_page.get_by_label("Parent or guardian's first name").fill("Daniel")
    clinic_page.get_by_label("Parent or guardian's last name").fill("Thompson")
    clinic_page.get_by_label("Relation to the patient").select_option(label="Father")
    clinic_page.get_by_role("button", name="Create invitation").click()
    expect(
        clinic_page.get_by_role("heading", name="Invitation for Daniel Thompson is ready")
    ).to_be_visible()
    link = clinic_page.get_by_label("Invitation link").input_value()
    assert "/accounts/invitation/" in link

    # He opens it on his phone and creates his account.
    page = phone_page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow Ava\u2019s program")
    page.get_by_label("Username").fill("daniel")
    page.get_by_label(re.compile(r"^Password\b(?! again)")).fill("a long guardian password")
    page.get_by_label("Password again").fill("a long guardian password")
    page.get_by_role("button", name="Create account").tap()
    expect(page).to_have_url(re.compile(rf"/p/{ava.pk}/today/$"))
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    # A second invitation, for Lily, adds her to the same account.
    for_lily = data.guardian_invitation(place, lily, first_name="Daniel", relation="father")
    page.goto(f"/accounts/invitation/{for_lily}/")
    page.get_by_role("button", name="Add Lily to my account").tap()
    expect(page).to_have_url(re.compile(rf"/p/{lily.pk}/today/$"))

    # The switcher at the top of each page moves between them.
    switcher = page.get_by_role("navigation", name="Switch child")
    expect(switcher).to_contain_text("Showing Lily\u2019s program")
    switcher.get_by_role("link", name="Switch to Ava").tap()
    expect(page).to_have_url(re.compile(rf"/p/{ava.pk}/today/$"))
    expect(switcher).to_contain_text("Showing Ava\u2019s program")
    page.get_by_role("link", name="This week").tap()
    switcher.get_by_role("link", name="Switch to Lily").tap()
    expect(page).to_have_url(re.compile(rf"/p/{lily.pk}/week/$"))
