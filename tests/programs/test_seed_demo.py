"""`manage.py seed_demo`: the demo clinic, built once through the services."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from pytest_django import DjangoDbBlocker, Settings

from programs import models
from programs.services.common import local_today

# Seeding the whole demo clinic takes seconds: make test runs these, make test-fast does not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """Seed once for the module (it takes a few seconds) and roll it all back afterwards;
    each test still runs in its own transaction inside this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for config in apps.get_app_configs()
        for model in config.get_models()
    }


@pytest.mark.django_db
def test_it_builds_one_clinic_with_its_staff_patients_and_templates(seeded: str) -> None:
    clinic = models.Clinic.objects.get()

    assert clinic.name == "Riverside Pediatric Pain Clinic"
    assert clinic.time_zone == "America/New_York"
    assert clinic.memberships.filter(role=models.StaffMembership.Role.THERAPIST).count() == 2
    assert clinic.memberships.filter(role=models.StaffMembership.Role.CLINIC_ADMIN).count() == 1
    assert models.Patient.objects.filter(clinic=clinic).count() == 6
    assert models.ProgramTemplate.objects.count() == 3


@pytest.mark.django_db
def test_it_gives_every_patient_and_guardian_a_login(seeded: str) -> None:
    assert not models.Patient.objects.filter(user__isnull=True).exists()
    assert not models.Guardian.objects.filter(user__isnull=True).exists()
    assert models.User.objects.filter(guardianships__isnull=False).distinct().count() == 6
    # A parent of sisters: one login, two children.
    assert models.User.objects.get(username="daniel.chen").guardianships.count() == 2
    assert models.User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_it_has_one_teenager_after_another_and_one_adult(seeded: str) -> None:
    ages = sorted(patient.age_on(local_today(patient)) for patient in models.Patient.objects.all())

    assert ages[:5] == [12, 13, 14, 15, 16]
    assert ages[5] >= 18


@pytest.mark.django_db
def test_it_puts_the_programs_at_different_weeks_and_phases(seeded: str) -> None:
    programs = models.Program.objects.all()
    weeks = {program.reviews.filter(trigger="scheduled").count() for program in programs}

    assert weeks >= {1, 3, 5, 8, 10}
    assert {program.status for program in programs} >= {
        models.Program.Status.ACTIVE,
        models.Program.Status.PAUSED,
    }
    assert any(
        program.status in (models.Program.Status.MAINTENANCE, models.Program.Status.TAPERING)
        for program in programs
    )


@pytest.mark.django_db
def test_it_leaves_one_open_red_flag_that_paused_its_program(seeded: str) -> None:
    red_flag = models.Alert.objects.get(kind="red_flag", acknowledged_at__isnull=True)

    assert red_flag.program is not None
    assert red_flag.program.status == models.Program.Status.PAUSED
    assert red_flag.patient.check_ins.filter(red_flags=["joint_swelling"]).exists()


@pytest.mark.django_db
def test_it_leaves_one_patient_with_low_adherence(seeded: str) -> None:
    alert = models.Alert.objects.get(kind="low_adherence", acknowledged_at__isnull=True)
    last_review = alert.patient.programs.get().reviews.order_by("-week").first()

    assert last_review is not None
    assert last_review.adherence < 0.5
    assert not models.Alert.objects.exclude(kind__in=["red_flag", "low_adherence"]).exists()


@pytest.mark.django_db
def test_it_logs_sessions_and_checks_in_over_the_weeks(seeded: str) -> None:
    maya = models.Patient.objects.get(user__username="maya.thompson")
    check_ins = maya.check_ins.filter(fdi_total__isnull=False).order_by("date")
    fdi = [check_in.fdi_total or 0 for check_in in check_ins]
    statuses = set(
        maya.programs.get().sessions.filter(log__isnull=False).values_list("log__status", flat=True)
    )

    assert len(fdi) >= 5
    assert fdi == sorted(fdi, reverse=True)
    assert statuses == {"done", "partial", "missed"}


@pytest.mark.django_db
def test_it_prints_the_logins_and_where_to_go(seeded: str) -> None:
    assert "admin           gradus-admin" in seeded
    assert "daniel.chen" in seeded
    assert "father of Ava and Lily" in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded


@pytest.mark.django_db
def test_running_it_again_changes_nothing(seeded: str) -> None:
    before = row_counts()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert row_counts() == before
    assert "already there" in out.getvalue()
    assert "maya.thompson" in out.getvalue()


@pytest.mark.django_db
def test_it_refuses_to_run_in_production(settings: Settings) -> None:
    settings.PRODUCTION = True
    before = row_counts()

    with pytest.raises(CommandError, match="not in production"):
        call_command("seed_demo", stdout=StringIO())

    assert row_counts() == before


@pytest.mark.django_db
def test_it_gives_the_demo_activities_our_own_drawings(seeded: str) -> None:
    pictured = models.Activity.objects.exclude(media_file="").order_by("name")

    assert [activity.name for activity in pictured] == [
        "Desensitization (textures)", "Sit-to-stand", "Stairs", "Stretching", "Walking",
    ]  # fmt: skip
    assert {(a.media_kind, a.media_type) for a in pictured} == {("image", "image/svg+xml")}
    assert all(activity.media_text and activity.media_file.size for activity in pictured)
