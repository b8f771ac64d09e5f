"""An activity's picture or video, streamed from the storage to people who may see it.

Nothing under the storage is public: the file's address is this view, which asks
``programs.access.access_activity_media`` (the clinic's staff, whoever acts for a patient whose
program includes the activity) and answers 404 to anyone else, as for a file that does not
exist. The address carries the stored file's name, so a new file gets a new address and the
browser may keep the old one privately for a day.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.views.decorators.http import require_safe

from programs.access import AccessDenied, access_activity_media
from programs.models import Activity
from web.access import signed_in_user

# A file is shown, never run: an SVG that slipped past the upload's check still runs no script,
# loads nothing and reaches nothing (the sandbox), whoever opens its address.
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
# One range of bytes (what a phone's video player asks for; Safari plays nothing without it).
BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte ``header`` asks for within ``size``; None for the whole file (no
    header, or one this view does not read, such as several ranges); ValueError when the range
    lies outside the file."""
    match = BYTE_RANGE.match(header.strip())
    if match is None or not any(match.groups()):
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start > end or start >= size:
        raise ValueError(header)
    return start, end


def _bytes(handle: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    handle.seek(start)
    left = end - start + 1
    try:
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def media_path(activity: Activity) -> str | None:
    """The address of the activity's picture or video, or None when it has none."""
    if not activity.media_file:
        return None
    return reverse(
        "web:activity-media",
        kwargs={"activity_id": activity.pk, "name": os.path.basename(activity.media_file.name)},
    )


@require_safe
def activity_media(request: HttpRequest, activity_id: int, name: str) -> HttpResponseBase:
    user = signed_in_user(request)
    if user is None:
        raise Http404()
    try:
        activity = access_activity_media(user, activity_id)
    except AccessDenied:
        raise Http404() from None
    stored = activity.media_file.name or ""
    if not stored or os.path.basename(stored) != name:
        raise Http404()
    try:
        size = default_storage.size(stored)
        handle = default_storage.open(stored, "rb")
    except FileNotFoundError:
        raise Http404() from None
    content_type = activity.media_type or "application/octet-stream"
    response: HttpResponseBase
    try:
        wanted = byte_range(request.headers.get("Range", ""), size)
    except ValueError:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _guarded(response)
    if wanted is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        start, end = wanted
        response = StreamingHttpResponse(
            _bytes(handle, start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=86400"
    return _guarded(response)


def _guarded(response: HttpResponseBase) -> HttpResponseBase:
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response
