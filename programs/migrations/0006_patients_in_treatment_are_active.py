"""Patients discharged and then started on a new program were left on relapse watch beside
their running program (activation did not set them back): make them active again.

Only relapse watch is corrected. Discharged and archived are set by a person and stop the
family's reminders; turning them active here would start reminders nobody asked for, so
those rows are left for a clinician."""

from typing import Any

from django.db import migrations

RUNNING = ["active", "paused", "maintenance", "tapering"]


def set_active(apps: Any, schema_editor: Any) -> None:
    Patient = apps.get_model("programs", "Patient")
    Program = apps.get_model("programs", "Program")
    running = Program.objects.filter(status__in=RUNNING).values("patient_id")
    Patient.objects.filter(status="relapse_watch", pk__in=running).update(status="active")


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0005_invitation"),
    ]

    operations = [
        migrations.RunPython(set_active, migrations.RunPython.noop, elidable=True),
    ]
