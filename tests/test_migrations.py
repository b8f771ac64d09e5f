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


BEFORE_CODES = ("programs", "0019_user_language")
CODES = ("programs", "0020_reasons_as_codes")


@pytest.mark.django_db(transaction=True)
def test_the_codes_migration_reads_old_review_and_alert_sentences_back_into_codes() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_CODES])
    old = executor.loader.project_state([BEFORE_CODES]).apps
    clinic = old.get_model("programs", "Clinic").objects.create(name="Lakeside")
    child = old.get_model("programs", "Patient").objects.create(
        clinic=clinic, first_name="Maya", last_name="Okafor", date_of_birth=date(2012, 3, 1),
        time_zone="America/New_York", diagnosis="crps",
    )  # fmt: skip
    program = old.get_model("programs", "Program").objects.create(
        patient=child, goals="Dance", start_date=date(2026, 3, 2), goal_date=date(2026, 5, 25)
    )
    Review = old.get_model("programs", "WeeklyReview")
    fields = {
        "program": program, "trigger": "scheduled", "decision": "hold", "step": 1,
        "next_step": 1, "adherence": 5 / 7, "sessions_planned": 7, "sessions_done": 5,
    }  # fmt: skip
    Review.objects.create(
        week=0, reason="5 of 7 sessions done (71%), below the 80% needed to progress: "
        "repeating this week's doses.", **fields,
    )  # fmt: skip
    Review.objects.create(week=1, reason="Held by hand after a talk with the family.", **fields)
    old.get_model("programs", "Alert").objects.create(
        patient=child, kind="red_flag", severity=3,
        message="Red flag reported on 2026-03-04 (sent 2026-03-05): joint swelling. Progression "
        "is paused.",
    )  # fmt: skip

    try:
        executor = MigrationExecutor(connection)
        executor.migrate([CODES])
        new = executor.loader.project_state([CODES]).apps
        reviews = new.get_model("programs", "WeeklyReview").objects.order_by("week")
        alert = new.get_model("programs", "Alert").objects.get()
        assert [review.reason_codes for review in reviews] == [
            [{"code": "review.low_adherence",
              "params": {"done": 5, "planned": 7, "adherence": 71, "needed": 80}}],
            [],
        ]  # fmt: skip
        assert alert.message_codes == [
            {"code": "alert.red_flag",
             "params": {"reported": "2026-03-04", "flags": ["joint_swelling"]}},
            {"code": "alert.sent_late", "params": {"sent": "2026-03-05"}},
        ]  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
