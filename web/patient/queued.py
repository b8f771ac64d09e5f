"""The short answers to a post the phone kept while it was offline and sends once it is back
(web/static/web/offline.js and offline-queue.js): a session's log, a check-in, a bout of the
guided session. The page's script sends such a post with the ``X-Gradus-Queued`` header and
reads a JSON answer instead of a page:

- ``saved`` or ``repeated`` (it had arrived before): the phone forgets its copy;
- ``refused`` (status 409), with the reason in the service's words, and ``invalid`` (400),
  with what is wrong in ``message`` and field by field in ``errors``: the phone keeps its copy
  and shows why until the person dismisses it.

Every answer has a ``message`` to show. A ``saved`` one may add ``url`` and ``link``, where to
go on and the words for it.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse
from django_stubs_ext import StrOrPromise

QUEUED_HEADER = "X-Gradus-Queued"
# When the phone kept the post, in milliseconds since 1970 by its clock (offline-queue.js).
KEPT_AT_FIELD = "kept_at"


def is_queued(request: HttpRequest) -> bool:
    return request.method == "POST" and request.headers.get(QUEUED_HEADER) == "1"


def saved(message: StrOrPromise, *, url: str = "", link: StrOrPromise = "") -> JsonResponse:
    body = {"result": "saved", "message": str(message)}
    if url:
        body.update({"url": url, "link": str(link)})
    return JsonResponse(body)


def repeated(message: StrOrPromise) -> JsonResponse:
    return JsonResponse({"result": "repeated", "message": str(message)})


def refused(message: StrOrPromise) -> JsonResponse:
    return JsonResponse({"result": "refused", "message": str(message)}, status=409)


def invalid(form: forms.Form) -> JsonResponse:
    errors = {name: [str(message) for message in found] for name, found in form.errors.items()}
    message = " ".join(message for found in errors.values() for message in found)
    return JsonResponse({"result": "invalid", "message": message, "errors": errors}, status=400)
