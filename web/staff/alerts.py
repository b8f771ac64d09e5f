"""The clinic's alerts inbox: open alerts first, the most serious first, the newest first
within; acknowledged ones on request, with who acknowledged them and when."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs import selectors, services
from programs.models import Alert, CheckIn
from web.access import WebRequest, staff_page
from web.staff.forms import AlertFilterForm
from web.staff.labels import ALERT_KINDS, RED_FLAGS, word

PAGE_SIZE = 50


@dataclass(frozen=True)
class ShownAlert:
    alert: Alert
    kind: str
    red_flags: list[str]  # the answers that raised a red flag, in words
    acknowledged_by: str = ""


def _red_flag_answers(alerts: list[Alert]) -> dict[int, list[str]]:
    """The red flags each red-flag alert was raised for: those of the patient's check-in that
    raised it (the alert does not store them; it was created with that check-in)."""
    flagged = [alert for alert in alerts if alert.kind == "red_flag"]
    if not flagged:
        return {}
    check_ins = list(
        CheckIn.objects.filter(patient_id__in={alert.patient_id for alert in flagged})
        .exclude(red_flags=[])
        .order_by("submitted_at")
        .values_list("patient_id", "submitted_at", "red_flags")
    )
    answers: dict[int, list[str]] = {}
    for alert in flagged:
        # The newest flagged check-in submitted before the alert was created.
        match = None
        for patient_id, submitted_at, flags in check_ins:
            if patient_id == alert.patient_id and submitted_at <= alert.created_at:
                match = flags
        if match:
            answers[alert.pk] = [word(RED_FLAGS, flag) for flag in match]
    return answers


def _acknowledger(alert: Alert) -> str:
    if alert.acknowledged_at is None:
        return ""
    user = alert.acknowledged_by
    if user is None:
        return _("a former member of staff")
    return user.get_full_name() or user.get_username()


@staff_page
def inbox(request: WebRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET)
    show_acknowledged = form.is_valid() and form.cleaned_data["acknowledged"]
    alerts = (
        selectors.alerts_visible_to(request.user)
        .select_related("patient", "program", "acknowledged_by")
        .annotate(
            open_first=Case(
                When(acknowledged_at__isnull=True, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-open_first", "-severity", "-created_at", "-id")
    )
    if not show_acknowledged:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    answers = _red_flag_answers(listed)
    shown = [
        ShownAlert(
            alert=alert,
            kind=word(ALERT_KINDS, alert.kind),
            red_flags=answers.get(alert.pk, []),
            acknowledged_by=_acknowledger(alert),
        )
        for alert in listed
    ]
    return render(
        request,
        "web/staff/alerts.html",
        {
            "form": form,
            "page": page,
            "alerts": shown,
            "show_acknowledged": show_acknowledged,
            "open_count": (
                page.paginator.count
                if not show_acknowledged
                else selectors.alerts_visible_to(request.user)
                .filter(acknowledged_at__isnull=True)
                .count()
            ),
        },
    )


@require_POST
@staff_page
def acknowledge(request: WebRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(
        selectors.alerts_visible_to(request.user).select_related("patient"), pk=alert_id
    )
    if alert.acknowledged_at is None:
        services.alert_acknowledge(actor=request.user, alert=alert)
        messages.success(
            request,
            _("Alert acknowledged: %(kind)s for %(name)s.")
            % {"kind": word(ALERT_KINDS, alert.kind), "name": alert.patient.full_name},
        )
    else:
        messages.info(request, _("That alert was already acknowledged."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("web:alerts")
