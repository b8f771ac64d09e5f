"""The clinic's alerts inbox: open alerts first, the most serious first (thoughts of self-harm
before anything else), the newest first within; acknowledged ones on request, with who
acknowledged them, when and the note of what was done.

An alert email links to ``?alert=<id>#alert-<id>``: the page that holds the alert, scrolled to
it, with the acknowledged ones shown if it is one of them. Acknowledging thoughts of self-harm
takes a note of what was done (the service refuses it without one); a refusal shows the inbox
again with the problem next to that alert's note box. Every patient an alert is shown for
leaves an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from planner import AlertKind, RedFlag
from programs import selectors, services
from programs.access import AccessDenied, access_alert
from programs.models import Alert
from programs.services.common import audit_reads
from programs.services.records import MAX_ACKNOWLEDGEMENT_NOTE
from web.access import WebRequest, staff_page
from web.forms import add_service_errors
from web.labels import ALERT_KINDS, RED_FLAGS, word
from web.staff.forms import AlertFilterForm

PAGE_SIZE = 50
# A page's ?alert= and ?page= are ids and page numbers: ASCII digits, a sane length.
MAX_DIGITS = 18


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done?"),
        max_length=MAX_ACKNOWLEDGEMENT_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Needed to acknowledge thoughts of self-harm: who reached the patient or family, "
            "and what was agreed. It is kept with the alert."
        ),
    )

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        # One form per alert on the page: the ids must not repeat.
        kwargs["auto_id"] = f"alert-{alert.pk}-%s"
        super().__init__(*args, **kwargs)
        note = self.fields["note"]
        note.required = alert.kind == AlertKind.SELF_HARM.value
        note.error_messages["required"] = gettext_lazy(
            "Write what was done before acknowledging: who reached the patient or family, "
            "and what was agreed."
        )


@dataclass(frozen=True)
class ShownAlert:
    alert: Alert
    kind: str
    red_flags: list[str]  # the answers that raised a red flag, in words
    acknowledged_by: str = ""
    is_self_harm: bool = False
    form: AcknowledgeForm | None = None


def _red_flag_answers(alerts: list[Alert]) -> dict[int, list[str]]:
    """The red flags each red-flag alert was raised for, in words. Thoughts of self-harm have
    an alert of their own, so they are not repeated here."""
    answers: dict[int, list[str]] = {}
    for alert_id, flags in selectors.alert_red_flags(alerts).items():
        shown = [flag for flag in flags if flag != RedFlag.SELF_HARM.value]
        if shown:
            answers[alert_id] = [word(RED_FLAGS, flag) for flag in shown]
    return answers


def _acknowledger(alert: Alert) -> str:
    if alert.acknowledged_at is None:
        return ""
    user = alert.acknowledged_by
    if user is None:
        return _("a former member of staff")
    return user.get_full_name() or user.get_username()


def _number(value: str | None) -> int | None:
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS else None


def _inbox(
    request: WebRequest,
    *,
    target: Alert | None = None,
    bound: AcknowledgeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    form = AlertFilterForm(request.GET)
    show_acknowledged = form.is_valid() and form.cleaned_data["acknowledged"]
    if target is None:
        target_id = _number(request.GET.get("alert"))
        if target_id is not None:
            try:
                target = access_alert(request.user, target_id)
            except AccessDenied:
                target = None  # a link to an alert that is not theirs shows the inbox
    if target is not None and not target.is_open:
        show_acknowledged = True  # a link to an acknowledged alert still finds it
    alerts = selectors.alerts_inbox(request.user, include_acknowledged=show_acknowledged)
    page_number: int | str | None = request.GET.get("page")
    if target is not None:
        # The page that holds the alert: where it stands in the inbox's order.
        ids = list(alerts.values_list("id", flat=True))
        if target.pk in ids:
            page_number = ids.index(target.pk) // PAGE_SIZE + 1
    page = Paginator(alerts, PAGE_SIZE).get_page(page_number)
    listed = list(page.object_list)
    audit_reads(
        actor=request.user, patients=[alert.patient for alert in listed], what="alerts page"
    )
    answers = _red_flag_answers(listed)
    shown = [
        ShownAlert(
            alert=alert,
            kind=word(ALERT_KINDS, alert.kind),
            red_flags=answers.get(alert.pk, []),
            acknowledged_by=_acknowledger(alert),
            is_self_harm=alert.kind == AlertKind.SELF_HARM.value,
            form=(
                bound
                if bound is not None and target is not None and target.pk == alert.pk
                else AcknowledgeForm(alert=alert)
            )
            if alert.is_open
            else None,
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
            "target": target,
            # The acknowledgement just refused, for the error summary at the top.
            "refused_form": bound,
            "open_count": (
                page.paginator.count
                if not show_acknowledged
                else selectors.open_alerts_visible_to(request.user).count()
            ),
        },
        status=status,
    )


@staff_page
def inbox(request: WebRequest) -> HttpResponse:
    return _inbox(request)


@require_POST
@staff_page
def acknowledge(request: WebRequest, alert_id: int) -> HttpResponse:
    alert = access_alert(request.user, alert_id, queryset=Alert.objects.select_related("patient"))
    if alert.acknowledged_at is not None:
        messages.info(request, _("That alert was already acknowledged."))
    else:
        form = AcknowledgeForm(request.POST, alert=alert)
        if not form.is_valid():
            return _inbox(request, target=alert, bound=form, status=400)
        try:
            services.alert_acknowledge(
                actor=request.user, alert=alert, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return _inbox(request, target=alert, bound=form, status=400)
        messages.success(
            request,
            _("Alert acknowledged: %(kind)s for %(name)s.")
            % {"kind": word(ALERT_KINDS, alert.kind), "name": alert.patient.full_name},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("web:alerts")
