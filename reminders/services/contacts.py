"""Contacts: who is reminded about a patient, on which channels, with whose consent.

A channel of a contact carries reminders only once its address is verified (an email by a
signed link, a mobile number by a six-digit code), consent for it is on record and not
withdrawn, and the address is not suppressed. Changing an address un-verifies it.

Every write here is atomic and keyword-only; problems come back as Django ValidationErrors
keyed by the field they concern. The outbox follows on commit (reminders.signals listens to
the rows saved here), so nothing here touches reminders directly.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from django_stubs_ext import StrOrPromise

from programs.models import Clinic, Guardian, Patient, User
from programs.services.common import audit_record
from reminders.channels import ChannelFailure, OutgoingMessage, PermanentFailure, backend_for
from reminders.locale import message_locale
from reminders.messages import APP_NAME, CLINIC_NAME_MAX, gsm7, safe_short_name, sms_name
from reminders.models import ADDRESS_CHANNELS, Channel, Consent, Contact
from reminders.phones import normalize_phone
from reminders.selectors import is_suppressed

if TYPE_CHECKING:
    from reminders.services.outbox import QuietHoursNotice

# The exact wording a person agrees to, per channel: shown on the form or read out in
# clinic, in the language of the page or answer (so a Spanish-speaking parent reads and agrees
# to the Spanish), and copied into each consent record in that same language. Change it here
# and only here; records made before keep the wording that was agreed to then.
CONSENT_WORDING: Mapping[str, StrOrPromise] = {
    Channel.EMAIL: gettext_lazy(
        "I agree to receive emails from the clinic reminding me of exercise sessions and "
        "check-ins. The emails do not contain health details. I can stop them at any time "
        "with the unsubscribe link in each email or by asking the clinic."
    ),
    Channel.SMS: gettext_lazy(
        "I agree to receive text messages from the clinic reminding me of exercise sessions "
        "and check-ins, at most a few a day and never between the quiet hours I choose. The "
        "messages do not contain health details. Message and data rates may apply. Reply STOP "
        "to stop them at any time, or HELP for help."
    ),
    Channel.PUSH: gettext_lazy(
        "I agree to receive notifications from the clinic on this device reminding me of "
        "exercise sessions, never between the quiet hours I choose. The notifications do not "
        "contain health details. I can turn them off at any time in the reminder settings."
    ),
}

CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
# A new code or link at most this often per contact: enough to retry a lost message, not
# enough to flood someone's phone.
RESEND_COOLDOWN = timedelta(seconds=60)
EMAIL_LINK_MAX_AGE = timedelta(days=3)
EMAIL_LINK_SALT = "reminders.verify-email"
CODE_SALT = "reminders.sms-code"

# A contact's language when the person has none of their own yet (Contact.language's default).
DEFAULT_LANGUAGE = "en"

MAX_LEAD_TIMES = 4
LEAD_MINUTES_MIN = 5
LEAD_MINUTES_MAX = 24 * 60
LEAD_KINDS = ("evening_before", "before")


def consent_wording(channel: str) -> str:
    """The wording a person agrees to for ``channel``, in the active language."""
    return str(CONSENT_WORDING[Channel(channel)])


# ---------------------------------------------------------------------------------------------
# Checking input


def phone_region(patient: Patient) -> str:
    """The region a number without a country code is read in: the patient's own country as
    far as their time zone says; the clinic's default (US) otherwise."""
    return "GB" if patient.time_zone in ("Europe/London", "Europe/Belfast") else "US"


def _clean_email(value: str) -> str:
    value = value.strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({"email": [_("is not a valid email address")]}) from None
    if len(value) > 254:
        raise ValidationError({"email": [too_long(254)]})
    return value


def _clean_phone(value: str, patient: Patient) -> str:
    value = value.strip()
    return normalize_phone(value, phone_region(patient)) if value else ""


def too_long(max_length: int) -> str:
    return ngettext(
        "is too long (at most %(count)s character)",
        "is too long (at most %(count)s characters)",
        max_length,
    ) % {"count": max_length}


def at_most_lead_times() -> str:
    return ngettext(
        "at most %(count)s lead time", "at most %(count)s lead times", MAX_LEAD_TIMES
    ) % {"count": MAX_LEAD_TIMES}


def _required_text(field: str, value: str, *, max_length: int, blank: StrOrPromise) -> str:
    """``value`` stripped, refused when empty (``blank`` says what is missing) or too long."""
    value = value.strip()
    if not value:
        raise ValidationError({field: [blank]})
    if len(value) > max_length:
        raise ValidationError({field: [too_long(max_length)]})
    return value


