"""What the emails to clinic staff say: a red flag (or thoughts of self-harm) at once, and the
morning digest of alerts.

Plain text with links to the clinic's alerts page (``PUBLIC_BASE_URL``), at the alert itself,
where a therapist acknowledges it: not to the API, which a person cannot act on. The body
names the patient: the therapist is entitled to know who it is, and an alert is no use
without it. The subject names no patient, no diagnosis and no symptom, since subject lines
show on lock screens and in notifications: for thoughts of self-harm it only says it is
urgent. Texts are read when the email is sent, not when the row was made, so an alert
acknowledged in between drops out of the digest.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planner import AlertKind
from programs.models import Alert, Clinic, User
from programs.selectors import alerts_visible_to
from reminders.channels import OutgoingMessage
from reminders.locale import message_locale
from reminders.models import Channel, Reminder

STAFF_KINDS = frozenset({Reminder.Kind.RED_FLAG_STAFF, Reminder.Kind.ALERT_DIGEST})
# An alert's message is the reason a person can read; a digest line keeps to its start.
DIGEST_MESSAGE_MAX = 300


def alert_url(alert_id: int) -> str:
    """The alert on the clinic's alerts page: the page that holds it, scrolled to it."""
    return f"{settings.PUBLIC_BASE_URL}{reverse('web:alerts')}?alert={alert_id}#alert-{alert_id}"


def open_alerts_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('web:alerts')}"


def _greeting(user: User | None) -> str:
    if user is not None and user.first_name:
        return _("Hello %(name)s,") % {"name": user.first_name}
    return _("Hello,")


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return date_format(local, "WEEKDAY_DATETIME_FORMAT")


def _footer() -> str:
    return "-- \n" + _(
        "You get this email because you care for patients of this clinic in gradus. "
        "Replies are not read."
    )


def red_flag_subject() -> str:
    return _("A red flag was reported: please review it today")


def self_harm_subject() -> str:
    return _("Urgent: please check gradus now")


def _alert_of(reminder: Reminder) -> Alert | None:
    alert_id = reminder.context.get("alert_id")
    if not isinstance(alert_id, int):
        return None
    return Alert.objects.select_related("patient__clinic").filter(pk=alert_id).first()


def _clinic_of(reminder: Reminder, alert: Alert | None) -> Clinic | None:
    """The clinic a staff email is about, whose locale it is written in: the alert's patient's
    (a red flag), the digest's own; for an alert since removed, its program's patient's, else
    the clinic the therapist joined first."""
    if alert is not None:
        return alert.patient.clinic
    clinic_id = reminder.context.get("clinic_id")
    if isinstance(clinic_id, int):
        clinic = Clinic.objects.filter(pk=clinic_id).first()
        if clinic is not None:
            return clinic
    if reminder.program is not None:
        return reminder.program.patient.clinic
    if reminder.staff_user is None:
        return None
    return (
        Clinic.objects.filter(memberships__user=reminder.staff_user)
        .order_by("memberships__pk")
        .first()
    )


def _is_self_harm(reminder: Reminder, alert: Alert | None) -> bool:
    kind = alert.kind if alert is not None else reminder.context.get("kind")
    return kind == AlertKind.SELF_HARM.value


def red_flag_body(reminder: Reminder, alert: Alert | None) -> str:
    greeting = _greeting(reminder.staff_user)
    if alert is None:
        # The alert is gone (its patient's record was removed): say only where to look.
        lines = [
            greeting,
            _("A red flag was reported for one of your patients. Your open alerts: %(url)s")
            % {"url": open_alerts_url()},
        ]
        return "\n\n".join([*lines, _footer()]) + "\n"
    values = {
        "patient": alert.patient.full_name,
        "when": _when(alert.created_at, reminder.time_zone),
        "message": alert.message_text,
        "url": alert_url(alert.id),
    }
    lines = [
        greeting,
        _("%(patient)s reported a red flag (%(when)s).") % values,
        _("What was reported: %(message)s") % values,
        _(
            "Progression of their program is paused until a clinician resumes it, and they "
            "were told to contact their doctor."
        ),
        _("Open the alert: %(url)s") % values,
    ]
    return "\n\n".join([*lines, _footer()]) + "\n"


