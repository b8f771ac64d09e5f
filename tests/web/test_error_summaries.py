"""Issue 11: after any failed submit of a patient's or guardian's form, the page leads with the
one error summary (web/templates/web/_form_errors.html), which web/static/web/error-summary.js
focuses, linking each problem to its field, with what was typed kept."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from programs.services.common import local_today
from tests.programs import factories

TEMPLATES = Path(settings.BASE_DIR) / "web" / "templates" / "web"
# Forms of buttons alone (stop, start, send a code again, sign out): nothing typed, nothing
# to refuse. Today's log form posts to the log page, which shows its errors.
BUTTONS_ONLY = {"patient/reminders.html", "patient/today.html"}


def test_every_patient_and_guardian_form_page_has_the_error_summary() -> None:
    missing = []
    for folder in ("patient", "accounts"):
        for template in sorted((TEMPLATES / folder).glob("*.html")):
            name = f"{folder}/{template.name}"
            text = template.read_text()
            if template.name.startswith("_"):
                continue  # a partial: checked as part of each page that includes it
            text += "".join(
                (TEMPLATES / partial).read_text()
                for partial in re.findall(r'{% include "web/([^"]+)"', text)
                if (TEMPLATES / partial).name.startswith("_")
            )
            has_fields = "<form" in text and name not in BUTTONS_ONLY
            if has_fields and "web/_form_errors.html" not in text:
                missing.append(name)
    assert missing == []


def test_the_summary_script_is_on_every_page() -> None:
    assert "web/error-summary.js" in (TEMPLATES / "base.html").read_text()


@pytest.mark.django_db
def test_a_refused_log_leads_with_its_summary_and_keeps_what_was_typed(client: Client) -> None:
    patient = factories.maya_on_program(started_weeks_ago=0)
    assert patient.user is not None
    client.force_login(patient.user)
    session = patient.programs.get().sessions.get(date=local_today(patient))
    dose = session.doses.select_related("program_activity").get()
    key = dose.program_activity.key
    response = client.post(
        f"/p/{patient.pk}/sessions/{session.pk}/log/",
        {f"{key}-amount": "", f"{key}-exertion": "4", "note": "Windy today."},
    )
    body = response.content.decode()
    assert body.count("data-error-summary") == 1
    assert body.index("data-error-summary") < body.index('class="form log-form"')
    assert f'<a href="#id_{key}-amount">' in body
    assert "Windy today." in body
    assert f'value="4" id="id_{key}-exertion_4" checked' in body
