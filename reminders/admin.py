"""The operator's view of reminders: contacts and their consents, the suppression list, the
outbox and the text messages received.

The outbox is read-only: rows are made by the outbox sync and the notifications, and moved
by the dispatcher, never by hand. The reminder list opens with the outbox's health (the same
figures as ``manage.py outbox``) and filters by status, kind, channel and due state.
Contacts and consents change through the app's services (the person's own consent, their
verification), so they are read-only here too. The one thing an operator adds here is a
manual suppression, and only a manual one may be removed: a STOP is the person's to undo.
Opening a contact, a consent or a patient's reminder is audited, as a patient's record is.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from programs.admin import AuditedPatientRecord, ReadOnlyAdmin, ReadOnlyInline
from programs.models import Patient
from reminders.models import Channel, Consent, Contact, InboundMessage, Reminder, Suppression
from reminders.outbox_view import (
    due_now_filter,
    late_after_default,
    late_filter,
    outbox_summary,
    summary_lines,
)
from reminders.phones import normalize_phone

# -- Contacts and consent -----------------------------------------------------------------


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["channel", "given_by", "relationship", "method", "given_at", "withdrawn_at"]


@admin.register(Contact)
class ContactAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = [
        "name", "role", "patient", "email", "email_verified", "phone", "phone_verified",
        "paused",
    ]  # fmt: skip
    list_filter = ["role", "paused", "email_enabled", "sms_enabled", "patient__clinic"]
    list_select_related = ["patient"]
    search_fields = ["name", "email", "phone", "patient__first_name", "patient__last_name"]
    exclude = ["phone_code_hash"]
    inlines = [ConsentInline]

    def patient_of(self, obj: Contact) -> Patient:
        return obj.patient

    @admin.display(boolean=True, description="email verified")
    def email_verified(self, contact: Contact) -> bool:
        return contact.email_verified_at is not None

    @admin.display(boolean=True, description="phone verified")
    def phone_verified(self, contact: Contact) -> bool:
        return contact.phone_verified_at is not None


@admin.register(Consent)
class ConsentAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = ["contact", "channel", "given_by", "method", "given_at", "withdrawn_at"]
    list_filter = ["channel", "method", ("withdrawn_at", admin.EmptyFieldListFilter)]
    list_select_related = ["contact__patient"]
    search_fields = ["given_by", "contact__name", "contact__email", "contact__phone"]
    date_hierarchy = "given_at"

    def patient_of(self, obj: Consent) -> Patient:
        return obj.contact.patient


# -- The suppression list -----------------------------------------------------------------


class SuppressionForm(forms.ModelForm):
    class Meta:
        model = Suppression
        fields = ["channel", "address", "detail"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        channel, address = cleaned.get("channel"), (cleaned.get("address") or "").strip()
        if channel == Channel.SMS and address:
            try:
                cleaned["address"] = normalize_phone(address)
            except ValidationError as error:
                raise ValidationError({"address": error.messages}) from None
        elif channel == Channel.EMAIL:
            cleaned["address"] = address.lower()
        return cleaned


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    form = SuppressionForm
    list_display = ["address", "channel", "reason", "detail", "created_at"]
    list_filter = ["channel", "reason"]
    search_fields = ["address", "detail"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A STOP, an unsubscribe or a hard bounce is not ours to lift.
        if obj is not None and getattr(obj, "reason", None) != Suppression.Reason.MANUAL:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk delete would lift STOPs along with manual entries.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Suppression, form: Any, change: bool) -> None:
        obj.reason = Suppression.Reason.MANUAL
        super().save_model(request, obj, form, change)


# -- The outbox ---------------------------------------------------------------------------


class DueStateFilter(admin.SimpleListFilter):
    title = "due state"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("now", "Due now"),
            ("late", "Late (unsent past due)"),
            ("scheduled", "Scheduled (pending, not yet due)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "now":
            return queryset.filter(due_now_filter(now))
        if self.value() == "late":
            return queryset.filter(late_filter(now, late_after_default()))
        if self.value() == "scheduled":
            return queryset.filter(status=Reminder.Status.PENDING, due_at__gt=now)
        return queryset


@admin.register(Reminder)
class ReminderAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = [
        "due_at", "kind", "channel", "status", "recipient", "attempts", "sent_at", "last_error",
    ]  # fmt: skip
    list_filter = ["status", "kind", "channel", DueStateFilter]
    # The patient too: listing a patient's reminders is audited, and that reads nothing more.
    list_select_related = ["contact__patient", "program__patient", "staff_user"]
    search_fields = [
        "idempotency_key", "provider_message_id", "contact__name", "contact__email",
        "contact__phone", "staff_user__username", "staff_user__email",
    ]  # fmt: skip
    date_hierarchy = "due_at"
    readonly_fields = ["created_at", "updated_at"]

    def patient_of(self, obj: Reminder) -> Patient | None:
        if obj.contact is not None:
            return obj.contact.patient
        return obj.program.patient if obj.program is not None else None

    @admin.display(description="to", ordering="contact__name")
    def recipient(self, reminder: Reminder) -> str:
        if reminder.contact is not None:
            return reminder.contact.name
        if reminder.staff_user is not None:
            return f"{reminder.staff_user.get_username()} (staff)"
        return "-"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "outbox_summary": summary_lines(outbox_summary())}
        return super().changelist_view(request, extra_context)


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "from_number", "keyword", "body"]
    list_filter = ["keyword"]
    search_fields = ["from_number", "body", "provider_message_id"]
    date_hierarchy = "received_at"
