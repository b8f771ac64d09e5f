"""Endpoints for patients and guardians, under /api/v1/me/.

A user acts for the patients of ``selectors.patients_acted_for_by``: a patient for themselves,
a guardian for their linked children. Any other patient is a 404, so an id reveals nothing. A
staff member who is neither a patient nor a guardian gets 403: their endpoints are elsewhere.

Nothing here changes a program: a patient or guardian logs sessions and submits check-ins,
and that is all.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from programs import access, selectors, services
from programs import cache as today_cache
from programs.api.authentication import ExpiringTokenAuthentication, refuse_if_expired
from programs.api.errors import error_responses
from programs.api.idempotency import IdempotentWrites
from programs.api.me_serializers import (
    BoutInputSerializer,
    CelebratedSerializer,
    CheckInCreatedSerializer,
    CheckInDueSerializer,
    CheckInInputSerializer,
    CheckInSerializer,
    MeSerializer,
    ProgressSerializer,
    SessionLogInputSerializer,
    SessionLogSerializer,
    SessionSerializer,
    TodaySerializer,
    UpcomingQuerySerializer,
)
from programs.api.permissions import NOT_FOR_STAFF, refuse_staff_acting_for_nobody
from programs.models import ActivityLog, CheckIn, Patient, PlannedSession, User
from programs.services.common import local_today
from programs.services.tokens import token_expires_at

TAGS = ["me"]
JSON = "application/json"


def _user(request: Request) -> User:
    user = request.user
    # IsAuthenticated (the default permission) has already turned anonymous requests away.
    assert isinstance(user, User)
    return user


def acted_for(request: Request, patient_id: int, *, time_zone_only: bool = False) -> Patient:
    """The patient ``patient_id`` if the user acts for them (``access.access_patient``); 404
    otherwise, or 403 for a staff member who acts for nobody."""
    user = _user(request)
    try:
        return access.access_patient(user, patient_id, manage=False, time_zone_only=time_zone_only)
    except access.AccessDenied:
        refuse_staff_acting_for_nobody(user)
        raise


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="Who I am and the patients I may act for",
        responses={200: MeSerializer, **error_responses(401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        patients = list(selectors.patients_acted_for_summary(user))
        is_staff = selectors.is_staff_member(user)
        if not patients and is_staff:
            raise PermissionDenied(NOT_FOR_STAFF)
        relations = {getattr(patient, "relation", None) for patient in patients}
        roles = [
            *(["patient"] if "self" in relations else []),
            *(["guardian"] if relations - {"self", None} else []),
            *(["staff"] if is_staff else []),
        ]
        me = {
            "id": user.id,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "roles": roles,
            "patients": patients,
        }
        return Response(MeSerializer(me).data)


class TokenAuthenticationLean(ExpiringTokenAuthentication):
    """The API's token authentication, with the token and its user read by one query written
    out (the ORM took longer to build it than the database to answer). The same checks: an
    unknown token, an inactive user or an expired token is refused."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        with connection.cursor() as cursor:
            cursor.execute(_token_user_sql(), [key])
            row = cursor.fetchone()
        if row is None:
            raise AuthenticationFailed(gettext("Invalid token."))
        *user_row, created = row
        user = User.from_db(None, _user_fields(), user_row)
        if not user.is_active:
            raise AuthenticationFailed(gettext("User inactive or deleted."))
        token = Token(key=key, user=user, created=_aware(created))
        refuse_if_expired(token)
        return user, token


