"""The API's one error format, for every error the API answers with.

    {"status": 400, "code": "invalid", "detail": "The input is not valid.",
     "errors": [{"field": "activities[0].goal_quota", "message": "must be at least 1"}]}

``errors`` lists field problems (``field`` is null for a problem with the request as a
whole). Services raise Django's ValidationError; the engine's PlannerInputError and DRF's own
exceptions all come out in this shape, never as a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from planner import PlannerInputError


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


# Built with inline_serializer because a declared field called ``errors`` would shadow the
# serializer's own ``errors`` attribute.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": FieldErrorSerializer(many=True),
    },
)


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """DRF's nested error detail as a flat list of (dotted field, message)."""
    if isinstance(detail, dict):
        items: list[dict[str, str | None]] = []
        for key, value in detail.items():
            name = str(key)
            if isinstance(key, int):
                # DRF's ListField reports its items by index: baseline_trials[1], not .1
                items.extend(flatten_errors(value, f"{prefix}[{key}]"))
            elif name in ("non_field_errors", "__all__"):
                items.extend(flatten_errors(value, prefix))
            else:
                items.extend(flatten_errors(value, f"{prefix}.{name}" if prefix else name))
        return items
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix or None, "message": str(item)} for item in detail]
        items = []
        for index, item in enumerate(detail):
            if item:
                items.extend(flatten_errors(item, f"{prefix}[{index}]"))
        return items
    return [{"field": prefix or None, "message": str(detail)}]


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {field: [str(message) for message in errors[0].messages] if len(errors) == 1
                 else [m for error in errors for m in error.messages]
                 for field, errors in exc.error_dict.items()}
            )  # fmt: skip
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, PlannerInputError):
        return exceptions.ValidationError({exc.field: [exc.problem]})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _as_drf(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = "The input is not valid."
    else:
        errors = []
        detail = (
            str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc.default_detail)
        )
    response.data = {
        "status": response.status_code,
        "code": exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
        "detail": detail,
        "errors": errors,
    }
    return response


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented errors of an operation, all in the one error format."""
    descriptions = {
        status.HTTP_400_BAD_REQUEST: "The input is not valid; `errors` names each field.",
        status.HTTP_401_UNAUTHORIZED: "Not signed in.",
        status.HTTP_403_FORBIDDEN: "Signed in, but not allowed to do this.",
        status.HTTP_404_NOT_FOUND: "No such object, or not one you may see.",
        status.HTTP_429_TOO_MANY_REQUESTS: "Too many attempts; try again later.",
    }
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=descriptions[code])
        for code in codes
    }


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404, for a URL no route matches (``/api/v1/patients/1.5/``): in the one error
    format under /api/, as the API's own 404s are; Django's page anywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"status": 404, "code": "not_found", "detail": "Not found.", "errors": []}, status=404
        )
    return page_not_found(request, exception)


def document_unsupported_media_type(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular hook: an operation that reads a body answers 415, in the one error
    format, to a body of a type it does not parse (or of no declared type at all)."""
    response = {
        "description": "The body's Content-Type is not one this operation reads.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["responses"].setdefault("415", response)
    return result
