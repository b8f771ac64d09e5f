"""Reminder settings: who gets reminders about the patient, how, when, and stopping them.

Built on what the reminders API for patients and guardians uses: the contacts come from
``reminders.selectors.contacts_acted_for_by``, one contact from ``reminders.access
.access_contact`` (narrowed to the page's patient; any other contact is a 404; a patient
changes their own contact, a guardian their own and their child's, and another guardian's is
a 403), and every write goes through ``reminders.services``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.models import User
from reminders import selectors, services
from reminders.access import access_contact
from reminders.messages import clock
from reminders.models import ADDRESS_CHANNELS, Channel, Consent, Contact, PushSubscription
from reminders.services.contacts import phone_region
from web.access import WebRequest, patient_page
from web.patient.reminder_forms import (
    AddContactForm,
    AddressesForm,
    CodeForm,
    PreferencesForm,
    add_service_errors,
    minutes_label,
)


@dataclass(frozen=True)
class ChannelView:
    """One channel of a contact as the page shows it: its address and a short status."""

    channel: str
    label: str
    address: str
    status: str
    tone: str  # badge colour: good, warn, bad or "" (plain)
    help: str
    needs_verifying: bool
    needs_consent: bool


@dataclass(frozen=True)
class ContactView:
    contact: Contact
    is_you: bool
    can_change: bool
    channels: list[ChannelView]
    leads: list[str]
    quiet_start: time
    quiet_end: time
    # This person's devices with push notifications (only on their own contact).
    devices: list[PushSubscription] = field(default_factory=list)

    @property
    def offers_push(self) -> bool:
        return self.is_you and self.can_change and bool(django_settings.WEBPUSH_VAPID_PUBLIC_KEY)

    @property
    def quiet_hours_off(self) -> bool:
        return self.quiet_start == self.quiet_end


def _channel_view(contact: Contact, channel: str, suppressed: set[tuple[str, str]]) -> ChannelView:
    state = selectors.channel_state(contact, channel, suppressed)
    is_sms = channel == Channel.SMS
    label = _("Text messages") if is_sms else _("Email")
    needs_verifying = needs_consent = False
    help_text = ""
    if state.suppressed:
        status, tone = _("Blocked"), "bad"
        help_text = (
            _("This number replied STOP, so no texts go to it. Text START to get them again.")
            if is_sms
            else _("This address unsubscribed. Ask the clinic to turn emails on again.")
        )
    elif not state.consented:
        status, tone, needs_consent = _("Not agreed yet"), "warn", True
        help_text = _("Tick the box under “Email and phone” to agree to these reminders.")
    elif not state.verified:
        status, tone, needs_verifying = _("Not confirmed yet"), "warn", True
        help_text = (
            _("Enter the code we sent to this number to confirm it.")
            if is_sms
            else _("Open the link we emailed to this address to confirm it.")
        )
    elif not state.enabled:
        status, tone = _("Off"), ""
    elif state.paused:
        status, tone = _("Stopped"), ""
    else:
        status, tone = _("On"), "good"
    return ChannelView(
        channel=channel,
        label=label,
        address=state.address,
        status=status,
        tone=tone,
        help=help_text,
        needs_verifying=needs_verifying,
        needs_consent=needs_consent,
    )


def _lead_text(lead: dict[str, object]) -> str:
    if lead.get("kind") == "evening_before":
        at = str(lead.get("at", "19:00"))
        try:
            shown = clock(time.fromisoformat(at))
        except ValueError:
            shown = at  # stored before the services checked it: shown as it is
        return _("The evening before at %(time)s") % {"time": shown}
    minutes = lead.get("minutes")
    return minutes_label(minutes) if isinstance(minutes, int) else ""


def _is_you(user: User, contact: Contact) -> bool:
    if contact.role == Contact.Role.PATIENT:
        return contact.patient.user_id == user.id
    return contact.guardian is not None and contact.guardian.user_id == user.id


def _view(
    user: User,
    contact: Contact,
    suppressed: set[tuple[str, str]],
    *,
    can_change: bool,
    devices: list[PushSubscription] | None = None,
) -> ContactView:
    return ContactView(
        devices=devices or [],
        contact=contact,
        is_you=_is_you(user, contact),
        can_change=can_change,
        channels=[
            _channel_view(contact, channel, suppressed)
            for channel in (Channel.EMAIL, Channel.SMS)
            if (contact.email if channel == Channel.EMAIL else contact.phone)
        ],
        leads=[_lead_text(lead) for lead in contact.lead_times],
        quiet_start=contact.quiet_start,
        quiet_end=contact.quiet_end,
    )


def _contacts(request: WebRequest) -> list[Contact]:
    """The page's patient's contacts, as the signed-in user may see them."""
    return list(
        selectors.with_details(selectors.contacts_acted_for_by(request.user))
        .filter(patient_id=request.household.patient.pk)
        .order_by("-role", "name", "id")
    )


def _may_change(user: User, contact: Contact) -> bool:
    # The patient's own contact: their own user, or (a guardian) the page's household already
    # proved the link, so may_change_preferences' guardian query runs at most once a page.
    return selectors.may_change_preferences(user, contact)


def _own_contact(request: WebRequest, contact_id: int) -> Contact:
    """One of the page's patient's contacts that the user may change."""
    patients = Contact.objects.filter(patient_id=request.household.patient.pk)
    return access_contact(
        request.user,
        contact_id,
        manage=False,
        change=True,
        queryset=selectors.with_details(patients),
    )


def _record_consents(user: User, contact: Contact, channels: list[str]) -> None:
    relationship = selectors.consent_relationship(user, contact) if channels else ""
    for channel in channels:
        services.consent_record(
            contact=contact,
            channel=channel,
            given_by=user.get_full_name() or user.get_username(),
            relationship=relationship,
            method=Consent.Method.WEB_FORM,
            recorded_by=user,
        )


def _save_with_consents(
    request: WebRequest, form: AddressesForm, save: Callable[[], Contact]
) -> Contact | None:
    """``save()`` the contact and record the consents the form gives, all or nothing; None,
    with the service's problems put on the form, when the service refuses."""
    try:
        with transaction.atomic():
            contact = save()
            _record_consents(request.user, contact, form.new_consents())
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    return contact


