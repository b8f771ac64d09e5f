from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_it_has_a_migration_for_every_model_change() -> None:
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


BEFORE_AUDIT = ("programs", "0008_alert_self_harm_and_acknowledgement_note")
AUDIT = ("programs", "0009_audit_survives_patient_deletion")


@pytest.mark.django_db(transaction=True)
def test_the_audit_migration_keeps_the_patient_of_every_event_recorded_before_it() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_AUDIT])
    old = executor.loader.project_state([BEFORE_AUDIT]).apps
    clinic = old.get_model("programs", "Clinic").objects.create(name="Lakeside")
    child = old.get_model("programs", "Patient").objects.create(
        clinic=clinic, first_name="Maya", last_name="Okafor", date_of_birth=date(2012, 3, 1),
        time_zone="America/New_York", diagnosis="crps",
    )  # fmt: skip
    old.get_model("programs", "AuditEvent").objects.create(
        patient=child, action="read", what="patient page"
    )

    try:
        executor = MigrationExecutor(connection)
        executor.migrate([AUDIT])
        new = executor.loader.project_state([AUDIT]).apps
        event = new.get_model("programs", "AuditEvent").objects.get()
        assert (event.patient_ref, event.patient_name) == (child.pk, "Maya Okafor")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
