"""What every staff viewset shares: who may call it, integer ids, one object through its access
function (programs.access), and the in/out plumbing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from programs.access import AccessDenied
from programs.api.errors import error_responses, refusal
from programs.api.idempotency import IdempotentWrites
from programs.api.permissions import IsStaffMember
from programs.models import AuditEvent, Patient, User
from programs.services.common import audit_reads, audit_record

M = TypeVar("M", bound=Model)
V = TypeVar("V", bound=type[Any])
READS = ("GET", "HEAD")

# The errors each kind of operation can answer with, all in the one error format.
# A list answers 404 for a page past its end.
LIST_ERRORS = error_responses(400, 401, 403, 404)
READ_ERRORS = error_responses(401, 403, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
CHANGE_ERRORS = error_responses(400, 401, 403, 404)


def documented_reads(
    serializer_class: type[serializers.BaseSerializer[Any]],
    detail_class: type[serializers.BaseSerializer[Any]] | None = None,
) -> Callable[[V], V]:
    """A class decorator: the viewset's list (``serializer_class``) and retrieve
    (``detail_class``, the same unless given) in the schema with the errors they answer,
    without overriding the two only to carry it."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer_class, **LIST_ERRORS}),
        retrieve=extend_schema(responses={200: detail_class or serializer_class, **READ_ERRORS}),
    )


class StaffViewSet(IdempotentWrites, viewsets.GenericViewSet[M]):
    # Ids are integers (the schema says so, from the model); anything else is simply not found.
    permission_classes = [IsAuthenticated, IsStaffMember]

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    # The access function (programs.access) that finds one object for the user, called as
    # ``access_function(user, object_id, queryset=rows)``; a partial when it takes more.
    access_function: Callable[..., Any]

    def access(self, object_id: int, rows: QuerySet[M]) -> M:
        """The object ``object_id`` through its access function, loaded as ``rows`` (the list's
        queryset, filtered as the request asks) loads it."""
        # Read from the class: a plain function there is not bound as a method.
        found: M = type(self).access_function(self.user, object_id, queryset=rows)
        return found

    def get_object(self) -> M:
        """DRF's lookup, through ``access``: an id that is no integer is simply not found, and
        a refusal is DRF's own 404 or 403 (which the browsable API's forms expect)."""
        try:
            object_id = int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        except (TypeError, ValueError):
            raise NotFound() from None
        try:
            obj = self.access(object_id, self.filter_queryset(self.get_queryset()))
        except AccessDenied as denied:
            raise refusal(denied) from None
        self.check_object_permissions(self.request, obj)
        return obj

    def validated(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        """The request body checked by ``serializer_class``; a 400 naming the field if not."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(
        self,
        serializer_class: type[serializers.BaseSerializer[Any]],
        instance: Any,
        status_code: int = status.HTTP_200_OK,
        **context: Any,
    ) -> Response:
        context = {**self.get_serializer_context(), **context}
        return Response(serializer_class(instance, context=context).data, status=status_code)

    def change(
        self,
        service: Callable[..., Any],
        body: type[serializers.Serializer[Any]],
        answer: type[serializers.BaseSerializer[Any]],
        *,
        argument: str,
        arguments: Callable[[dict[str, Any]], Mapping[str, Any]] = dict,
    ) -> Response:
        """The object changed by ``service(actor=the user, <argument>=the object,
        **arguments(the body))``, the body checked by ``body`` (the object first, so one not
        found answers 404 before any 400), answered as ``answer`` shows it."""
        obj = self.get_object()
        data = self.validated(body)
        changed = service(actor=self.user, **{argument: obj}, **arguments(data))
        return self.respond(answer, changed)


def change_action(
    name: str,
    service: Callable[..., Any],
    body: type[serializers.Serializer[Any]],
    answer: type[serializers.BaseSerializer[Any]],
    *,
    argument: str,
    arguments: Callable[[dict[str, Any]], Mapping[str, Any]] = dict,
    description: str | None = None,
) -> Any:
    """A viewset's POST ``{id}/<name>/``: ``StaffViewSet.change`` with these arguments, in the
    schema with its body, its answer and the errors a change answers with. Assign it to the
    attribute ``name`` (DRF routes the action by its name)."""

    def act(self: StaffViewSet[Any], request: Request, pk: str) -> Response:
        return self.change(service, body, answer, argument=argument, arguments=arguments)

    act.__name__ = name
    routed = action(detail=True, methods=["post"])(act)
    return extend_schema(
        request=body, responses={200: answer, **CHANGE_ERRORS}, description=description
    )(routed)


class ReadOnlyStaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet[M]):
    """List and retrieve; subclasses add what else may be done."""


class PatientRecordViewSet(StaffViewSet[M]):
    """A staff viewset over a part of patients' records: every read leaves audit events.

    A list records one event per patient on the page it answers (in one query), a GET of one
    object (retrieve, or an action such as a program's preview) one event. Writes are audited
    by the services they call. ``patient_path`` leads from an object to its patient ("" when
    the object is the patient); the queryset selects it, so auditing reads nothing more.
    """

    record_name: str = ""
    patient_path: str = "patient"

    def patient_of(self, obj: Any) -> Patient:
        patient = attrgetter(self.patient_path)(obj) if self.patient_path else obj
        assert isinstance(patient, Patient)
        return patient

    def paginate_queryset(self, queryset: QuerySet[Any] | Sequence[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)  # type: ignore[arg-type]
        if page is not None and self.request.method in READS:
            audit_reads(
                actor=self.user,
                patients=[self.patient_of(obj) for obj in page],
                what=f"API {self.action}: {self.record_name}",
            )
        return page

    def get_object(self) -> M:
        obj = super().get_object()
        if self.request.method in READS:
            audit_record(
                actor=self.user,
                patient=self.patient_of(obj),
                action=AuditEvent.Action.READ,
                what=f"API {self.action}: {self.record_name} #{obj.pk}",
            )
        return obj


class ReadOnlyPatientRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientRecordViewSet[M]
):
    """List and retrieve a part of patients' records, audited; subclasses add the rest."""