def _send_verification(request: WebRequest, contact: Contact, channel: str) -> bool:
    """Send a code or link now and say so; False (with the reason shown) when it did not go."""
    try:
        sent = services.verification_start(contact=contact, channel=channel)
    except ValidationError as error:
        for messages_of_field in error.message_dict.values():
            for message in messages_of_field:
                messages.error(request, _("We could not send it: %(why)s.") % {"why": message})
        return False
    except services.VerificationNotSent:
        messages.error(request, _("We could not send it just now. Please try again in a minute."))
        return False
    if channel == Channel.SMS:
        messages.info(
            request,
            _("We sent a 6-digit code to %(to)s. It works for 10 minutes.") % {"to": sent.to},
        )
    else:
        messages.info(
            request,
            _("We sent a link to %(to)s. Open it within 3 days to confirm the address.")
            % {"to": sent.to},
        )
    return True


def _url(name: str, request: WebRequest, **kwargs: int) -> str:
    return reverse(name, kwargs={"patient_id": request.household.patient.pk, **kwargs})


# -- Pages -----------------------------------------------------------------------------------


@patient_page
def settings(request: WebRequest, patient_id: int) -> HttpResponse:
    """Every contact of the patient: channels, times, quiet hours, stop or start."""
    contacts = _contacts(request)
    suppressed = selectors.suppressed_addresses(contacts)
    devices = selectors.push_subscriptions_of(
        [contact for contact in contacts if _is_you(request.user, contact)]
    )
    views = [
        _view(
            request.user,
            contact,
            suppressed,
            can_change=_may_change(request.user, contact),
            devices=devices.get(contact.pk, []),
        )
        for contact in contacts
    ]
    return render(
        request,
        "web/patient/reminders.html",
        {
            "contacts": views,
            "can_add": bool(_add_choices(request, contacts)),
            "push_key": django_settings.WEBPUSH_VAPID_PUBLIC_KEY,
            "push_wording": services.consent_wording(Channel.PUSH),
        },
    )


