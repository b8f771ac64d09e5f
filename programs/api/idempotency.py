"""``Idempotency-Key`` on the API's writes: a request sent again with the same key (a retry
after a timeout, a tap sent twice) gets the first one's answer back, and is not done twice.

Every view that writes inherits ``IdempotentWrites`` (tests/programs/test_api_idempotency.py
fails on one that does not). With the header, the whole request runs in one transaction that
first claims the key (programs/services/idempotency.py), then does the write, then stores the
answer: a crash leaves neither the write nor the key. Only a success is kept; a refused
request changed nothing, so its key is let go and the corrected request may use it again.

- The same key, method, path and body again: the stored answer (status and body), with
  ``Idempotent-Replayed: true``.
- The same key with another request: 422 in the one error format; nothing is done.
- No header: the request is done as it always was. Two identical check-ins sent without a
  key are two check-ins: nothing can tell a repeat from a second answer.

Keys belong to the user who sent them and are forgotten after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.models import IdempotencyKey, User
from programs.services.idempotency import (
    idempotency_claim,
    idempotency_release,
    idempotency_store,
)

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Letters, digits and punctuation, no spaces: a UUID, or any client's own token.
KEY_PATTERN = re.compile(r"[!-~]{1,255}")
KEY_REFUSED = _("Use 1 to 255 letters, digits or punctuation marks (no spaces), such as a UUID.")
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Send a new key with "
        "each new request."
    )


class _Replay(Exception):
    """Raised after authentication to answer with the stored response instead of the view."""

    def __init__(self, record: IdempotencyKey) -> None:
        super().__init__(record.key)
        self.record = record


def _key(request: HttpRequest) -> str | None:
    value = request.headers.get(HEADER)
    if value is None:
        return None
    if not KEY_PATTERN.fullmatch(value):
        raise exceptions.ValidationError({HEADER: [KEY_REFUSED]})
    return value


def _plain(data: Any) -> Any:
    if isinstance(data, QueryDict):
        return {name: data.getlist(name) for name in data}
    return data


def request_hash(request: Request) -> str:
    """What makes two requests the same: method, path (with its query) and body, the body
    compared as parsed JSON, so key order and spacing do not count."""
    body = json.dumps(
        _plain(request.data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    text = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotentWrites(APIView):
    """Mix into every API view that writes, before DRF's view classes."""

    idempotency_record: IdempotencyKey | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in WRITE_METHODS or HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            record = self.idempotency_record
            if record is not None:
                if status.is_success(response.status_code) and isinstance(response, Response):
                    body = json.loads(JSONRenderer().render(response.data) or b"null")
                    idempotency_store(record=record, status=response.status_code, body=body)
                else:
                    idempotency_release(record=record)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if request.method not in WRITE_METHODS or not isinstance(request.user, User):
            return
        key = _key(request)
        if key is None:
            return
        claim = idempotency_claim(
            user=request.user,
            key=key,
            method=str(request.method),
            path=request.get_full_path()[:2000],  # the whole path is in the fingerprint
            request_hash=request_hash(request),
        )
        if claim.new:
            self.idempotency_record = claim.record
        elif claim.record.request_hash != request_hash(request):
            raise IdempotencyKeyReused()
        else:
            raise _Replay(claim.record)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            return Response(
                exc.record.response_body,
                status=exc.record.response_status,
                headers={REPLAYED_HEADER: "true"},
            )
        return super().handle_exception(exc)


HEADER_DESCRIPTION = (
    "Optional. A key of your choosing (a UUID) for this request: sent again with the same "
    "key and body, within 24 hours, the request is not done twice, and the answer is the "
    "first one's (with `Idempotent-Replayed: true`). The same key with a different request "
    "answers 422. Without a key, every request is done: two identical check-ins are saved "
    "as two."
)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the optional Idempotency-Key header on every write of
    a view that honours it."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if isinstance(self.view, IdempotentWrites) and self.method in WRITE_METHODS:
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"},
                    OpenApiParameter.HEADER,
                    required=False,
                    description=HEADER_DESCRIPTION,
                )
            )
        return parameters


def document_idempotency_conflict(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular hook: an operation that takes Idempotency-Key answers 422 to a key
    reused for another request, and 400 to a key that is not one, in the one error format."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    reused = {
        "description": "The Idempotency-Key was already used for a different request.",
        "content": content,
    }
    invalid = {
        "description": "The input is not valid; `errors` names each field (or the header).",
        "content": content,
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if HEADER in names:
                operation["responses"].setdefault("400", invalid)
                operation["responses"].setdefault("422", reused)
    return result
