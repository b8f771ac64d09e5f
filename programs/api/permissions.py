"""Who may call an endpoint at all. Which objects they reach is the access functions' business
(programs.access), and which rows a list holds the selectors'."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from programs.models import User
from programs.selectors import is_staff_member, patients_acted_for_by

NOT_FOR_STAFF = _("These endpoints are for patients and guardians.")


class IsStaffMember(BasePermission):
    """Therapists and clinic admins: a user with a membership of at least one clinic.

    Patients and guardians get 403 here, before any object is looked up.
    """

    message = _("Only a clinic's therapists and admins may do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)  # type: ignore[arg-type]


def refuse_staff_acting_for_nobody(user: User) -> None:
    """The /me/ endpoints are for patients and guardians: a staff member who acts for nobody
    gets 403 (their endpoints are elsewhere), whatever they asked for. Asked only once a
    lookup has failed, so that the reads of those who may call them stay cheap."""
    if is_staff_member(user) and not patients_acted_for_by(user).exists():
        raise PermissionDenied(NOT_FOR_STAFF)
