"""activities/ (the global library and the clinic's own) and templates/."""

from __future__ import annotations

from functools import partial

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from programs import services
from programs.access import access_activity, access_template
from programs.api.filters import ActivityFilter
from programs.api.serializers import (
    ActivityCreateIn,
    ActivityMediaIn,
    ActivityOut,
    ActivityUpdateIn,
    TemplateCreateIn,
    TemplateOut,
)
from programs.api.staff.base import (
    CHANGE_ERRORS,
    CREATE_ERRORS,
    ReadOnlyStaffViewSet,
    documented_reads,
)
from programs.models import Activity, ProgramTemplate, TemplateActivity
from programs.selectors import activities_visible_to, templates_visible_to


@documented_reads(ActivityOut)
class ActivityViewSet(ReadOnlyStaffViewSet[Activity]):
    queryset = Activity.objects.none()  # the model, for the schema
    serializer_class = ActivityOut
    filterset_class = ActivityFilter
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Activity]:
        return activities_visible_to(self.user)

    def access(self, object_id: int, rows: QuerySet[Activity]) -> Activity:
        # The global library is read; only the clinic's own entries are changed (403).
        manage = self.request.method not in SAFE_METHODS
        return access_activity(self.user, object_id, manage=manage, queryset=rows)

    @extend_schema(request=ActivityCreateIn, responses={201: ActivityOut, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        activity = services.activity_create(**self.validated(ActivityCreateIn))
        return self.respond(ActivityOut, activity, status.HTTP_201_CREATED)

    @extend_schema(
        request=ActivityUpdateIn,
        responses={200: ActivityOut, **CHANGE_ERRORS},
        description="Change one of your clinic's own activities; the global library is "
        "read-only (403).",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        activity = services.activity_update(activity=activity, **self.validated(ActivityUpdateIn))
        return self.respond(ActivityOut, activity)

    @extend_schema(
        request={"multipart/form-data": ActivityMediaIn},
        responses={200: ActivityOut, **CHANGE_ERRORS},
        description="Give one of your clinic's own activities its picture or video (a "
        "multipart upload), in place of any it had. The type is checked by the file's name and "
        "its content; the size against the limit for its kind.",
    )
    # JSON is parsed too, so a body without a file is answered with the field it lacks (and
    # the browsable API can render the answer to a removal) rather than a bare 415 or a 500.
    @action(
        detail=True,
        methods=["put"],
        url_path="media",
        parser_classes=[MultiPartParser, JSONParser],
    )
    def media(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        data = self.validated(ActivityMediaIn)
        activity = services.activity_media_attach(
            activity=activity, upload=data["media_file"], text=data["media_text"]
        )
        return self.respond(ActivityOut, activity)

    @extend_schema(request=None, responses={200: ActivityOut, **CHANGE_ERRORS})
    @media.mapping.delete
    def remove_media(self, request: Request, pk: str) -> Response:
        """Take the picture or video away from one of your clinic's own activities."""
        activity = services.activity_media_remove(activity=self.get_object())
        return self.respond(ActivityOut, activity)


@documented_reads(TemplateOut)
class TemplateViewSet(ReadOnlyStaffViewSet[ProgramTemplate]):
    queryset = ProgramTemplate.objects.none()  # the model, for the schema
    serializer_class = TemplateOut
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[ProgramTemplate]:
        return templates_visible_to(self.user).prefetch_related(
            Prefetch(
                "template_activities",
                queryset=TemplateActivity.objects.select_related("activity").order_by(
                    "order", "id"
                ),
            )
        )

    access_function = partial(access_template, manage=False)

    @extend_schema(request=TemplateCreateIn, responses={201: TemplateOut, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        data = self.validated(TemplateCreateIn)
        entries = [services.TemplateEntry(**entry) for entry in data.pop("entries")]
        template = services.template_create(entries=entries, **data)
        return self.respond(TemplateOut, template, status.HTTP_201_CREATED)
