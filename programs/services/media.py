"""An activity's picture or video: checked, stored through Django's storage, or removed.

A file is taken only when its name's extension and its first bytes agree on one of the types
below (PNG, JPEG, WebP and SVG pictures; MP4 and WebM videos), within the size set for its kind
(settings.MEDIA_MAX_IMAGE_BYTES, MEDIA_MAX_VIDEO_BYTES), with alt text for a picture or a caption
for a video.

SVG is a document that can carry script. It is taken only when it holds none: no script or
foreignObject element, no event attribute, no link out of the file, no DOCTYPE or entity. It is
also served with a sandboxing Content-Security-Policy (web/media.py), so a file that slipped
past this check still runs nothing.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from programs import cache as today_cache
from programs.models import Activity
from programs.services.inputs import checked_text, refuse

FILE_FIELD = "media_file"
TEXT_FIELD = "media_text"
MAX_MEDIA_TEXT = 300


@dataclass(frozen=True)
class MediaType:
    content_type: str
    kind: str  # "image" or "video"
    extensions: tuple[str, ...]


MEDIA_TYPES = (
    MediaType("image/png", "image", (".png",)),
    MediaType("image/jpeg", "image", (".jpg", ".jpeg")),
    MediaType("image/webp", "image", (".webp",)),
    MediaType("image/svg+xml", "image", (".svg",)),
    MediaType("video/mp4", "video", (".mp4", ".m4v")),
    MediaType("video/webm", "video", (".webm",)),
)
ACCEPTED_EXTENSIONS = ", ".join(ext for media in MEDIA_TYPES for ext in media.extensions)
# ISO base media brands that are pictures (HEIF, AVIF), not videos.
STILL_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"}
SVG_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "handler"}
SVG_START = re.compile(rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<svg[\s>]", re.DOTALL)


def sniffed_type(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None for none of ours."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] not in STILL_BRANDS:
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    if SVG_START.match(head.removeprefix(b"\xef\xbb\xbf")):
        return "image/svg+xml"
    return None


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def svg_problem(data: bytes) -> str | None:
    """Why an SVG may not be shown (it could run something or reach out), or None."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return _("is an SVG with a DOCTYPE, which is not allowed")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return _("is not a readable SVG file")
    if _local_name(root.tag) != "svg":
        return _("is not a readable SVG file")
    for element in root.iter():
        if _local_name(element.tag) in SVG_FORBIDDEN_TAGS:
            return _("is an SVG with a script or embedded content, which is not allowed")
        for name, value in element.attrib.items():
            attribute = _local_name(name)
            if attribute.startswith("on"):
                return _("is an SVG with a script or embedded content, which is not allowed")
            if attribute == "href" and not value.strip().startswith("#"):
                return _("is an SVG that links to other files, which is not allowed")
            if "javascript:" in value.lower() or re.search(r"url\(\s*['\"]?[^#'\"\s]", value):
                return _("is an SVG that links to other files, which is not allowed")
        if _local_name(element.tag) == "style" and re.search(
            r"url\(\s*['\"]?[^#'\"\s]|@import", element.text or ""
        ):
            return _("is an SVG that links to other files, which is not allowed")
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def checked_media(upload: File[bytes], text: object) -> tuple[MediaType, str]:
    """The upload's type and the checked alt text or caption; refused (naming the field and the
    limit) when the type, the size or the text is not right."""
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower()
    by_extension = next((m for m in MEDIA_TYPES if extension in m.extensions), None)
    if by_extension is None:
        raise refuse(
            FILE_FIELD,
            _("must be a picture or a video ending in %(extensions)s")
            % {"extensions": ACCEPTED_EXTENSIONS},
        )
    size = upload.size or 0
    limit = (
        settings.MEDIA_MAX_IMAGE_BYTES
        if by_extension.kind == "image"
        else settings.MEDIA_MAX_VIDEO_BYTES
    )
    if size == 0:
        raise refuse(FILE_FIELD, _("is empty"))
    if size > limit:
        words = (
            _("must be at most %(limit)s for a picture")
            if by_extension.kind == "image"
            else _("must be at most %(limit)s for a video")
        )
        raise refuse(FILE_FIELD, words % {"limit": _megabytes(limit)})
    upload.seek(0)
    data = upload.read() if by_extension.content_type == "image/svg+xml" else upload.read(512)
    upload.seek(0)
    if sniffed_type(data) != by_extension.content_type:
        raise refuse(
            FILE_FIELD,
            _("is not the %(extension)s file its name says it is") % {"extension": extension},
        )
    if by_extension.content_type == "image/svg+xml":
        problem = svg_problem(data)
        if problem:
            raise refuse(FILE_FIELD, problem)
    required = (
        _("describe the picture for people who cannot see it")
        if by_extension.kind == "image"
        else _("give the video a caption")
    )
    checked = checked_text(TEXT_FIELD, text, required=required, max_length=MAX_MEDIA_TEXT)
    return by_extension, checked


def _stored_name(activity: Activity, media: MediaType) -> str:
    owner = f"clinic-{activity.clinic_id}" if activity.clinic_id else "global"
    return f"activities/{owner}/{activity.pk}-{secrets.token_hex(6)}{media.extensions[0]}"


def _delete_later(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def activity_media_attach(
    *, activity: Activity, upload: File[bytes], text: object, allow_global: bool = False
) -> Activity:
    """Give ``activity`` the picture or video ``upload``, described by ``text`` (alt text for a
    picture, a caption for a video), in place of any it had. A clinic changes only its own
    activities (``allow_global``: the demo data and the admin's superuser may give the global
    library one)."""
    if activity.clinic_id is None and not allow_global:
        raise PermissionDenied(_("The global activity library cannot be changed."))
    media, checked = checked_media(upload, text)
    old = activity.media_file.name or ""
    name = default_storage.save(_stored_name(activity, media), upload)
    today_cache.library_changed()
    try:
        activity.media_file.name = name
        activity.media_kind = media.kind
        activity.media_type = media.content_type
        activity.media_text = checked
        activity.media_size = upload.size
        activity.save(
            update_fields=["media_file", "media_kind", "media_type", "media_text", "media_size"]
        )
    except BaseException:
        default_storage.delete(name)
        raise
    _delete_later(old)
    return activity


@transaction.atomic
def activity_media_remove(*, activity: Activity, allow_global: bool = False) -> Activity:
    """Take ``activity``'s picture or video away (the file goes once the change is saved)."""
    if activity.clinic_id is None and not allow_global:
        raise PermissionDenied(_("The global activity library cannot be changed."))
    old = activity.media_file.name or ""
    activity.media_file.name = ""
    activity.media_kind = activity.media_type = activity.media_text = ""
    activity.media_size = None
    activity.save(
        update_fields=["media_file", "media_kind", "media_type", "media_text", "media_size"]
    )
    _delete_later(old)
    today_cache.library_changed()
    return activity