def _clean_name(value: str) -> str:
    return _required_text("name", value, max_length=120, blank=_("must not be blank"))


def _parse_wall_time(value: Any, field: str) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.replace(second=0, microsecond=0, tzinfo=None)
    raise ValidationError({field: [_("must be a time of day such as 19:00")]})


def clean_lead_times(value: Any) -> list[dict[str, Any]]:
    """Lead times in their stored form, checked: at most one "evening_before" with an "at"
    time, and "before" leads with distinct whole minutes from 5 to 1440."""
    if not isinstance(value, list | tuple):
        raise ValidationError({"lead_times": [_("must be a list")]})
    if len(value) > MAX_LEAD_TIMES:
        raise ValidationError({"lead_times": [at_most_lead_times()]})
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, lead in enumerate(value):
        where = f"lead_times[{index}]"
        if not isinstance(lead, Mapping):
            raise ValidationError({where: [_("must be an object with a kind")]})
        kind = lead.get("kind")
        if kind not in LEAD_KINDS:
            raise ValidationError({f"{where}.kind": [_('must be "evening_before" or "before"')]})
        if kind == "evening_before":
            unknown = sorted(set(lead) - {"kind", "at"})
            if unknown:
                raise ValidationError({f"{where}.{unknown[0]}": [_("is not a field of this lead")]})
            at = _parse_wall_time(lead.get("at", "19:00"), f"{where}.at")
            label = lead_label({"kind": kind})
            entry: dict[str, Any] = {"kind": kind, "at": at.strftime("%H:%M")}
        else:
            unknown = sorted(set(lead) - {"kind", "minutes"})
            if unknown:
                raise ValidationError({f"{where}.{unknown[0]}": [_("is not a field of this lead")]})
            minutes = lead.get("minutes")
            if (
                not isinstance(minutes, int)
                or isinstance(minutes, bool)
                or not LEAD_MINUTES_MIN <= minutes <= LEAD_MINUTES_MAX
            ):
                raise ValidationError(
                    {
                        f"{where}.minutes": [
                            _("must be a whole number of minutes from %(low)s to %(high)s")
                            % {"low": LEAD_MINUTES_MIN, "high": LEAD_MINUTES_MAX}
                        ]
                    }
                )
            entry = {"kind": kind, "minutes": minutes}
            label = lead_label(entry)
        if label in seen:
            raise ValidationError({where: [_("repeats another lead time")]})
        seen.add(label)
        cleaned.append(entry)
    return cleaned


def lead_label(lead: Mapping[str, Any]) -> str:
    """The lead's name in the outbox: "evening_before", or "60m" for 60 minutes before.

    The evening lead keeps its name when its time changes, so moving it from 19:00 to 18:00
    after the 19:00 message went out never sends a second one for the same session.
    """
    if lead["kind"] == "evening_before":
        return "evening_before"
    return f"{int(lead['minutes'])}m"


def _check_language(value: str) -> str:
    codes = {code for code, _name in settings.PEOPLE_LANGUAGES}
    if value not in codes:
        raise ValidationError(
            {"language": [_("“%(code)s” is not a language we offer") % {"code": value}]}
        )
    return value


def _persons_language(patient: Patient, guardian: Guardian | None) -> str:
    """The language of the person a new contact is for: the guardian's or the patient's own
    account's; English when they have none or have not chosen."""
    person = guardian.user if guardian is not None else patient.user
    return (person.language if person is not None else "") or DEFAULT_LANGUAGE


# ---------------------------------------------------------------------------------------------
# Contacts


