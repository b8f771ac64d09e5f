from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0007_check_in_submission_key_and_idempotency_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="acknowledgement_note",
            field=models.TextField(
                blank=True,
                help_text="What was done, in the acknowledging clinician's words (required for "
                "thoughts of self-harm).",
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("self_harm", "self harm"),
                    ("red_flag", "red flag"),
                    ("persistent_flare", "persistent flare"),
                    ("low_adherence", "low adherence"),
                    ("no_activity", "no activity"),
                ],
                max_length=20,
            ),
        ),
    ]
