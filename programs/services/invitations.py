"""Invitations: staff invite a patient or a guardian by a link; the invitee accepts it once.

The link carries a random token (``secrets.token_urlsafe(32)``, 256 bits); the database keeps
only its SHA-256, so nobody can rebuild a link from the records. A link works until it is
accepted, revoked or ``settings.WEB_INVITATION_DAYS`` have passed, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs import selectors
from programs.models import Guardian, Invitation, Patient, User
from programs.services.common import audit_change
from programs.services.people import guardian_create


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _managed(actor: User, patient: Patient) -> None:
    if not selectors.patients_managed_by(actor).filter(pk=patient.pk).exists():
        raise PermissionDenied("Only the patient's clinic staff may invite or revoke.")


def _rename(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same error with its fields named as the caller's form names them."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): problems for field, problems in error.message_dict.items()}
    )


def _guardian_to_invite(
    *, actor: User, patient: Patient, first_name: str, last_name: str, relation: str
) -> Guardian:
    """The patient's guardian of that name and relation still without an account, or a new
    record: a guardian invited again (a link that expired, or the form sent twice) stays one
    guardian. The patient's row is locked so that two invitations at once take turns."""
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    waiting = Guardian.objects.filter(
        patient=patient,
        user__isnull=True,
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        relation=relation,
    ).first()
    if waiting is not None:
        return waiting
    try:
        return guardian_create(
            actor=actor,
            patient=patient,
            first_name=first_name,
            last_name=last_name,
            relation=relation,
            user=None,
        )
    except ValidationError as error:
        raise _rename(
            error, {"first_name": "guardian_first_name", "last_name": "guardian_last_name"}
        ) from None


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    patient: Patient,
    role: str,
    email: str = "",
    guardian_first_name: str = "",
    guardian_last_name: str = "",
    relation: str = "",
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite the patient, or a new guardian of theirs (whose Guardian record is created now,
    without an account). Returns the invitation and the raw token for its link, which is
    never stored and cannot be recovered."""
    _managed(actor, patient)
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    guardian: Guardian | None = None
    if role == Invitation.Role.PATIENT:
        if patient.user_id is not None:
            raise ValidationError(
                {"patient": [_("%(name)s already has an account.") % {"name": patient.first_name}]}
            )
    elif role == Invitation.Role.GUARDIAN:
        guardian = _guardian_to_invite(
            actor=actor,
            patient=patient,
            first_name=guardian_first_name,
            last_name=guardian_last_name,
            relation=relation,
        )
    else:
        raise ValidationError({"role": [_("Choose the patient or a parent or guardian.")]})
    raw_token = secrets.token_urlsafe(32)
    created_at = now or timezone.now()
    invitation = Invitation.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        role=role,
        guardian=guardian,
        token_hash=token_hash(raw_token),
        email=email,
        created_by=actor,
        created_at=created_at,
        expires_at=created_at + timedelta(days=settings.WEB_INVITATION_DAYS),
    )
    audit_change(actor=actor, patient=patient, what=f"invitation {invitation.pk} created ({role})")
    return invitation, raw_token


def invitation_find(raw_token: str) -> Invitation | None:
    """The invitation a link's token names, whatever its status (``invitation.status()``
    says whether it is pending, accepted, revoked or expired); None for an unknown token."""
    if not raw_token or len(raw_token) > 200:
        return None
    return (
        Invitation.objects.select_related("patient", "clinic", "guardian")
        .filter(token_hash=token_hash(raw_token))
        .first()
    )


def invitations_pending_for(user: User, *, now: datetime | None = None) -> QuerySet[Invitation]:
    """The pending invitations of the patients ``user`` manages, newest first."""
    return (
        Invitation.objects.filter(
            patient__in=selectors.patients_managed_by(user),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now or timezone.now(),
        )
        .select_related("patient", "guardian", "clinic", "created_by")
        .order_by("-created_at", "-id")
    )


UNUSABLE: dict[str, Any] = {
    Invitation.Status.ACCEPTED: gettext_lazy("This invitation has already been used."),
    Invitation.Status.REVOKED: gettext_lazy("This invitation was cancelled by the clinic."),
    Invitation.Status.EXPIRED: gettext_lazy("This invitation has expired."),
}


def _unusable(status: str) -> ValidationError:
    """Why an invitation cannot be accepted; its code is the invitation's status."""
    return ValidationError(UNUSABLE[status], code=status)


