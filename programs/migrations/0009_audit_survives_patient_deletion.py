"""The audit trail outlives the patient: the foreign key is emptied on deletion (no longer
CASCADE), and each event keeps the patient's id and name, filled in here for the events
recorded before."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def keep_patient_of_each_event(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("programs", "AuditEvent")
    Patient = apps.get_model("programs", "Patient")
    names = {
        patient_id: f"{first} {last}"
        for patient_id, first, last in Patient.objects.values_list(
            "id", "first_name", "last_name"
        )
    }
    for patient_id, name in names.items():
        AuditEvent.objects.filter(patient_id=patient_id).update(
            patient_ref=patient_id, patient_name=name[:200]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0008_alert_self_harm_and_acknowledgement_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="detail",
            field=models.TextField(blank=True, help_text="A note that came with the change."),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="patient_name",
            field=models.CharField(
                default="", help_text="The patient's name when the event happened.", max_length=200
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="patient_ref",
            field=models.PositiveBigIntegerField(
                null=True, help_text="The patient's id, kept after the patient is deleted."
            ),
        ),
        migrations.RunPython(keep_patient_of_each_event, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="patient_ref",
            field=models.PositiveBigIntegerField(
                db_index=True, help_text="The patient's id, kept after the patient is deleted."
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="patient",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="audit_events",
                to="programs.patient",
            ),
        ),
    ]
