"""The operator's admin: every record, for staff users (a superuser sees everything).

What only the services may write (sessions, doses, logs, check-ins, reviews, revisions, the
audit trail, alerts and programs) is read-only here; the actions that change a program or an
alert call the same services the app does. Opening a patient's record is audited, as it is
everywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from planner import AlertKind
from programs import models
from programs.services import (
    activity_media_attach,
    activity_media_remove,
    alert_acknowledge,
    program_discharge,
    program_pause,
    program_resume,
)
from programs.services.common import audit_reads, audit_record
from programs.services.media import checked_media
from programs.services.records import MAX_ACKNOWLEDGEMENT_NOTE

admin.site.site_header = "gradus administration"
admin.site.site_title = "gradus"


def _operator(request: HttpRequest) -> models.User:
    """The signed-in staff user: the admin site lets nobody else in."""
    user = request.user
    if not isinstance(user, models.User):
        raise PermissionError("the admin needs a signed-in user")
    return user


# -- Shared behaviour -----------------------------------------------------------------------


class NoWrites:
    """Nothing added, changed or deleted: for a model admin or an inline."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Records only the services write: listed and shown, never added, changed or deleted."""


class ReadOnlyInline(NoWrites, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


def audit_changelist(
    request: HttpRequest,
    response: HttpResponse,
    model_admin: admin.ModelAdmin,
    patient_of: Callable[[Any], models.Patient | None],
) -> None:
    """A list page shows many patients' records: one audit event for each on the page, in one
    insert (each admin's ``list_select_related`` reaches the patient, so this reads nothing
    more). Only a GET: a POST to the list is an action, audited by the service it calls."""
    changelist = (getattr(response, "context_data", None) or {}).get("cl")
    if request.method != "GET" or changelist is None or not isinstance(request.user, models.User):
        return
    patients = [patient_of(obj) for obj in changelist.result_list]
    audit_reads(
        actor=request.user,
        patients=[patient for patient in patients if patient is not None],
        what=f"admin: {model_admin.model._meta.verbose_name_plural} listed",
    )


class AuditedPatientRecord(admin.ModelAdmin):
    """Opening a record that belongs to a patient, or a list of them, leaves audit events, as
    in the app. (reminders' admin uses it too: a row of a patient's, or of none.)"""

    def patient_of(self, obj: Any) -> models.Patient | None:
        raise NotImplementedError

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        audit_changelist(request, response, self, self.patient_of)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            patient = self.patient_of(obj) if obj is not None else None
            if obj is not None and patient is not None:
                audit_record(
                    actor=_operator(request),
                    patient=patient,
                    action=models.AuditEvent.Action.READ,
                    what=f"admin: {obj._meta.verbose_name} {obj.pk} opened",
                )
        return response


class CountingAdmin(admin.ModelAdmin):
    """A list with a column counting each row's ``counted`` relation (``count_column``): one
    count per page, not one query per row."""

    counted = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = (
            super().get_queryset(request).annotate(related_total=Count(self.counted))
        )
        return queryset


def count_column(description: str) -> Callable[[CountingAdmin, Any], int]:
    """The column of a ``CountingAdmin``'s count, headed ``description`` and sortable."""

    @admin.display(description=description, ordering="related_total")
    def count(self: CountingAdmin, row: Any) -> int:
        return int(row.related_total)

    return count


# -- People ---------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = models.StaffMembership
    extra = 0
    autocomplete_fields = ["user", "clinic"]


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_superuser"]
    inlines = [MembershipInline]
    # Django's, with the language the person reads gradus in beside their name.
    fieldsets = [
        (name, {**options, "fields": (*options["fields"], "language")})
        if options["fields"] == ("first_name", "last_name", "email")
        else (name, options)
        for name, options in DjangoUserAdmin.fieldsets or ()
    ]


@admin.register(models.Clinic)
class ClinicAdmin(CountingAdmin):
    list_display = ["name", "time_zone", "locale", "patient_count", "created_at"]
    list_filter = ["locale"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    counted = "patients"
    patient_count = count_column("patients")


@admin.register(models.StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role"]
    list_filter = ["role", "clinic"]
    list_select_related = ["user", "clinic"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "clinic__name"]
    autocomplete_fields = ["user", "clinic"]


class GuardianInline(admin.TabularInline):
    model = models.Guardian
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Patient)
class PatientAdmin(AuditedPatientRecord):
    list_display = ["full_name", "clinic", "diagnosis", "status", "date_of_birth", "user"]
    list_filter = ["status", "diagnosis", "clinic"]
    list_select_related = ["clinic", "user"]
    search_fields = ["first_name", "last_name", "user__username"]
    autocomplete_fields = ["clinic", "user", "therapists"]
    date_hierarchy = "created_at"
    inlines = [GuardianInline]

    def patient_of(self, obj: models.Patient) -> models.Patient:
        return obj

    def save_model(
        self, request: HttpRequest, obj: models.Patient, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) or "nothing"
        audit_record(
            actor=_operator(request),
            patient=obj,
            action=models.AuditEvent.Action.CHANGE,
            what=f"admin: patient {'changed' if change else 'added'} ({changed})",
        )


@admin.register(models.Guardian)
class GuardianAdmin(AuditedPatientRecord):
    list_display = ["__str__", "patient", "relation", "user"]
    list_filter = ["relation", "patient__clinic"]
    list_select_related = ["patient", "user"]
    search_fields = ["first_name", "last_name", "user__username", "patient__last_name"]
    autocomplete_fields = ["patient", "user"]

    def patient_of(self, obj: models.Guardian) -> models.Patient:
        return obj.patient

    def save_model(
        self, request: HttpRequest, obj: models.Guardian, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=_operator(request),
            patient=obj.patient,
            action=models.AuditEvent.Action.CHANGE,
            what=f"admin: guardian {obj.pk} {'changed' if change else 'added'}",
        )


@admin.register(models.Invitation)
class InvitationAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    """Invitations are created, accepted and revoked in the app; only a hash of each link's
    token is stored, so nothing here can rebuild a link."""

    list_display = ["patient", "role", "guardian", "clinic", "created_by", "created_at",
                    "expires_at", "accepted_at", "revoked_at"]  # fmt: skip
    list_filter = ["role", "clinic"]
    list_select_related = ["patient", "guardian", "clinic", "created_by"]
    search_fields = ["patient__first_name", "patient__last_name", "email"]
    exclude = ["token_hash"]
    date_hierarchy = "created_at"

    def patient_of(self, obj: models.Invitation) -> models.Patient:
        return obj.patient


# -- The library ----------------------------------------------------------------------------


class ActivityForm(forms.ModelForm):
    """The activity with its picture or video: a new file and its alt text or caption are
    checked here as the service checks them (type, size, description), so the form shows the
    error at the field; saving hands them to ``activity_media_attach``."""

    media_upload = forms.FileField(
        label="Picture or video",
        required=False,
        help_text="PNG, JPEG, WebP or SVG (at most 5 MB), or MP4 or WebM (at most 50 MB), in "
        "place of any the activity has.",
    )
    media_description = forms.CharField(
        label="Alt text or caption",
        required=False,
        max_length=300,
        help_text="What the picture shows, for people who cannot see it; or the video's caption.",
    )
    media_remove = forms.BooleanField(label="Remove the picture or video", required=False)

    class Meta:
        model = models.Activity
        fields = ["clinic", "name", "kind", "unit", "impact", "instructions", "media_url",
                  "metres_per_minute", "seconds_per_repetition", "is_active"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("media_upload")
        if upload is not None:
            try:
                checked_media(upload, data.get("media_description", ""))
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    target = "media_upload" if field == "media_file" else "media_description"
                    for problem in problems:
                        self.add_error(target, problem)
        return data


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityForm
    list_display = ["name", "kind", "unit", "impact", "clinic", "is_active", "media_kind"]
    list_filter = ["kind", "unit", "impact", "is_active", "clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name"]
    readonly_fields = ["media_kind", "media_text", "media_size", "media_link"]

    @admin.display(description="Current picture or video")
    def media_link(self, obj: models.Activity) -> str:
        url = (
            reverse(
                "web:activity-media",
                kwargs={"activity_id": obj.pk, "name": os.path.basename(obj.media_file.name)},
            )
            if obj.pk and obj.media_file
            else None
        )
        return format_html('<a href="{}">{}</a>', url, obj.media_file.name) if url else "-"

    def save_model(
        self, request: HttpRequest, obj: models.Activity, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("media_upload")
        if upload is not None:
            activity_media_attach(
                activity=obj,
                upload=upload,
                text=form.cleaned_data.get("media_description", ""),
                allow_global=True,
            )
        elif form.cleaned_data.get("media_remove") and obj.media_file:
            activity_media_remove(activity=obj, allow_global=True)


class TemplateActivityInline(admin.TabularInline):
    model = models.TemplateActivity
    extra = 0
    autocomplete_fields = ["activity"]


@admin.register(models.ProgramTemplate)
class ProgramTemplateAdmin(CountingAdmin):
    list_display = ["name", "clinic", "activity_count", "default_weeks", "is_active"]
    list_filter = ["is_active", "clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name"]
    inlines = [TemplateActivityInline]

    counted = "template_activities"
    activity_count = count_column("activities")


# -- Programs -------------------------------------------------------------------------------


class ProgramActivityInline(ReadOnlyInline):
    model = models.ProgramActivity
    fields = [
        "name", "kind", "unit", "impact", "baseline_trials", "start_quota", "goal_quota",
        "weekdays", "times_per_day", "start_intensity", "goal_intensity",
    ]  # fmt: skip


class MilestoneInline(ReadOnlyInline):
    model = models.Milestone
    fields = ["kind", "reached_on", "shown_at"]


class ProgramRevisionInline(ReadOnlyInline):
    model = models.ProgramRevision
    fields = ["number", "created_at", "actor_label", "reason"]
    readonly_fields = ["created_at"]
    ordering = ["-number"]


@admin.register(models.Program)
class ProgramAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    """Programs change only through the services: created and activated in the app,
    paused, resumed and discharged here by the actions below."""

    list_display = [
        "patient", "status", "template", "start_date", "goal_date", "planned_goal_date",
        "discharge_date",
    ]  # fmt: skip
    list_filter = ["status", "template", "patient__clinic"]
    list_select_related = ["patient", "template"]
    search_fields = ["patient__first_name", "patient__last_name", "goals"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "start_date"
    inlines = [ProgramActivityInline, ProgramRevisionInline, MilestoneInline]
    actions = ["pause", "resume", "discharge"]

    def patient_of(self, obj: models.Program) -> models.Patient:
        return obj.patient

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("programs.change_program")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[models.Program],
        verb: str,
        change: Callable[[models.Program], object],
    ) -> None:
        done = 0
        for program in queryset.select_related("patient"):
            try:
                change(program)
            except ValidationError as error:
                problems = "; ".join(error.messages)
                self.message_user(request, f"{program}: {problems}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} program(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Pause progression (a clinician resumes it)", permissions=["manage"])
    def pause(self, request: HttpRequest, queryset: QuerySet[models.Program]) -> None:
        actor = _operator(request)
        reason = f"Paused from the admin by {actor.get_username()}."
        self._apply(
            request, queryset, "paused",
            lambda program: program_pause(actor=actor, program=program, reason=reason),
        )  # fmt: skip

    @admin.action(description="Resume progression from the held step", permissions=["manage"])
    def resume(self, request: HttpRequest, queryset: QuerySet[models.Program]) -> None:
        actor = _operator(request)
        self._apply(
            request, queryset, "resumed",
            lambda program: program_resume(actor=actor, program=program, reason="From the admin."),
        )  # fmt: skip

    @admin.action(description="Discharge (relapse watch begins)", permissions=["manage"])
    def discharge(self, request: HttpRequest, queryset: QuerySet[models.Program]) -> None:
        actor = _operator(request)
        self._apply(
            request, queryset, "discharged",
            lambda program: program_discharge(actor=actor, program=program,
                                              reason="From the admin."),
        )  # fmt: skip


@admin.register(models.ProgramRevision)
class ProgramRevisionAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = ["program", "number", "actor_label", "reason", "created_at"]
    list_select_related = ["program__patient"]
    search_fields = ["program__patient__first_name", "program__patient__last_name", "reason"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def patient_of(self, obj: models.ProgramRevision) -> models.Patient:
        return obj.program.patient


class PlannedDoseInline(ReadOnlyInline):
    model = models.PlannedDose
    fields = [
        "program_activity", "amount", "unit", "times_per_day", "heart_rate_low",
        "heart_rate_high", "exertion_low", "exertion_high", "override_reason",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.PlannedDose]:
        return super().get_queryset(request).select_related("program_activity")


class BoutLogInline(ReadOnlyInline):
    """The bouts the guided session saved one by one (the day's log is built from them)."""

    model = models.BoutLog
    fields = ["program_activity", "number", "amount", "exertion", "logged_by", "logged_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.BoutLog]:
        return super().get_queryset(request).select_related("program_activity", "logged_by")


@admin.register(models.PlannedSession)
class PlannedSessionAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = ["date", "patient", "week", "step", "phase"]
    list_filter = ["phase", "program__patient__clinic"]
    list_select_related = ["program__patient"]
    search_fields = ["program__patient__first_name", "program__patient__last_name"]
    date_hierarchy = "date"
    inlines = [PlannedDoseInline, BoutLogInline]

    def patient_of(self, obj: models.PlannedSession) -> models.Patient:
        return obj.program.patient

    @admin.display(ordering="program__patient__last_name")
    def patient(self, session: models.PlannedSession) -> models.Patient:
        return session.program.patient


# -- What happened --------------------------------------------------------------------------


class ActivityLogInline(ReadOnlyInline):
    model = models.ActivityLog
    fields = ["program_activity", "amount", "exertion", "note"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.ActivityLog]:
        return super().get_queryset(request).select_related("program_activity")


@admin.register(models.SessionLog)
class SessionLogAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = ["session_date", "patient", "status", "logged_by", "logged_at"]
    list_filter = ["status", "session__program__patient__clinic"]
    list_select_related = ["session__program__patient", "logged_by"]
    search_fields = [
        "session__program__patient__first_name", "session__program__patient__last_name", "note",
    ]  # fmt: skip
    readonly_fields = ["logged_at"]
    date_hierarchy = "session__date"
    inlines = [ActivityLogInline]

    def patient_of(self, obj: models.SessionLog) -> models.Patient:
        return obj.session.program.patient

    @admin.display(description="date", ordering="session__date")
    def session_date(self, log: models.SessionLog) -> Any:
        return log.session.date

    @admin.display(ordering="session__program__patient__last_name")
    def patient(self, log: models.SessionLog) -> models.Patient:
        return log.session.program.patient


@admin.register(models.CheckIn)
class CheckInAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    # Pain is kept off the list on purpose: the headline is what the patient can do.
    list_display = [
        "date", "patient", "fdi_total", "fdi_band", "school_days", "sleep_hours", "mood",
        "flare", "red_flags",
    ]  # fmt: skip
    list_filter = ["flare", "fdi_band", "patient__clinic"]
    list_select_related = ["patient"]
    search_fields = ["patient__first_name", "patient__last_name"]
    readonly_fields = ["submitted_at"]
    date_hierarchy = "date"

    def patient_of(self, obj: models.CheckIn) -> models.Patient:
        return obj.patient

    @admin.display(description="school days")
    def school_days(self, check_in: models.CheckIn) -> str:
        if check_in.school_days_scheduled is None:
            return "-"
        return f"{check_in.school_days_attended or 0} of {check_in.school_days_scheduled}"


@admin.register(models.IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    """Which API writes were sent with a key, and what they were answered. The stored answer
    (a check-in, with its health data) is not shown: it is only there to be given again."""

    list_display = ["created_at", "user", "method", "path", "response_status"]
    list_select_related = ["user"]
    search_fields = ["user__username", "path", "key"]
    readonly_fields = ["user", "key", "method", "path", "response_status", "created_at"]
    fields = list(readonly_fields)
    date_hierarchy = "created_at"


@admin.register(models.WeeklyReview)
class WeeklyReviewAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = [
        "program", "program_week", "trigger", "decision", "adherence_percent", "created_at",
    ]  # fmt: skip
    list_filter = ["decision", "trigger", "program__patient__clinic"]
    list_select_related = ["program__patient"]
    search_fields = ["program__patient__first_name", "program__patient__last_name", "reason"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def patient_of(self, obj: models.WeeklyReview) -> models.Patient:
        return obj.program.patient

    @admin.display(description="week", ordering="week")
    def program_week(self, review: models.WeeklyReview) -> int:
        return review.week + 1

    @admin.display(description="adherence", ordering="adherence")
    def adherence_percent(self, review: models.WeeklyReview) -> str:
        return f"{review.adherence:.0%}"


class OpenAlertFilter(admin.SimpleListFilter):
    title = "open"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Open"), ("no", "Acknowledged")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


@admin.register(models.Alert)
class AlertAdmin(AuditedPatientRecord, ReadOnlyAdmin):
    list_display = [
        "kind", "severity", "patient", "created_at", "is_open", "acknowledged_by",
        "acknowledged_at", "acknowledgement_note",
    ]  # fmt: skip
    list_filter = [OpenAlertFilter, "kind", "patient__clinic"]
    list_select_related = ["patient", "acknowledged_by"]
    search_fields = ["patient__first_name", "patient__last_name", "message"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    actions = ["acknowledge"]

    def patient_of(self, obj: models.Alert) -> models.Patient:
        return obj.patient

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("programs.change_alert")

    @admin.display(boolean=True, description="open", ordering="acknowledged_at")
    def is_open(self, alert: models.Alert) -> bool:
        return alert.is_open

    @admin.action(description="Acknowledge the selected alerts", permissions=["acknowledge"])
    def acknowledge(
        self, request: HttpRequest, queryset: QuerySet[models.Alert]
    ) -> TemplateResponse | None:
        """Acknowledge the open alerts selected. Thoughts of self-harm need a note of what was
        done: the action first asks for one per such alert (an intermediate page, as Django's
        delete confirmation is), and acknowledges only those given a note."""
        actor = _operator(request)
        alerts = list(
            queryset.filter(acknowledged_at__isnull=True)
            .select_related("patient")
            .order_by("-severity", "created_at", "id")
        )
        needing = [alert for alert in alerts if alert.kind == AlertKind.SELF_HARM.value]
        if needing and "apply" not in request.POST:
            return TemplateResponse(
                request,
                "admin/programs/alert/acknowledge.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Acknowledge alerts",
                    "opts": self.model._meta,
                    "alerts": alerts,
                    "needing": needing,
                    "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "max_note": MAX_ACKNOWLEDGEMENT_NOTE,
                },
            )
        count = 0
        for alert in alerts:
            note = request.POST.get(f"note-{alert.pk}", "")
            try:
                alert_acknowledge(actor=actor, alert=alert, note=note)
            except ValidationError as error:
                problems = "; ".join(error.messages)
                self.message_user(
                    request, f"{alert} was not acknowledged: {problems}", messages.ERROR
                )
            else:
                count += 1
        self.message_user(request, f"{count} alert(s) acknowledged.", messages.SUCCESS)
        return None


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # The patient by the name and id kept on the event: they stay after the patient is gone.
    list_display = ["at", "actor", "action", "patient_name", "patient_ref", "what"]
    list_filter = ["action", "patient__clinic"]
    list_select_related = ["actor"]
    search_fields = ["what", "detail", "actor__username", "patient_name", "=patient_ref"]
    readonly_fields = ["at"]
    date_hierarchy = "at"
