"""The log form's one-time key on the web, the short answers to a log kept on the phone while
offline (web/static/web/offline.js), and what makes the pages installable: the manifest, the
service worker and the icons."""

from __future__ import annotations

import json
import re
import struct
from datetime import timedelta

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client

from programs import services
from programs.models import Patient, PlannedSession, SessionLog
from programs.services.common import local_today
from tests.programs import factories
from tests.web.test_today import log_url, signed_in, signed_in_for_a_walk, walking_program

pytestmark = pytest.mark.django_db

QUEUED = {"X-Gradus-Queued": "1"}


def form_key(client: Client, patient: Patient, session: PlannedSession) -> str:
    body = client.get(log_url(patient, session)).content.decode()
    found = re.search(r'name="submission" value="([0-9a-f]{32})"', body)
    assert found is not None, "the log form carries its one-time key"
    return found.group(1)


def test_each_log_form_shown_has_its_own_key(client: Client) -> None:
    patient, session, _dose = signed_in_for_a_walk(client)
    assert form_key(client, patient, session) != form_key(client, patient, session)


def test_the_same_form_sent_twice_saves_one_log_and_says_so(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    key = form_key(client, patient, session)
    fields = {f"{dose.program_activity.key}-amount": 2, "submission": key}

    first = client.post(log_url(patient, session), fields)
    again = client.post(log_url(patient, session), fields | {"note": "sent again"}, follow=True)

    assert first.status_code == 302
    log = SessionLog.objects.get(session=session)
    assert (log.submission_key, log.note) == (key, "")
    assert "This log had already arrived, so it was not saved again." in again.content.decode()


def test_a_log_from_another_form_still_corrects_it(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    amount = f"{dose.program_activity.key}-amount"
    client.post(log_url(patient, session), {amount: 2, "submission": "a" * 32})
    client.post(log_url(patient, session), {amount: 3, "submission": "b" * 32})
    log = SessionLog.objects.get(session=session)
    assert list(log.results.values_list("amount", flat=True)) == [3]


def test_a_damaged_key_is_refused_on_the_form(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    response = client.post(
        log_url(patient, session),
        {f"{dose.program_activity.key}-amount": 2, "submission": "<script>"},
    )
    assert response.status_code == 200
    assert "This form is damaged." in response.content.decode()
    assert not SessionLog.objects.exists()


def test_a_kept_log_is_answered_in_a_few_words(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    fields = {f"{dose.program_activity.key}-amount": 2, "submission": "c" * 32}

    first = client.post(log_url(patient, session), fields, headers=QUEUED)
    again = client.post(log_url(patient, session), fields, headers=QUEUED)

    assert first.status_code == again.status_code == 200
    assert first.json()["result"] == "saved"
    assert again.json()["result"] == "repeated"
    assert SessionLog.objects.filter(session=session).count() == 1


def test_a_kept_log_for_its_own_past_day_is_taken(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient, started_weeks_ago=1)
    earlier = program.sessions.filter(date__lt=local_today(patient)).first()
    assert earlier is not None
    signed_in(client, patient)
    key = earlier.doses.get().program_activity.key
    response = client.post(
        log_url(patient, earlier), {f"{key}-amount": 1, "submission": "d" * 32}, headers=QUEUED
    )
    assert response.json()["result"] == "saved"
    assert SessionLog.objects.get().session == earlier


def test_a_kept_log_for_a_program_since_paused_is_refused_with_the_reason(
    client: Client,
) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    program = session.program
    with time_machine.travel(timedelta(days=-1)):
        services.program_pause(
            actor=factories.clinician_of(program), program=program, reason="Checking a rash"
        )
    held = program.sessions.get(date=local_today(patient))
    response = client.post(
        log_url(patient, held),
        {f"{dose.program_activity.key}-amount": 2, "submission": "e" * 32},
        headers=QUEUED,
    )
    assert response.status_code == 409
    assert response.json() == {
        "result": "refused",
        "message": "The program is paused: the therapist will restart it. Nothing was saved.",
    }
    assert not SessionLog.objects.exists()


def test_a_kept_log_with_a_bad_amount_is_refused_naming_the_problem(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    response = client.post(
        log_url(patient, session),
        {f"{dose.program_activity.key}-amount": "", "submission": "f" * 32},
        headers=QUEUED,
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Enter how much you did (0 if none)."


# -- Installable ----------------------------------------------------------------------------


def png_size(name: str) -> tuple[int, int]:
    path = finders.find(name)
    assert isinstance(path, str)
    with open(path, "rb") as image:
        head = image.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_manifest_names_the_app_its_start_and_icons(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == (
        "gradus",
        "/",
        "standalone",
    )
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        if icon["type"] == "image/png":
            name = icon["src"].removeprefix("/static/")
            assert "x".join(map(str, png_size(name))) == icon["sizes"]


def test_the_service_worker_is_served_from_the_root_with_its_settings(client: Client) -> None:
    response = client.get("/sw.js")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    settings = json.loads(body.split("\n", 1)[0].removeprefix("self.GRADUS = ").rstrip(";"))
    assert "/static/web/gradus.css" in settings["precache"]
    assert len(settings["version"]) == 16


def test_the_favicon_address_browsers_ask_for_leads_to_ours(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/web/icons/favicon-32.png"


def test_patient_pages_link_the_manifest_and_the_offline_script(client: Client) -> None:
    patient, _session, _dose = signed_in_for_a_walk(client)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert '<meta name="theme-color" content="#08447f">' in body
    assert 'src="/static/web/offline.js"' in body
    assert "data-offline-log=" in body


def test_sign_out_clears_what_the_browser_kept(client: Client) -> None:
    signed_in_for_a_walk(client)
    response = client.post("/accounts/sign-out/")
    assert response["Clear-Site-Data"] == '"cache", "storage"'