def _add_choices(request: WebRequest, contacts: list[Contact]) -> list[tuple[str, str]]:
    """Whose contact the signed-in user may add: their own, and (a guardian) their child's,
    each while it does not exist yet."""
    patient = request.household.patient
    has_patient_contact = any(contact.role == Contact.Role.PATIENT for contact in contacts)
    if request.household.is_self:
        return [] if has_patient_contact else [("patient", _("Me"))]
    choices = []
    mine = {
        contact.guardian_id
        for contact in contacts
        if contact.guardian is not None and contact.guardian.user_id == request.user.id
    }
    if not mine:
        choices.append(("guardian", _("Me")))
    if not has_patient_contact:
        choices.append(("patient", patient.first_name))
    return choices


@patient_page
@require_http_methods(["GET", "POST"])
def add(request: WebRequest, patient_id: int) -> HttpResponse:
    """A new contact with an email address and/or a mobile number, and consent for each."""
    contacts = _contacts(request)
    choices = _add_choices(request, contacts)
    if not choices:
        messages.info(request, _("Everyone who can get reminders has a contact already."))
        return redirect(_url("web:reminders", request))
    form = AddContactForm(
        request.POST if request.method == "POST" else None,
        choices=choices,
        region=phone_region(request.household.patient),
    )
    if request.method == "POST" and form.is_valid():
        patient = request.household.patient
        role = form.role()
        guardian = (
            selectors.guardian_link(request.user, patient)
            if role == Contact.Role.GUARDIAN
            else None
        )
        contact = _save_with_consents(
            request,
            form,
            lambda: services.contact_create(
                patient=patient,
                role=role,
                guardian=guardian,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                actor=request.user,
            ),
        )
        if contact is not None:
            messages.success(request, _("Contact added."))
            return _after_new_addresses(request, contact, form.new_consents())
    return render(
        request,
        "web/patient/reminders_add.html",
        {"form": form, "email_wording": services.consent_wording(Channel.EMAIL)},
    )


def _after_new_addresses(
    request: WebRequest, contact: Contact, channels: list[str]
) -> HttpResponseRedirect:
    """Send a code or link to each new address, then go where the person confirms it."""
    code_sent = False
    for channel in channels:
        sent = _send_verification(request, contact, channel)
        code_sent = code_sent or (sent and channel == Channel.SMS)
    if code_sent:
        return redirect(_url("web:reminders-verify", request, contact_id=contact.pk))
    return redirect(_url("web:reminders-contact", request, contact_id=contact.pk))


