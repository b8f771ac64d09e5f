"""An activity's picture or video, streamed from the storage to people who may see it.

Nothing under the storage is public: the file's address is this view, which asks
``programs.access.access_activity_media`` (the clinic's staff, whoever acts for a patient whose
program includes the activity) and answers 404 to anyone else, as for a file that does not
exist. The address carries the stored file's name, so a new file gets a new address and the
browser may keep the old one privately for a day.
"""

from __future__ import annotations

import os

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_safe

from programs.access import AccessDenied, access_activity_media
from programs.models import Activity
from web.access import signed_in_user

# A file is shown, never run: an SVG that slipped past the upload's check still runs no script,
# loads nothing and reaches nothing (the sandbox), whoever opens its address.
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def media_path(activity: Activity) -> str | None:
    """The address of the activity's picture or video, or None when it has none."""
    if not activity.media_file:
        return None
    return reverse(
        "web:activity-media",
        kwargs={"activity_id": activity.pk, "name": os.path.basename(activity.media_file.name)},
    )


@require_safe
def activity_media(request: HttpRequest, activity_id: int, name: str) -> FileResponse:
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
        handle = default_storage.open(stored, "rb")
    except FileNotFoundError:
        raise Http404() from None
    response = FileResponse(handle, content_type=activity.media_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response