def _new_user(*, username: str, password: str, email: str, first_name: str, last_name: str) -> User:
    errors: dict[str, list[str]] = {}
    username = username.strip()
    email = email.strip()
    try:
        User.username_validator(username)
    except ValidationError as error:
        errors["username"] = list(error.messages)
    if not username:
        errors["username"] = [_("Choose a username.")]
    elif "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken. Please choose another.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    return User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    username: str = "",
    password: str = "",
    email: str = "",
    first_name: str | None = None,
    last_name: str | None = None,
    existing_user: User | None = None,
    now: datetime | None = None,
) -> User:
    """Accept ``invitation``: create an account (username, password, optional email) or, for a
    guardian's invitation, link ``existing_user`` (a guardian adding a second child). Links the
    account to the patient or guardian record and marks the invitation accepted, once: of two
    tabs accepting together, one wins and the other is told the invitation was used."""
    now = now or timezone.now()
    status = invitation.status(now)
    if status != Invitation.Status.PENDING:
        raise _unusable(status)
    is_patient = invitation.role == Invitation.Role.PATIENT
    if existing_user is not None:
        if is_patient:
            raise ValidationError(
                _("This invitation is for the patient's own account. Sign out to set it up."),
                code="needs_new_account",
            )
        if Guardian.objects.filter(patient_id=invitation.patient_id, user=existing_user).exists():
            raise ValidationError(
                _("%(name)s is already on your account.") % {"name": invitation.patient.first_name},
                code="already_linked",
            )
        if invitation.patient.user_id == existing_user.pk:
            raise ValidationError(
                _("This invitation is for a parent or guardian, not for the patient."),
                code="is_the_patient",
            )
    # Claim the invitation first: on PostgreSQL a second transaction waits on this row and
    # then finds nothing to update; anything failing below rolls the claim back.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if not claimed:
        invitation.refresh_from_db()
        raise _unusable(invitation.status(now))
    person: Patient | Guardian
    if is_patient:
        person = Patient.objects.select_for_update().get(pk=invitation.patient_id)
        if person.user_id is not None:
            raise ValidationError(
                _("%(name)s already has an account.") % {"name": person.first_name},
                code="already_has_account",
            )
    else:
        assert invitation.guardian_id is not None  # a database constraint
        person = Guardian.objects.select_for_update().get(pk=invitation.guardian_id)
        if person.user_id is not None:
            raise _unusable(Invitation.Status.ACCEPTED)
    # Only a guardian's invitation takes an existing account (refused above for a patient's).
    # The new account is named as the record unless the person gave other names.
    user = existing_user or _new_user(
        username=username,
        password=password,
        email=email,
        first_name=person.first_name if first_name is None else first_name,
        last_name=person.last_name if last_name is None else last_name,
    )
    person.user = user
    person.save(update_fields=["user"])  # a save, so the today cache's signals see it
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    invitation.accepted_at, invitation.accepted_by = now, user
    audit_change(
        actor=user,
        patient=invitation.patient,
        what=f"invitation {invitation.pk} accepted ({invitation.role}): account linked",
    )
    return user


@transaction.atomic
def invitation_revoke(
    *, actor: User, invitation: Invitation, now: datetime | None = None
) -> Invitation:
    """Cancel a pending invitation. A guardian's record stays, without an account."""
    _managed(actor, invitation.patient)
    now = now or timezone.now()
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation.refresh_from_db()
    if not revoked:
        raise _unusable(invitation.status(now))
    audit_change(
        actor=actor, patient=invitation.patient, what=f"invitation {invitation.pk} revoked"
    )
    return invitation