@transaction.atomic
def contact_create(
    *,
    patient: Patient,
    role: str,
    guardian: Guardian | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str | None = None,
    actor: User | None = None,
) -> Contact:
    """A contact for ``patient``: the patient themselves (role "patient") or one of their
    guardians (role "guardian", with ``guardian``). Both channels start unverified. Its
    language is the person's own (``User.language``) unless ``language`` says another; English
    for someone with no account or no language chosen."""
    if role not in Contact.Role.values:
        raise ValidationError({"role": [_('must be "patient" or "guardian"')]})
    if role == Contact.Role.GUARDIAN:
        if guardian is None:
            raise ValidationError({"guardian": [_("a guardian's contact names the guardian")]})
        if guardian.patient_id != patient.id:
            raise ValidationError({"guardian": [_("is not a guardian of this patient")]})
        if Contact.objects.filter(patient=patient, guardian=guardian).exists():
            raise ValidationError({"guardian": [_("already has a contact for this patient")]})
        default_name = f"{guardian.first_name} {guardian.last_name}"
    else:
        if guardian is not None:
            raise ValidationError({"guardian": [_("only a guardian's contact names a guardian")]})
        if Contact.objects.filter(patient=patient, role=Contact.Role.PATIENT).exists():
            raise ValidationError({"role": [_("this patient already has their own contact")]})
        default_name = patient.full_name
    contact = Contact(
        patient=patient,
        guardian=guardian,
        role=role,
        name=_clean_name(name or default_name),
        email=_clean_email(email),
        phone=_clean_phone(phone, patient),
        language=_check_language(
            _persons_language(patient, guardian) if language is None else language
        ),
    )
    if not contact.email and not contact.phone:
        message = _("give an email address or a mobile number")
        raise ValidationError({"email": [message], "phone": [message]})
    contact.save()
    _audit_if_staff(actor, patient, "reminder contact added")
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    actor: User | None = None,
) -> Contact:
    """Change a contact's name or addresses. A changed address must be verified again, and
    any code sent to the old number stops working."""
    contact = Contact.objects.select_for_update().select_related("patient").get(pk=contact.pk)
    if name is not None:
        contact.name = _clean_name(name)
    if email is not None:
        new_email = _clean_email(email)
        if new_email != contact.email:
            contact.email = new_email
            contact.email_verified_at = None
    if phone is not None:
        new_phone = _clean_phone(phone, contact.patient)
        if new_phone != contact.phone:
            contact.phone = new_phone
            contact.phone_verified_at = None
            _clear_code(contact)
    if not contact.email and not contact.phone:
        message = _("a contact keeps an email address or a mobile number")
        raise ValidationError({"email": [message], "phone": [message]})
    contact.save()
    _audit_if_staff(actor, contact.patient, "reminder contact changed")
    return contact


@dataclass(frozen=True)
class PreferencesSaved:
    """The contact as saved, and what its quiet hours do to its text reminders: each text
    they move, with when it really arrives (``reminders.services.outbox.QuietHoursNotice``).
    Web and API show the notices, so nobody is surprised by a text at 9 am."""

    contact: Contact
    quiet_hours: list[QuietHoursNotice]


@transaction.atomic
def contact_preferences_update(
    *,
    contact: Contact,
    email_enabled: bool | None = None,
    sms_enabled: bool | None = None,
    lead_times: Sequence[Mapping[str, Any]] | None = None,
    quiet_start: time | str | None = None,
    quiet_end: time | str | None = None,
    paused: bool | None = None,
    language: str | None = None,
    actor: User | None = None,
) -> PreferencesSaved:
    """Change what a contact receives and when. Equal quiet start and end mean no quiet
    hours. The outbox follows on commit. The answer says which text reminders the quiet
    hours now move, and to when."""
    contact = Contact.objects.select_for_update().select_related("patient").get(pk=contact.pk)
    for field, value in (
        ("email_enabled", email_enabled),
        ("sms_enabled", sms_enabled),
        ("paused", paused),
    ):
        if value is not None:
            if not isinstance(value, bool):
                raise ValidationError({field: [_("must be true or false")]})
            setattr(contact, field, value)
    if lead_times is not None:
        contact.lead_times = clean_lead_times(list(lead_times))
    if quiet_start is not None:
        contact.quiet_start = _parse_wall_time(quiet_start, "quiet_start")
    if quiet_end is not None:
        contact.quiet_end = _parse_wall_time(quiet_end, "quiet_end")
    if language is not None:
        contact.language = _check_language(language)
    contact.save()
    _audit_if_staff(actor, contact.patient, "reminder preferences changed")
    # The outbox module plans with these contacts' lead times, so it imports this one.
    from reminders.services.outbox import quiet_hours_notices

    return PreferencesSaved(contact=contact, quiet_hours=quiet_hours_notices(contact))


# ---------------------------------------------------------------------------------------------
# Consent