@patient_page
@require_http_methods(["GET", "POST"])
def contact_page(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    """One contact: its email and phone (with consent), and when its reminders come."""
    contact = _own_contact(request, contact_id)
    consented = {
        channel
        for channel in (Channel.EMAIL, Channel.SMS)
        if (consent := selectors.current_consent(contact, channel)) is not None
        and consent.withdrawn_at is None
    }
    which = request.POST.get("form") if request.method == "POST" else None
    addresses = AddressesForm(
        request.POST if which == "addresses" else None,
        consented=consented,
        region=phone_region(request.household.patient),
        initial={"email": contact.email, "phone": contact.phone},
        prefix="addresses",
    )
    own_minutes = [lead["minutes"] for lead in contact.lead_times if lead.get("kind") == "before"]
    channels = [
        channel
        for channel, address in ((Channel.EMAIL, contact.email), (Channel.SMS, contact.phone))
        if address
    ]
    times = PreferencesForm(
        request.POST if which == "times" else None,
        channels=channels,
        own_minutes=own_minutes,
        initial=PreferencesForm.initial_for(contact),
        prefix="times",
    )
    if which == "addresses" and addresses.is_valid():
        old = {Channel.EMAIL: contact.email, Channel.SMS: contact.phone}
        updated = _save_with_consents(
            request,
            addresses,
            lambda: services.contact_update(
                contact=contact,
                email=addresses.cleaned_data["email"],
                phone=addresses.cleaned_data["phone"],
                actor=request.user,
            ),
        )
        if updated is not None:
            messages.success(request, _("Email and phone saved."))
            new = {Channel.EMAIL: updated.email, Channel.SMS: updated.phone}
            changed = [
                str(channel) for channel in new if new[channel] and new[channel] != old[channel]
            ]
            return _after_new_addresses(request, updated, changed)
    if which == "times" and times.is_valid():
        data = times.cleaned_data
        try:
            saved = services.contact_preferences_update(
                contact=contact,
                email_enabled=data.get("email_enabled")
                if "email_enabled" in times.fields
                else None,
                sms_enabled=data.get("sms_enabled") if "sms_enabled" in times.fields else None,
                lead_times=times.lead_times(),
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(times, error)
        else:
            messages.success(request, _("Reminder times saved."))
            # When quiet hours move a text, say when it really comes.
            for notice in saved.quiet_hours:
                messages.warning(request, notice.message)
            return redirect(_url("web:reminders", request))
    suppressed = selectors.suppressed_addresses([contact])
    return render(
        request,
        "web/patient/reminders_contact.html",
        {
            "entry": _view(request.user, contact, suppressed, can_change=True),
            "addresses": addresses,
            "times": times,
        },
        status=400 if which and (addresses.errors or times.errors) else 200,
    )


@patient_page
@require_http_methods(["GET", "POST"])
def verify(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    """Enter the code sent to the contact's mobile number."""
    contact = _own_contact(request, contact_id)
    if not contact.phone:
        raise Http404("No number to confirm.")
    if contact.phone_verified_at is not None and request.method == "GET":
        messages.info(request, _("This number is confirmed already."))
        return redirect(_url("web:reminders-contact", request, contact_id=contact.pk))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_confirm_code(contact=contact, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your number is confirmed."))
            return redirect(_url("web:reminders", request))
    return render(
        request,
        "web/patient/reminders_verify.html",
        {"contact": contact, "form": form},
        status=400 if form.errors else 200,
    )


@patient_page
@require_POST
def send_verification(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    """Send a new code (text message) or link (email)."""
    contact = _own_contact(request, contact_id)
    channel = request.POST.get("channel", "")
    if channel not in ADDRESS_CHANNELS:
        raise Http404("No such channel.")
    sent = _send_verification(request, contact, channel)
    if sent and channel == Channel.SMS:
        return redirect(_url("web:reminders-verify", request, contact_id=contact.pk))
    if channel == Channel.SMS and contact.phone_verified_at is None:
        return redirect(_url("web:reminders-verify", request, contact_id=contact.pk))
    return redirect(_url("web:reminders-contact", request, contact_id=contact.pk))


def _set_paused(request: WebRequest, contact_id: int, *, paused: bool) -> HttpResponse:
    contact = _own_contact(request, contact_id)
    services.contact_preferences_update(contact=contact, paused=paused, actor=request.user)
    if paused:
        messages.success(
            request,
            _("All reminders to %(name)s are stopped. You can start them again any time.")
            % {"name": contact.name},
        )
    else:
        messages.success(request, _("Reminders to %(name)s are on again.") % {"name": contact.name})
    return redirect(_url("web:reminders", request))


@patient_page
@require_POST
def stop(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    return _set_paused(request, contact_id, paused=True)


@patient_page
@require_POST
def start(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    return _set_paused(request, contact_id, paused=False)


# -- Push notifications on this device -------------------------------------------------------


def _own_push_contact(request: WebRequest, contact_id: int) -> Contact:
    """The signed-in person's own contact: a device gets the reminders of whoever uses it."""
    contact = _own_contact(request, contact_id)
    if not _is_you(request.user, contact):
        raise Http404("Notifications are set up by the person who gets them.")
    return contact


@patient_page
@require_POST
def push_subscribe(request: WebRequest, patient_id: int, contact_id: int) -> HttpResponse:
    """Keep this browser's push subscription (JSON, as PushSubscription.toJSON() gives it,
    sent by web/static/web/push.js). 201 with its id, or 400 naming what is wrong."""
    contact = _own_push_contact(request, contact_id)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(keys, dict):
        return JsonResponse(
            {"errors": {"subscription": [_("This is not a push subscription.")]}}, status=400
        )
    try:
        subscription = services.push_subscribe(
            contact=contact,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
            user=request.user,
        )
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    messages.success(request, _("Notifications are on for this device."))
    return JsonResponse({"id": subscription.pk}, status=201)


@patient_page
@require_POST
def push_unsubscribe(
    request: WebRequest, patient_id: int, contact_id: int, subscription_id: int
) -> HttpResponse:
    """Forget one device: a plain form, so it works without JavaScript too."""
    contact = _own_push_contact(request, contact_id)
    if not services.push_unsubscribe(contact=contact, subscription_id=subscription_id):
        raise Http404("No such device.")
    messages.success(request, _("Notifications are off for that device."))
    return redirect(_url("web:reminders", request))
