"""What reminders listens to, so the outbox follows every change that affects it.

- ``programs.signals.sessions_changed`` (sent on commit by programs): sync that program.
- A contact, a consent, a push subscription or a suppression saved or deleted, and a
  patient saved (time zone, date of birth, status): sync that patient's programs once the
  change commits.

Every receiver logs and swallows its own failure: the change it follows has committed
already, and ``outbox_sweep`` repairs what a failed sync left. Connected in
``RemindersConfig.ready``.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from programs.models import Patient
from programs.signals import sessions_changed
from reminders.models import Channel, Consent, Contact, PushSubscription, Suppression
from reminders.services.outbox import outbox_sync_patient, outbox_sync_program

logger = logging.getLogger(__name__)


def sync_program_after_sessions_changed(
    sender: Any, *, program_id: int, from_date: date | None = None, **kwargs: Any
) -> None:
    try:
        outbox_sync_program(program_id, from_date=from_date)
    except Exception:
        logger.exception("outbox sync of program %s failed; the sweep will repair it", program_id)


def sync_patient_on_commit(patient_id: int) -> None:
    """Sync ``patient_id``'s programs once the current transaction commits (at once outside
    one). A transaction that saves several of a patient's rows syncs them several times:
    each sync is a handful of queries and changes nothing the one before did not."""

    def sync() -> None:
        try:
            outbox_sync_patient(patient_id)
        except Exception:
            logger.exception(
                "outbox sync of patient %s failed; the sweep will repair it", patient_id
            )

    transaction.on_commit(sync)


# A verification code being sent or tried changes nothing the outbox reads.
_CODE_FIELDS = frozenset({"phone_code_hash", "phone_code_expires_at", "phone_code_attempts"})


def _contact_changed(sender: Any, instance: Contact, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= _CODE_FIELDS:
        return
    sync_patient_on_commit(instance.patient_id)


def _consent_changed(sender: Any, instance: Consent | PushSubscription, **kwargs: Any) -> None:
    patient_id = Contact.objects.filter(pk=instance.contact_id).values_list("patient_id", flat=True)
    for found in patient_id:
        sync_patient_on_commit(found)


def _suppression_changed(sender: Any, instance: Suppression, **kwargs: Any) -> None:
    if instance.channel == Channel.PUSH:
        for patient_id in PushSubscription.objects.filter(endpoint=instance.address).values_list(
            "contact__patient_id", flat=True
        ):
            sync_patient_on_commit(patient_id)
        return
    address_field = "phone" if instance.channel == "sms" else "email"
    patients = (
        Contact.objects.filter(**{address_field: instance.address})
        .values_list("patient_id", flat=True)
        .distinct()
    )
    for patient_id in patients:
        sync_patient_on_commit(patient_id)


def _patient_changed(sender: Any, instance: Patient, created: bool, **kwargs: Any) -> None:
    if not created:
        sync_patient_on_commit(instance.pk)


def connect() -> None:
    sessions_changed.connect(sync_program_after_sessions_changed, dispatch_uid="reminders.sync")
    for model, receiver in (
        (Contact, _contact_changed),
        (Consent, _consent_changed),
        (Suppression, _suppression_changed),
        (PushSubscription, _consent_changed),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"reminders.{model.__name__}.save")
        post_delete.connect(
            receiver, sender=model, dispatch_uid=f"reminders.{model.__name__}.delete"
        )
    post_save.connect(_patient_changed, sender=Patient, dispatch_uid="reminders.Patient.save")