@transaction.atomic
def consent_record(
    *,
    contact: Contact,
    channel: str,
    given_by: str,
    relationship: str,
    method: str,
    recorded_by: User | None = None,
    given_at: datetime | None = None,
) -> Consent:
    """Record that ``given_by`` agreed to reminders on ``channel`` for ``contact``, with the
    wording of ``CONSENT_WORDING`` as it is now."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_('must be "email", "sms" or "push"')]})
    if method not in Consent.Method.values:
        raise ValidationError(
            {
                "method": [
                    _("must be one of %(offered)s") % {"offered": ", ".join(Consent.Method.values)}
                ]
            }
        )
    given_by = _required_text("given_by", given_by, max_length=120, blank=_("say who agreed"))
    relationship = _required_text(
        "relationship", relationship, max_length=40, blank=_("say how they relate to the patient")
    )
    now = timezone.now()
    if given_at is not None and given_at > now + timedelta(minutes=5):
        raise ValidationError({"given_at": [_("must not be in the future")]})
    consent = Consent.objects.create(
        contact=contact,
        channel=channel,
        given_by=given_by,
        relationship=relationship,
        method=method,
        wording=consent_wording(channel),
        recorded_by=recorded_by,
        given_at=given_at or now,
    )
    _audit_if_staff(recorded_by, contact.patient, f"reminder consent recorded ({channel})")
    return consent


@transaction.atomic
def consent_withdraw(*, contact: Contact, channel: str, actor: User | None = None) -> int:
    """Withdraw every standing consent of ``contact`` for ``channel``; the number withdrawn.

    Consent.objects.update would skip the signals the outbox listens to, so each is saved.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": [_('must be "email", "sms" or "push"')]})
    now = timezone.now()
    standing = list(
        Consent.objects.select_for_update().filter(
            contact=contact, channel=channel, withdrawn_at__isnull=True
        )
    )
    for consent in standing:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
    if standing:
        _audit_if_staff(actor, contact.patient, f"reminder consent withdrawn ({channel})")
    return len(standing)


def _audit_if_staff(actor: User | None, patient: Patient, what: str) -> None:
    """Staff changes to a patient's record are audited; a patient's or guardian's changes to
    their own contact are not staff handling someone else's record."""
    if actor is not None and actor.memberships.filter(clinic_id=patient.clinic_id).exists():
        audit_record(actor=actor, patient=patient, action="change", what=what)


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class VerificationSent:
    """What went out: the channel, where (the address as the person will recognise it) and
    until when the code or link works."""

    channel: str
    to: str
    expires_at: datetime


class VerificationNotSent(Exception):
    """The provider could not take the message just now; asking again later may work."""


def _clinic_name(clinic: Clinic) -> str:
    # As every reminder does: the short name, never the full one (which may name the
    # condition), and the app's name when there is no short name fit to show.
    return sms_name(safe_short_name(clinic), CLINIC_NAME_MAX) or APP_NAME


def _code_hash(contact: Contact, code: str) -> str:
    # Bound to the contact and the number, so a code is worthless for another contact and
    # stops working when the number changes.
    return salted_hmac(CODE_SALT, f"{contact.pk}:{contact.phone}:{code}").hexdigest()


def _clear_code(contact: Contact) -> None:
    contact.phone_code_hash = ""
    contact.phone_code_expires_at = None
    contact.phone_code_attempts = 0


def email_verification_token(contact: Contact) -> str:
    return signing.dumps({"contact": contact.pk, "email": contact.email}, salt=EMAIL_LINK_SALT)


def email_verification_url(contact: Contact) -> str:
    token = email_verification_token(contact)
    return f"{settings.PUBLIC_BASE_URL}/reminders/verify-email/{token}/"