def self_harm_body(reminder: Reminder, alert: Alert | None) -> str:
    """Says plainly what was reported and what is asked, as the red-flag email names the
    patient: it goes to their own therapist (or the clinic's admins)."""
    greeting = _greeting(reminder.staff_user)
    if alert is None:
        lines = [
            greeting,
            _(
                "An urgent alert was raised for one of your patients. Please open your "
                "alerts now: %(url)s"
            )
            % {"url": open_alerts_url()},
        ]
        return "\n\n".join([*lines, _footer()]) + "\n"
    values = {
        "patient": alert.patient.full_name,
        "when": _when(alert.created_at, reminder.time_zone),
        "url": alert_url(alert.id),
    }
    paused = alert.program is not None and alert.program.status == alert.program.Status.PAUSED
    lines = [
        greeting,
        _("%(patient)s reported thoughts of self-harm in their check-in (%(when)s).") % values,
        _(
            "Please reach them, or their family, today, as your clinic's safety procedure "
            "says. They were shown the 988 Suicide & Crisis Lifeline (call or text 988) and "
            "told to call 911 if they are in danger now."
        ),
        *([_("Progression of their program is paused.")] if paused else []),
        _("When you have acted, acknowledge the alert with a short note of what was done: %(url)s")
        % values,
    ]
    return "\n\n".join([*lines, _footer()]) + "\n"


def _digest_alerts(reminder: Reminder) -> list[Alert]:
    """The digest's alerts that are still open and that the therapist may still see."""
    ids = [value for value in reminder.context.get("alert_ids", []) if isinstance(value, int)]
    if reminder.staff_user is None or not ids:
        return []
    return list(
        alerts_visible_to(reminder.staff_user)
        .filter(id__in=ids, acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("-severity", "created_at", "id")
    )


def digest_subject(count: int) -> str:
    return ngettext(
        "%(count)d open alert for your patients",
        "%(count)d open alerts for your patients",
        count,
    ) % {"count": count}


def _shorten(text: str, limit: int = DIGEST_MESSAGE_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def digest_body(reminder: Reminder, alerts: list[Alert]) -> str:
    parts = [_greeting(reminder.staff_user)]
    if not alerts:
        parts.append(
            _("The alerts of this morning's digest were all acknowledged before it was sent.")
        )
        return "\n\n".join([*parts, _footer()]) + "\n"
    parts.append(
        ngettext(
            "This alert about your patients is open:",
            "These %(count)d alerts about your patients are open:",
            len(alerts),
        )
        % {"count": len(alerts)}
    )
    for alert in alerts:
        values = {
            "patient": alert.patient.full_name,
            "kind": alert.get_kind_display(),
            "since": date_format(
                alert.created_at.astimezone(ZoneInfo(reminder.time_zone)), "MONTH_DAY_FORMAT"
            ),
            "message": _shorten(alert.message_text),
            "url": alert_url(alert.id),
        }
        parts.append(_("- %(patient)s: %(kind)s, since %(since)s. %(message)s\n  %(url)s") % values)
    parts.append(_("All your open alerts: %(url)s") % {"url": open_alerts_url()})
    return "\n\n".join([*parts, _footer()]) + "\n"


def render_staff(reminder: Reminder) -> OutgoingMessage:
    """The email a staff reminder (``STAFF_KINDS``) sends, in the receiving staff member's
    language, written as the clinic it is about writes dates and times (reminders.locale)."""
    if reminder.kind not in STAFF_KINDS:
        raise ValueError(f"{reminder.kind!r} is not a staff message")
    alert = _alert_of(reminder) if reminder.kind == Reminder.Kind.RED_FLAG_STAFF else None
    staff = reminder.staff_user
    language = staff.language if staff is not None else ""
    with translation.override(message_locale(_clinic_of(reminder, alert), language)):
        if reminder.kind == Reminder.Kind.RED_FLAG_STAFF:
            if _is_self_harm(reminder, alert):
                subject, body = self_harm_subject(), self_harm_body(reminder, alert)
            else:
                subject, body = red_flag_subject(), red_flag_body(reminder, alert)
        else:
            alerts = _digest_alerts(reminder)
            subject = digest_subject(len(alerts))
            body = digest_body(reminder, alerts)
    return reminder.message(
        body=body,
        subject=subject,
        # Out-of-office replies are not sent to automatic mail (RFC 3834).
        headers={"Auto-Submitted": "auto-generated"},
        channel=Channel.EMAIL,
    )
