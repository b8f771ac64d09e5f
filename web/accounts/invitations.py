"""Invitations: staff create and revoke them at /clinic/invite/; the invitee accepts at
/accounts/invitation/<token>/, creating an account (or, for a guardian already signed in,
adding the child to theirs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from programs import selectors, services
from programs.access import access_invitation
from programs.models import Invitation, Patient
from programs.services.common import audit_reads
from reminders.messages import safe_short_name
from web.access import WebRequest, signed_in_user, staff_page
from web.accounts.forms import AcceptForm, InviteForm
from web.forms import add_service_errors

TEMPLATES = "web/accounts/"
# The new invitation's link, shown once on the page the form redirects to.
SESSION_NEW_INVITATION = "web_new_invitation"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _patients(request: WebRequest) -> QuerySet[Patient]:
    return selectors.patients_managed_by(request.user).order_by("last_name", "first_name", "id")


def _link(request: HttpRequest, raw_token: str) -> str:
    return request.build_absolute_uri(reverse("web:accept-invitation", kwargs={"token": raw_token}))


def _send(invitation: Invitation, link: str) -> None:
    """Email the link. The subject names the clinic by its short name only (never the full
    name, which often names the condition treated), or not at all: subjects show on lock
    screens. No diagnosis, no program detail."""
    context = {
        "invitation": invitation,
        "link": link,
        "subject_clinic": safe_short_name(invitation.clinic),
        "clinic_name": invitation.clinic.short_name or invitation.clinic.name,
        "patient_first_name": invitation.patient.first_name,
        "days": settings.WEB_INVITATION_DAYS,
    }
    subject = render_to_string(TEMPLATES + "invitation_subject.txt", context)
    body = render_to_string(TEMPLATES + "invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])


@never_cache
@staff_page
def invite(request: WebRequest) -> HttpResponse:
    patients = _patients(request)
    if request.method == "POST":
        form = InviteForm(request.POST, patients=patients)
        if form.is_valid():
            data = form.cleaned_data
            guardian = data["role"] == Invitation.Role.GUARDIAN
            try:
                invitation, raw_token = services.invitation_create(
                    actor=request.user,
                    patient=data["patient"],
                    role=data["role"],
                    email=data["email"],
                    guardian_first_name=data["guardian_first_name"] if guardian else "",
                    guardian_last_name=data["guardian_last_name"] if guardian else "",
                    relation=data["relation"] if guardian else "",
                )
            except ValidationError as error:
                add_service_errors(form, error, {})
            else:
                link = _link(request, raw_token)
                if invitation.email:
                    _send(invitation, link)
                request.session[SESSION_NEW_INVITATION] = {"id": invitation.pk, "link": link}
                return redirect("web:invite")
    else:
        initial: dict[str, Any] = {}
        chosen = request.GET.get("patient", "")
        if chosen.isascii() and chosen.isdigit() and patients.filter(pk=int(chosen)).exists():
            initial["patient"] = int(chosen)
        form = InviteForm(initial=initial, patients=patients)
    pending = list(services.invitations_pending_for(request.user))
    # The list shows each family's names and email addresses: a read of their records.
    audit_reads(
        actor=request.user, patients=[item.patient for item in pending], what="invitations page"
    )
    new = request.session.pop(SESSION_NEW_INVITATION, None)
    created = None
    if isinstance(new, dict):
        created = next((item for item in pending if item.pk == new.get("id")), None)
    context = {
        "form": form,
        "pending": pending,
        "created": created,
        "created_link": new.get("link") if created is not None and new else "",
        "days": settings.WEB_INVITATION_DAYS,
    }
    return render(request, TEMPLATES + "invite.html", context)


@require_POST
@staff_page
def revoke(request: WebRequest, invitation_id: int) -> HttpResponse:
    invitation = access_invitation(
        request.user,
        invitation_id,
        queryset=Invitation.objects.select_related("patient", "guardian"),
    )
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation for %(name)s is cancelled: its link no longer works.")
            % {"name": invitation.invitee_name},
        )
    return redirect("web:invite")


def _gone(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    status = invitation.status() if invitation is not None else "unknown"
    return render(
        request,
        TEMPLATES + "invitation_gone.html",
        {"status": status, "invitation": invitation},
        status=404 if invitation is None else 410,
    )


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page. Anonymous visitors choose a username and password; a signed-in
    visitor may add the child to their account when the invitation is for a guardian."""
    invitation = services.invitation_find(token)
    if invitation is None or not invitation.is_pending():
        return _gone(request, invitation)
    user = signed_in_user(request)
    form = AcceptForm()
    link_error = ""
    if request.method == "POST":
        if user is not None and request.POST.get("action") == "link":
            try:
                services.invitation_accept(invitation=invitation, existing_user=user)
            except ValidationError as error:
                if getattr(error, "code", None) in Invitation.Status.values:
                    return _gone(request, invitation)
                link_error = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    _("%(name)s is now on your account.") % {"name": invitation.patient.first_name},
                )
                return redirect("web:today", patient_id=invitation.patient_id)
        elif user is None:
            form = AcceptForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    new_user = services.invitation_accept(
                        invitation=invitation,
                        username=data["username"],
                        password=data["password1"],
                        email=data["email"],
                    )
                except ValidationError as error:
                    if getattr(error, "code", None) in Invitation.Status.values:
                        return _gone(request, invitation)
                    add_service_errors(form, error, {"password": "password1"})
                else:
                    login(request, new_user, backend=BACKEND)
                    messages.success(request, _("Welcome to gradus! Your account is ready."))
                    return redirect("web:today", patient_id=invitation.patient_id)
    context = {
        "invitation": invitation,
        "patient_first_name": invitation.patient.first_name,
        "clinic_name": invitation.clinic.name,
        "is_guardian": invitation.role == Invitation.Role.GUARDIAN,
        "form": form,
        "signed_in_as": user,
        "link_error": link_error,
        "expires_at": invitation.expires_at,
    }
    return render(request, TEMPLATES + "accept.html", context)