def verification_start(*, contact: Contact, channel: str) -> VerificationSent:
    """Send a six-digit code by text message, or a signed link by email, to the contact's
    address on ``channel``.

    Sent at once through the channel, not through the outbox: the person is waiting for it,
    quiet hours do not apply to a code they asked for, and a failure is reported to them
    straight away. Raises ValidationError naming the field (no such address, sent less than
    a minute ago, an address the provider refuses) or VerificationNotSent (try later).
    """
    if channel not in ADDRESS_CHANNELS:
        raise ValidationError({"channel": [_('must be "email" or "sms"')]})
    field = "phone" if channel == Channel.SMS else "email"
    now = timezone.now()
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update().select_related("patient__clinic").get(pk=contact.pk)
        )
        address = contact.phone if channel == Channel.SMS else contact.email
        if not address:
            raise ValidationError({field: [_("this contact has none to verify")]})
        if is_suppressed(channel, address):
            hint = (
                _("this number asked us to stop (STOP); text START to resume first")
                if channel == Channel.SMS
                else _("this address unsubscribed; ask the clinic to lift it first")
            )
            raise ValidationError({field: [hint]})
        clinic = _clinic_name(contact.patient.clinic)
        with override(message_locale(contact.patient.clinic, contact.language)):
            if channel == Channel.SMS:
                if (
                    contact.phone_code_expires_at is not None
                    and contact.phone_code_expires_at - CODE_TTL + RESEND_COOLDOWN > now
                ):
                    # Lazy: put in words for the person asking, not in the contact's language.
                    raise ValidationError(
                        {field: [gettext_lazy("a code was sent less than a minute ago")]}
                    )
                code = f"{secrets.randbelow(1_000_000):06d}"
                contact.phone_code_hash = _code_hash(contact, code)
                contact.phone_code_expires_at = now + CODE_TTL
                contact.phone_code_attempts = 0
                contact.save(
                    update_fields=[
                        "phone_code_hash",
                        "phone_code_expires_at",
                        "phone_code_attempts",
                    ]
                )
                expires_at = now + CODE_TTL
                message = OutgoingMessage(
                    channel=channel,
                    to=address,
                    body=gsm7(
                        _(
                            "%(code)s is your code to get reminders from %(clinic)s. It "
                            "works for 10 minutes. If you did not ask for it, ignore this."
                        )
                        % {"code": code, "clinic": clinic}
                    ),
                    idempotency_key=f"v:{contact.pk}:sms:{secrets.token_hex(8)}",
                )
            else:
                if not cache.add(f"reminders:verify-email:{contact.pk}", 1, 60):
                    raise ValidationError(
                        {field: [gettext_lazy("a link was sent less than a minute ago")]}
                    )
                expires_at = now + EMAIL_LINK_MAX_AGE
                message = OutgoingMessage(
                    channel=channel,
                    to=address,
                    subject=_("Confirm your email for reminders from %(clinic)s")
                    % {"clinic": clinic},
                    body=_(
                        "Please confirm this address to get session reminders from "
                        "%(clinic)s:\n\n%(url)s\n\nThe link works for 3 days. If you did not "
                        "ask for reminders, ignore this email."
                    )
                    % {"clinic": clinic, "url": email_verification_url(contact)},
                    idempotency_key=f"v:{contact.pk}:email:{secrets.token_hex(8)}",
                )
    backend = backend_for(channel)
    try:
        backend.send(message)
    except PermanentFailure:
        _forget_sent(contact, channel)
        raise ValidationError({field: [_("the provider cannot deliver to this address")]}) from None
    except ChannelFailure as failure:
        _forget_sent(contact, channel)
        raise VerificationNotSent(failure.message) from failure
    finally:
        backend.close()  # an SMTP connection, once the one message is sent
    return VerificationSent(channel=channel, to=address, expires_at=expires_at)


def _forget_sent(contact: Contact, channel: str) -> None:
    """Nothing went out: let the person ask again at once."""
    if channel == Channel.SMS:
        Contact.objects.filter(pk=contact.pk).update(
            phone_code_hash="", phone_code_expires_at=None, phone_code_attempts=0
        )
    else:
        cache.delete(f"reminders:verify-email:{contact.pk}")


def verification_confirm_code(*, contact: Contact, code: str) -> Contact:
    """Mark the contact's number verified when ``code`` is the one sent in the last ten
    minutes. Five wrong tries use the code up.

    A wrong try is counted and committed before the error is raised, so it is not undone
    with the request (the API does not wrap requests in a transaction).
    """
    code = code.strip().replace(" ", "")
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if (
            not contact.phone_code_hash
            or contact.phone_code_expires_at is None
            or contact.phone_code_expires_at <= now
        ):
            raise ValidationError({"code": [_("has expired or was never sent; ask for a new one")]})
        if contact.phone_code_attempts >= CODE_ATTEMPTS:
            raise ValidationError({"code": [_("too many wrong tries; ask for a new code")]})
        right = (
            len(code) == 6
            and code.isdigit()
            and constant_time_compare(_code_hash(contact, code), contact.phone_code_hash)
        )
        if right:
            contact.phone_verified_at = now
            _clear_code(contact)
            contact.save()
            return contact
        contact.phone_code_attempts += 1
        contact.save(update_fields=["phone_code_attempts"])
        left = CODE_ATTEMPTS - contact.phone_code_attempts
    message = (
        ngettext(
            "is not the code we sent (%(count)s try left)",
            "is not the code we sent (%(count)s tries left)",
            left,
        )
        % {"count": left}
        if left
        else _("is not the code we sent; ask for a new code")
    )
    raise ValidationError({"code": [message]})


def confirm_email_token(*, token: str) -> Contact:
    """Mark the email address a link was made for verified, while it is still the contact's
    address and the link is under three days old."""
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError({"token": [_("this link has expired; ask for a new one")]}) from None
    except signing.BadSignature:
        raise ValidationError({"token": [_("this link is not valid")]}) from None
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=data.get("contact")).first()
        if contact is None or contact.email != data.get("email"):
            raise ValidationError({"token": [_("this link is for an address no longer in use")]})
        if contact.email_verified_at is None:
            contact.email_verified_at = timezone.now()
            contact.save(update_fields=["email_verified_at"])
        return contact
