"""The activity library for staff: the activities their clinic may prescribe (its own and the
shared library), each with its picture or video; and, on one of the clinic's own activities, a
form to upload or replace that picture or video (with its alt text or caption) and a button to
remove it.

Every activity is found through ``programs.access.access_activity``, as the staff API finds it:
another clinic's activity is not found (404), and the shared library is shown but not changed
(403). The file is checked and stored by ``programs.services.media`` alone, which refuses a
wrong type, a file over its size limit or a missing description before anything is saved; the
page shows the refusal in the error summary, naming the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from programs import selectors, services
from programs.access import access_activity
from programs.models import Activity
from programs.services.media import MAX_MEDIA_TEXT, MEDIA_TYPES
from web.access import WebRequest, staff_page
from web.forms import add_service_errors
from web.labels import ACTIVITY_KINDS, UNITS, word
from web.patient.today import DoseMedia, dose_media

# What the file picker offers (the service still checks every file's name and content).
ACCEPT = ",".join(extension for media in MEDIA_TYPES for extension in media.extensions)


def megabytes(size: int) -> str:
    return _("%(size)s MB") % {"size": f"{size / (1024 * 1024):g}"}


class MediaForm(forms.Form):
    """A picture or video for an activity and its alt text or caption. The form asks for both;
    the service checks the type, the size and the length."""

    media_file = forms.FileField(
        label=gettext_lazy("Picture or video"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": gettext_lazy("Choose a picture or video to upload."),
            "empty": gettext_lazy("The file is empty. Choose another one."),
            "invalid": gettext_lazy("Choose a picture or video to upload."),
        },
    )
    media_text = forms.CharField(
        label=gettext_lazy("Alt text or caption"),
        max_length=MAX_MEDIA_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For a picture: what it shows, for people who cannot see it. For a video: a short "
            "caption."
        ),
        error_messages={
            "required": gettext_lazy(
                "Write the alt text for a picture, or the caption for a video."
            ),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["media_file"].help_text = _(
            "A picture (PNG, JPEG, WebP or SVG) up to %(image)s, or a video (MP4 or WebM) up "
            "to %(video)s."
        ) % {
            "image": megabytes(settings.MEDIA_MAX_IMAGE_BYTES),
            "video": megabytes(settings.MEDIA_MAX_VIDEO_BYTES),
        }


@dataclass(frozen=True)
class LibraryEntry:
    activity: Activity
    kind: str
    unit: str
    library: str  # the clinic's name, or the shared library
    media: DoseMedia | None

    @property
    def can_change(self) -> bool:
        return self.activity.clinic_id is not None


def _entry(activity: Activity) -> LibraryEntry:
    return LibraryEntry(
        activity=activity,
        kind=word(ACTIVITY_KINDS, activity.kind),
        unit=word(UNITS, activity.unit),
        library=activity.clinic.name if activity.clinic else _("Shared library"),
        media=dose_media(activity),
    )


def _found(request: WebRequest, activity_id: int, *, manage: bool) -> Activity:
    return access_activity(
        request.user,
        activity_id,
        manage=manage,
        queryset=Activity.objects.select_related("clinic"),
    )


@staff_page
def library(request: WebRequest) -> HttpResponse:
    entries = [_entry(activity) for activity in selectors.activity_library(request.user)]
    return render(request, "web/staff/library.html", {"entries": entries})


def _page(request: WebRequest, activity: Activity, form: MediaForm | None = None) -> HttpResponse:
    return render(
        request,
        "web/staff/library_activity.html",
        {"entry": _entry(activity), "form": form or MediaForm()},
        status=400 if form is not None else 200,
    )


@staff_page
def activity(request: WebRequest, activity_id: int) -> HttpResponse:
    return _page(request, _found(request, activity_id, manage=False))


@require_POST
@staff_page
def media_upload(request: WebRequest, activity_id: int) -> HttpResponse:
    activity = _found(request, activity_id, manage=True)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = services.activity_media_attach(
                activity=activity,
                upload=form.cleaned_data["media_file"],
                text=form.cleaned_data["media_text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Picture saved.") if saved.media_kind == "image" else _("Video saved."),
            )
            return redirect("web:library-activity", activity_id=activity.pk)
    return _page(request, activity, form)


@require_POST
@staff_page
def media_remove(request: WebRequest, activity_id: int) -> HttpResponse:
    activity = _found(request, activity_id, manage=True)
    if not activity.media_file:
        messages.info(request, _("This activity has no picture or video."))
    else:
        was_image = activity.media_kind == "image"
        services.activity_media_remove(activity=activity)
        messages.success(request, _("Picture removed.") if was_image else _("Video removed."))
    return redirect("web:library-activity", activity_id=activity.pk)
