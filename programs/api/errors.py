"""The API's one error format, for every error the API answers with.

    {"status": 400, "code": "invalid", "detail": "The input is not valid.",
     "errors": [{"field": "activities[0].goal_quota", "message": "must be at least 1",
                 "code": "input.at_least"}]}

``errors`` lists field problems (``field`` is null for a problem with the request as a
whole). ``message`` is in the reader's language; a problem the engine found carries its
stable ``code`` too (planner.reasons: the same code whatever the language), for a client to
act on rather than parse the words. Services raise Django's ValidationError; the engine's
PlannerInputError and DRF's own exceptions all come out in this shape, never as a 500; an
access function's AccessDenied (programs.access) is a 404, or a 403 for an object the user
sees but may not change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from planner import PlannerInputError
from programs import reasons
from programs.access import AccessDenied


class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField(help_text="What is wrong, in the reader's language.")
    code = serializers.CharField(
        required=False,
        help_text="For a problem the engine found: a stable machine code for it "
        "(`input.at_least`, `input.daily_cap`, ...), the same in every language. Absent "
        "otherwise.",
    )


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


def _problem(field: str, item: Any) -> dict[str, str | None]:
    problem: dict[str, str | None] = {"field": field or None, "message": str(item)}
    code = getattr(item, "code", None)
    if isinstance(code, str) and code in reasons.KINDS:
        problem["code"] = code
    return problem


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """DRF's nested error detail as a flat list of (dotted field, message, and the engine's
    code for a problem it found)."""
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
            return [_problem(prefix, item) for item in detail]
        items = []
        for index, item in enumerate(detail):
            if item:
                items.extend(flatten_errors(item, f"{prefix}[{index}]"))
        return items
    return [_problem(prefix, detail)]


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("The body is too large for this API.")


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        gettext("The body is too large: this API reads at most %(limit)s bytes.")
        % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )


def refusal(denied: AccessDenied) -> exceptions.APIException:
    """An access function's refusal as the API answers it: 404 for an object hidden from the
    user (as for an id of nothing), 403 with the reason for one they see but may not change."""
    return exceptions.NotFound() if denied.hidden else exceptions.PermissionDenied(denied.detail)


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, RequestDataTooBig):
        return _too_large()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(gettext("The body has too many fields."))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {field: _details(errors) for field, errors in exc.error_dict.items()}
            )
        return exceptions.ValidationError({"non_field_errors": _details([exc])})
    if isinstance(exc, PlannerInputError):
        error = reasons.planner_error(exc)
        return exceptions.ValidationError({exc.field: _details([error])})
    if isinstance(exc, AccessDenied):
        return refusal(exc)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    """Django's errors as DRF's, each message with its code (the engine's, where it has one)."""
    details: list[ErrorDetail] = []
    for error in errors:
        for item in error.error_list:
            message = item.message % item.params if item.params else item.message
            details.append(ErrorDetail(str(message), code=item.code or "invalid"))
    return details


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _as_drf(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = gettext("The input is not valid.")
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


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(status_code: int, code: str, detail: str) -> JsonResponse:
    body = {"status": status_code, "code": code, "detail": detail, "errors": []}
    return JsonResponse(body, status=status_code)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404, for a URL no route matches (``/api/v1/patients/1.5/``): in the one error
    format under /api/, as the API's own 404s are; Django's page anywhere else."""
    if _is_api(request):
        return _error(404, "not_found", gettext("Not found."))
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400, for what it refuses before or around a view (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE read by a middleware): under /api/, in the one error format,
    and a body too large is a 413."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    drf = _as_drf(exception)
    if isinstance(drf, exceptions.APIException) and not isinstance(drf, exceptions.ValidationError):
        return _error(drf.status_code, str(drf.default_code), str(drf.detail))
    return _error(400, "bad_request", gettext("The request is not one this API can read."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500: under /api/ in the one error format (the error itself is in the log)."""
    if _is_api(request):
        return _error(500, "error", gettext("Something went wrong on our side. Please try again."))
    return defaults.server_error(request)


def document_body_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular hook: an operation that reads a body answers, in the one error format,
    415 to a body of a type it does not parse (or of no declared type at all) and 413 to a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    responses = {
        "413": {"description": "The body is larger than the API reads.", "content": error},
        "415": {
            "description": "The body's Content-Type is not one this operation reads.",
            "content": error,
        },
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                for code, response in responses.items():
                    operation["responses"].setdefault(code, response)
    return result