def _aware(value: Any) -> Any:
    """A datetime column read by a raw query, as the ORM would give it: aware, in UTC (SQLite
    gives a naive one, or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


@cache
def _user_fields() -> list[str]:
    return [f.attname for f in User._meta.concrete_fields]


@cache
def _token_user_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"u.{quote(f.column)}" for f in User._meta.concrete_fields)
    return (
        f"SELECT {columns}, t.{quote(Token._meta.get_field('created').column)} "
        f"FROM {quote(Token._meta.db_table)} t "
        f"JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = "
        f"t.{quote(Token._meta.get_field('user').column)} "
        f"WHERE t.{quote(Token._meta.get_field('key').column)} = %s"
    )


class TodayView(APIView):
    """Today's session. A request whose token holds a current grant for the patient, with a
    current answer (programs/cache.py), is answered from one cache read in ``dispatch``,
    before DRF: no database, no authentication classes, no content negotiation. Anything else
    (another Accept, a query string, a miss) goes through DRF as every view does, and an
    error answer always does."""

    # The grant version read before DRF authenticated the token, for ``store_grant``.
    grant_version: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        token_key = _plain_token(request)
        if token_key is not None:
            digest = today_cache.token_digest(token_key)
            found = today_cache.lookup_today(digest, kwargs["patient_id"])
            if found.body is not None:
                return self._cached_response(found.body)
            self.grant_version = found.grant_version or today_cache.grant_version(digest)
        return super().dispatch(request, *args, **kwargs)

    def _cached_response(self, body: bytes) -> HttpResponse:
        # The bytes and headers DRF gives the same answer (finalize_response): Allow, Vary.
        response = HttpResponse(body, content_type=JSON)
        for name, value in self.default_response_headers.items():
            response[name] = value
        return response

    def get_authenticators(self) -> list[BaseAuthentication]:
        authenticators = super().get_authenticators()
        # drf-spectacular documents the view's usual classes (the same security scheme).
        if getattr(self, "swagger_fake_view", False):
            return authenticators
        return [
            TokenAuthenticationLean() if type(each) is ExpiringTokenAuthentication else each
            for each in authenticators
        ]

    @extend_schema(
        operation_id="me_today_retrieve",
        summary="Today's session, in the patient's own time zone",
        description=(
            "`session` is null when there is nothing planned today; `next_session_date` then "
            "says when the next session is. Each dose gives the amount, the heart-rate and "
            "OMNI exertion targets and the activity's instructions. `log` is set once logged."
        ),
        responses={200: TodaySerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, patient_id: int) -> HttpResponseBase:
        # A miss in dispatch. The access check reads only the time zone: the answer itself
        # is usually cached (programs/cache.py), rendered. The grant stored below is this
        # check's verdict, kept for the token.
        patient = acted_for(request, patient_id, time_zone_only=True)
        if self.grant_version and isinstance(request.auth, Token):
            today_cache.store_grant(
                today_cache.token_digest(request.auth.key),
                patient.id,
                self.grant_version,
                patient.time_zone,
                token_expires_at(request.auth.created),
            )
        today = local_today(patient)
        body, versions = today_cache.cached_today(patient.id, today)
        if body is None:
            versions = versions or today_cache.current_versions(patient.id)
            session = selectors.session_for_day(patient, today, with_bouts=True)
            next_date = None if session else selectors.next_session_date(patient, after=today)
            data = TodaySerializer(
                {"date": today, "session": session, "next_session_date": next_date}
            ).data
            body = JSONRenderer().render(data)
            today_cache.store_today(patient.id, today, versions, body)
            if request.accepted_media_type != JSON:
                return Response(data)
        elif request.accepted_media_type != JSON:  # the browsable API, or JSON indented
            return Response(json.loads(body))
        # The same bytes and headers as DRF's JSONRenderer would give.
        return HttpResponse(body, content_type=JSON)


def _plain_token(request: HttpRequest) -> str | None:
    """The key of an ``Authorization: Token <key>`` header written as DRF's tokens are (one
    space, letters and digits) on a plain GET for JSON; None for anything else, which DRF then
    handles (and refuses, if it should)."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    if request.META.get("HTTP_ACCEPT", "*/*") not in ("*/*", JSON):
        return None
    keyword, _, key = str(request.META.get("HTTP_AUTHORIZATION", "")).partition(" ")
    if keyword.lower() != "token" or not key.isascii() or not key.isalnum():
        return None
    return key


