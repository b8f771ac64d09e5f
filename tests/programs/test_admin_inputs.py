"""The admin writes clinics, patients and templates through their forms, not the services: the
ranges the models hold (time zone, age, a template's goal) refuse there too."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import Patient, ProgramTemplate, User
from tests.programs.factories import ActivityFactory, ClinicFactory, patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client) -> Client:
    operator = User.objects.create_superuser(username="operator", password=None)
    client.force_login(operator)
    return client


def no_inline_rows(prefix: str) -> dict[str, Any]:
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}


def test_the_admin_refuses_a_clinic_time_zone_that_is_not_a_place(signed_in: Client) -> None:
    clinic = ClinicFactory.create(name="Riverside")

    response = signed_in.post(
        reverse("admin:programs_clinic_change", args=[clinic.pk]),
        {"name": "Riverside", "short_name": "", "time_zone": "EST5EDT", "locale": "en-us",
         **no_inline_rows("memberships")},
    )  # fmt: skip

    clinic.refresh_from_db()
    assert response.status_code == 200
    assert "such as America/New_York" in response.content.decode()
    assert clinic.time_zone == "America/New_York"


def test_the_admin_refuses_a_patient_younger_than_five(signed_in: Client) -> None:
    child = patient()
    values = {
        "clinic": child.clinic_id, "first_name": child.first_name, "last_name": "Okafor",
        "date_of_birth": "2024-01-01", "time_zone": "America/New_York",
        "diagnosis": child.diagnosis, "status": child.status, "resting_heart_rate": "72",
        **no_inline_rows("guardians"),
    }  # fmt: skip

    response = signed_in.post(reverse("admin:programs_patient_change", args=[child.pk]), values)

    assert response.status_code == 200
    assert "gradus plans for patients from 5" in response.content.decode()
    assert Patient.objects.get(pk=child.pk).date_of_birth == child.date_of_birth


def test_the_admin_refuses_desensitization_dosed_in_metres(signed_in: Client) -> None:
    values = {
        "name": "Textures", "kind": "desensitization", "unit": "metres", "instructions": "",
        "media_url": "", "is_active": "on",
    }  # fmt: skip

    response = signed_in.post(reverse("admin:programs_activity_add"), values)

    assert response.status_code == 200
    assert "desensitization is dosed in seconds or minutes" in response.content.decode()


def test_the_admin_refuses_a_template_with_desensitization_once_a_day(signed_in: Client) -> None:
    feather = ActivityFactory.create(name="Feather", kind="desensitization", unit="seconds")
    prefix = "template_activities"
    values = {
        "name": "Textures", "description": "", "default_weeks": "8", "is_active": "on",
        f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-activity": feather.pk, f"{prefix}-0-order": "0",
        f"{prefix}-0-start_fraction": "0.7", f"{prefix}-0-goal_quota": "300",
        f"{prefix}-0-weekdays": "[0, 1, 2, 3, 4, 5, 6]", f"{prefix}-0-times_per_day": "1",
        f"{prefix}-0-goal_intensity": "moderate",
    }  # fmt: skip

    response = signed_in.post(reverse("admin:programs_programtemplate_add"), values)

    assert response.status_code == 200
    assert "desensitization is done 2 or 3 times a day" in response.content.decode()
    assert not ProgramTemplate.objects.exists()


def test_the_admin_sets_a_clinic_locale_and_refuses_one_it_does_not_know(
    signed_in: Client,
) -> None:
    clinic = ClinicFactory.create(name="Riverside")
    url = reverse("admin:programs_clinic_change", args=[clinic.pk])
    values = {"name": "Riverside", "short_name": "", "time_zone": "America/Chicago",
              **no_inline_rows("memberships")}  # fmt: skip

    refused = signed_in.post(url, {**values, "locale": "fr-fr"})
    clinic.refresh_from_db()
    assert refused.status_code == 200 and clinic.locale == "en-us"
    signed_in.post(url, {**values, "locale": "en-gb"})
    clinic.refresh_from_db()
    assert clinic.locale == "en-gb"
