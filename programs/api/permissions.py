"""Who may call an endpoint at all. Which objects they see is the selectors' business."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from programs.models import Activity, ProgramTemplate
from programs.selectors import is_staff_member


class IsStaffMember(BasePermission):
    """Therapists and clinic admins: a user with a membership of at least one clinic.

    Patients and guardians get 403 here, before any object is looked up.
    """

    message = "Only a clinic's therapists and admins may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)  # type: ignore[arg-type]


class ClinicOwnedOrReadOnly(BasePermission):
    """The global library is shared by every clinic: reading it is fine, changing it is not."""

    message = "The global library is read-only; copy the entry into your clinic to change it."

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        assert isinstance(obj, Activity | ProgramTemplate)
        return obj.clinic_id is not None