class UpcomingSessionsView(GenericAPIView[Any]):
    filter_backends: list[type] = []
    # The browsable API asks any list view for its queryset; without one it failed (500).
    queryset = PlannedSession.objects.none()

    @extend_schema(
        operation_id="me_sessions_list",
        summary="Upcoming sessions, today first",
        parameters=[UpcomingQuerySerializer],
        responses={200: SessionSerializer(many=True), **error_responses(400, 401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        query = UpcomingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sessions = selectors.upcoming_sessions(
            patient, days=query.validated_data["days"], with_bouts=True
        )
        page = self.paginate_queryset(sessions)
        return self.get_paginated_response(SessionSerializer(page or [], many=True).data)


def _planned_activities(session: PlannedSession) -> dict[str, int]:
    """The session's activities, by the key a log names them with, as program activity ids."""
    return {dose.program_activity.key: dose.program_activity_id for dose in session.doses.all()}


class SessionLogView(IdempotentWrites, APIView):
    @extend_schema(
        operation_id="me_session_log_create",
        summary="Log a session (or correct its log)",
        description=(
            "Each result names its activity by the `activity` key of the session's doses. "
            "Answers 201 with a new log, 200 when it replaced the session's earlier log. "
            "Refused (400, field `session`, nothing saved): a session whose day has not come "
            "yet; a session planned after the program was paused, until the therapist "
            "resumes it (the sessions before the pause can still be logged); any session of "
            "a discharged program."
        ),
        request=SessionLogInputSerializer,
        responses={
            201: SessionLogSerializer,
            200: SessionLogSerializer,
            **error_responses(400, 401, 403, 404),
        },
        tags=TAGS,
    )
    def post(self, request: Request, patient_id: int, session_id: int) -> Response:
        patient = acted_for(request, patient_id)
        session = access.access_own_session(patient, session_id)
        planned = _planned_activities(session)
        data = SessionLogInputSerializer(data=request.data, context={"planned": planned})
        data.is_valid(raise_exception=True)
        corrected = getattr(session, "log", None) is not None
        log = services.session_log(
            actor=_user(request),
            session=session,
            status=data.validated_data["status"],
            results=[
                services.ResultInput(
                    program_activity_id=result["activity"],
                    amount=result["amount"],
                    exertion=result["exertion"],
                    note=result["note"],
                )
                for result in data.validated_data.get("results", [])
            ],
            note=data.validated_data["note"],
        ).log
        prefetch_related_objects(
            [log], Prefetch("results", ActivityLog.objects.select_related("program_activity"))
        )
        return Response(
            SessionLogSerializer(log).data,
            status=status.HTTP_200_OK if corrected else status.HTTP_201_CREATED,
        )


class SessionBoutView(IdempotentWrites, APIView):
    @extend_schema(
        operation_id="me_session_bout_create",
        summary="Log one time of an activity done several times a day",
        description=(
            "For a dose done `times_per_day` times a day, each time is logged on its own when "
            "it is done (`bout` 1 to `times_per_day`); sending a time again replaces it. The "
            "session's log is then worked out from every time saved: an activity's amount is "
            "the day's total shared over its times, its exertion the hardest any time felt, "
            "and the session is done once every activity's total meets its dose. Answers with "
            "the session as it now is: 201 for a time not saved before, 200 when it replaced "
            "one. Refused (400, nothing saved) as a session's log is: field `session` for a "
            "day that has not come, a paused or a discharged program; `activity` for one not "
            "in this session; `bout` above the dose's times a day; `amount` for an amount "
            "no one could have done."
        ),
        request=BoutInputSerializer,
        responses={
            201: SessionSerializer,
            200: SessionSerializer,
            **error_responses(400, 401, 403, 404),
        },
        tags=TAGS,
    )
    def post(self, request: Request, patient_id: int, session_id: int) -> Response:
        patient = acted_for(request, patient_id)
        session = access.access_own_session(patient, session_id)
        planned = _planned_activities(session)
        data = BoutInputSerializer(data=request.data, context={"planned": planned})
        data.is_valid(raise_exception=True)
        activity_id, number = data.validated_data["activity"], data.validated_data["bout"]
        replaced = any(
            bout.program_activity_id == activity_id and bout.number == number
            for bout in selectors.session_bouts(session)
        )
        services.session_bout_log(
            actor=_user(request),
            session=session,
            program_activity_id=activity_id,
            bout=number,
            amount=data.validated_data["amount"],
            exertion=data.validated_data["exertion"],
        )
        now = selectors.patient_session(patient, session.pk, with_bouts=True)
        return Response(
            SessionSerializer(now).data,
            status=status.HTTP_200_OK if replaced else status.HTTP_201_CREATED,
        )


class CheckInsView(IdempotentWrites, GenericAPIView[Any]):
    filter_backends: list[type] = []
    # The browsable API and OPTIONS ask for these; without them each failed (500).
    queryset = CheckIn.objects.none()
    serializer_class = CheckInInputSerializer

    @extend_schema(
        operation_id="me_check_ins_list",
        summary="The patient's check-ins, newest first",
        responses={200: CheckInSerializer(many=True), **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        page = self.paginate_queryset(selectors.patient_check_ins(patient))
        return self.get_paginated_response(CheckInSerializer(page or [], many=True).data)

    @extend_schema(
        operation_id="me_check_ins_create",
        summary="Submit a check-in",
        description=(
            "Two questions must be answered, so that a check-in sent empty is never read as "
            '"no flare, no red flag": `flare` (true or false; there is no default) and '
            "`red_flags` (the signs reported; `[]` only together with `no_red_flags: true`, "
            'the person\'s own "none of these"). Everything else is optional. The FDI is '
            "all 15 answers or none, asked only when due (`fdi_due` of GET "
            ".../check-ins/due/: at the program's first check-in, then every "
            "`fdi_every_weeks` weeks), as the web page asks it. Answers sent when it is not "
            "due are refused (field `fdi_answers`), except in the week after one was answered "
            "(a form opened while it was due); a check-in without them when it is due is "
            "taken, and the FDI is asked again the next time. Ranges: "
            "sleep 0-24 hours in half hours, sleep quality "
            "and mood 1-5, school days scheduled 0-7, attended 0 to those scheduled (and not "
            "without them), pain 0-10. Every refused answer is named in `errors`, all at "
            "once, and nothing is saved.\n\n"
            "Any red flag pauses the program and alerts the therapist at once; the answer "
            "then carries `guidance` for the patient, to show before anything else. For "
            "thoughts of self-harm (`guidance_kind` crisis) it leads with the crisis line, and "
            "`crisis_line` gives the links to call or text 988 and to call 911; for other red "
            "flags (`contact_doctor`) it says to contact the doctor. Pain is recorded if given "
            "and never changes a dose.\n\n"
            "Sent again with the same `Idempotency-Key`, a check-in is saved (and its alert "
            "raised) once. Without a key, the same answers sent twice are two check-ins: a "
            "repeat cannot be told from a second answer."
        ),
        request=CheckInInputSerializer,
        responses={201: CheckInCreatedSerializer, **error_responses(400, 401, 403, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        data = CheckInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.check_in_submit(
            actor=_user(request), patient=patient, fdi_as_scheduled=True, **data.validated_data
        )
        return Response(CheckInCreatedSerializer(result).data, status=status.HTTP_201_CREATED)


class CheckInDueView(APIView):
    @extend_schema(
        operation_id="me_check_in_due_retrieve",
        summary="What the next check-in asks: whether it waits, and whether the FDI is due",
        description=(
            "Build the check-in form from this: the 15 FDI questions (`fdi_items`, each "
            "offering the answers of `fdi_choices`) only when `fdi_due`. The same rule "
            "decides what POST .../check-ins/ takes."
        ),
        responses={200: CheckInDueSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        return Response(CheckInDueSerializer(selectors.check_in_due(patient)).data)


class ProgressView(APIView):
    @extend_schema(
        operation_id="me_progress_retrieve",
        summary="What the patient has done: active minutes, adherence, function over time",
        description="There is no pain in this summary, on purpose: it leads with what the "
        "patient did.",
        responses={200: ProgressSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        return Response(ProgressSerializer(selectors.progress(patient, with_milestones=True)).data)


class MilestonesCelebrateView(IdempotentWrites, APIView):
    @extend_schema(
        operation_id="me_milestones_celebrate",
        summary="Take the milestones to celebrate now, and mark them celebrated",
        description=(
            "Answers with the milestones of the patient's program not celebrated yet (the "
            "ones `celebrated: false` in the progress), and marks them celebrated: show "
            "those in this answer. Each is handed out once, whoever asks (the patient on "
            "another phone, the web's finish screen, a guardian), so a second call answers "
            "with none; sent again with the same `Idempotency-Key`, the first answer comes "
            "back. No body. Empty without a program."
        ),
        request=None,
        responses={200: CelebratedSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, patient_id: int) -> Response:
        patient = acted_for(request, patient_id)
        program = selectors.progress_program(patient)
        milestones = services.milestones_celebrate(program=program) if program else []
        return Response(CelebratedSerializer({"milestones": milestones}).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", MeView.as_view(), name="me"),
    path("patients/<int:patient_id>/today/", TodayView.as_view(), name="me-today"),
    path("patients/<int:patient_id>/sessions/", UpcomingSessionsView.as_view(), name="me-sessions"),
    path(
        "patients/<int:patient_id>/sessions/<int:session_id>/log/",
        SessionLogView.as_view(),
        name="me-session-log",
    ),
    path(
        "patients/<int:patient_id>/sessions/<int:session_id>/bouts/",
        SessionBoutView.as_view(),
        name="me-session-bouts",
    ),
    path("patients/<int:patient_id>/check-ins/", CheckInsView.as_view(), name="me-check-ins"),
    path(
        "patients/<int:patient_id>/check-ins/due/",
        CheckInDueView.as_view(),
        name="me-check-in-due",
    ),
    path("patients/<int:patient_id>/progress/", ProgressView.as_view(), name="me-progress"),
    path(
        "patients/<int:patient_id>/milestones/celebrate/",
        MilestonesCelebrateView.as_view(),
        name="me-milestones-celebrate",
    ),
]
