"""An activity's picture or video: the service's checks (type by name and content, size, alt
text or caption, the global library), and uploading it through the staff API and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from rest_framework.test import APIClient

from programs import models
from programs.services import activity_media_attach, activity_media_remove
from tests.programs.factories import ActivityFactory, ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'


def upload(name: str, data: bytes) -> ContentFile[bytes]:
    return ContentFile(data, name=name)


def problem(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


@pytest.fixture
def own() -> models.Activity:
    return ActivityFactory.create(clinic=ClinicFactory.create(), name="Stairs")


@pytest.mark.parametrize(
    ("name", "data", "kind", "content_type"),
    [
        ("stairs.png", PNG, "image", "image/png"),
        ("stairs.JPG", JPEG, "image", "image/jpeg"),
        ("stairs.webp", WEBP, "image", "image/webp"),
        ("stairs.svg", SVG, "image", "image/svg+xml"),
        ("stairs.mp4", MP4, "video", "video/mp4"),
        ("stairs.webm", WEBM, "video", "video/webm"),
    ],
)
def test_it_stores_each_kind_of_picture_and_video_with_its_description(
    own: models.Activity, name: str, data: bytes, kind: str, content_type: str
) -> None:
    activity_media_attach(activity=own, upload=upload(name, data), text="  Step up, step down ")

    own.refresh_from_db()
    assert (own.media_kind, own.media_type, own.media_text) == (
        kind, content_type, "Step up, step down",
    )  # fmt: skip
    assert (own.media_size, default_storage.open(own.media_file.name).read()) == (len(data), data)


def test_it_refuses_a_file_whose_content_is_not_what_its_name_says(own: models.Activity) -> None:
    with pytest.raises(ValidationError) as error:
        activity_media_attach(activity=own, upload=upload("stairs.png", JPEG), text="Stairs")

    assert problem(error) == {"media_file": ["is not the .png file its name says it is"]}
    assert not models.Activity.objects.get(pk=own.pk).media_file


def test_it_refuses_a_type_it_does_not_take_and_names_the_ones_it_does(
    own: models.Activity,
) -> None:
    with pytest.raises(ValidationError) as error:
        activity_media_attach(activity=own, upload=upload("stairs.gif", b"GIF89a"), text="x")

    assert problem(error)["media_file"][0].startswith(
        "must be a picture or a video ending in .png, .jpg, .jpeg, .webp, .svg"
    )


@override_settings(MEDIA_MAX_IMAGE_BYTES=1024 * 1024, MEDIA_MAX_VIDEO_BYTES=2 * 1024 * 1024)
def test_it_refuses_a_file_over_the_limit_of_its_kind_naming_the_limit(
    own: models.Activity,
) -> None:
    big_picture = upload("stairs.png", PNG + b"\x00" * (1024 * 1024))
    big_video = upload("stairs.mp4", MP4 + b"\x00" * (2 * 1024 * 1024))

    with pytest.raises(ValidationError) as picture:
        activity_media_attach(activity=own, upload=big_picture, text="Stairs")
    with pytest.raises(ValidationError) as video:
        activity_media_attach(activity=own, upload=big_video, text="Stairs")

    assert problem(picture) == {"media_file": ["must be at most 1 MB for a picture"]}
    assert problem(video) == {"media_file": ["must be at most 2 MB for a video"]}


def test_it_asks_for_alt_text_for_a_picture_and_a_caption_for_a_video(
    own: models.Activity,
) -> None:
    with pytest.raises(ValidationError) as picture:
        activity_media_attach(activity=own, upload=upload("a.png", PNG), text="  ")
    with pytest.raises(ValidationError) as video:
        activity_media_attach(activity=own, upload=upload("a.mp4", MP4), text="")

    assert problem(picture) == {"media_text": ["describe the picture for people who cannot see it"]}
    assert problem(video) == {"media_text": ["give the video a caption"]}


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="https://example.org/a.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://x.org/a.css";'
        b"</style></svg>",
    ],
    ids=["script", "event", "link-out", "foreign-object", "entity", "import"],
)
def test_it_refuses_an_svg_that_could_run_or_fetch_something(
    own: models.Activity, svg: bytes
) -> None:
    with pytest.raises(ValidationError) as error:
        activity_media_attach(activity=own, upload=upload("a.svg", svg), text="A drawing")

    assert list(problem(error)) == ["media_file"]
    assert not models.Activity.objects.get(pk=own.pk).media_file


def test_it_leaves_the_global_library_alone(own: models.Activity) -> None:
    shared = ActivityFactory.create(clinic=None)

    with pytest.raises(PermissionDenied):
        activity_media_attach(activity=shared, upload=upload("a.png", PNG), text="A drawing")

    assert not models.Activity.objects.get(pk=shared.pk).media_file


def test_a_new_file_replaces_the_old_one_and_removing_deletes_it(
    own: models.Activity, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        activity_media_attach(activity=own, upload=upload("a.png", PNG), text="First")
    first = own.media_file.name
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        activity_media_attach(activity=own, upload=upload("b.jpg", JPEG), text="Second")
    second = own.media_file.name
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        activity_media_remove(activity=own)

    own.refresh_from_db()
    assert (default_storage.exists(first), default_storage.exists(second)) == (False, False)
    assert (own.media_file.name, own.media_kind, own.media_text) == ("", "", "")
    assert own.media_size is None


# -- Through the staff API ---------------------------------------------------------------------


def multipart(name: str, data: bytes, text: str) -> dict[str, object]:
    return {"media_file": SimpleUploadedFile(name, data), "media_text": text}


def test_staff_upload_a_picture_to_their_clinics_activity(
    api: APIClient, clinic: models.Clinic
) -> None:
    activity = ActivityFactory.create(clinic=clinic)

    response = api.put(
        f"/api/v1/activities/{activity.id}/media/",
        multipart("stairs.png", PNG, "Stepping up"),
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["media"] == {
        "url": f"/media/activities/{activity.id}/"
        + models.Activity.objects.get(pk=activity.id).media_file.name.rsplit("/", 1)[1],
        "kind": "image",
        "content_type": "image/png",
        "text": "Stepping up",
        "size": len(PNG),
    }


def test_the_api_names_the_field_and_the_limit(api: APIClient, clinic: models.Clinic) -> None:
    activity = ActivityFactory.create(clinic=clinic)

    with override_settings(MEDIA_MAX_IMAGE_BYTES=1024 * 1024):
        response = api.put(
            f"/api/v1/activities/{activity.id}/media/",
            multipart("stairs.png", PNG + b"\x00" * (1024 * 1024), "Stepping up"),
            format="multipart",
        )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "media_file", "message": "must be at most 1 MB for a picture"}
    ]


def test_the_api_keeps_other_clinics_and_the_global_library_out(api: APIClient) -> None:
    elsewhere = ActivityFactory.create(clinic=ClinicFactory.create())
    shared = ActivityFactory.create(clinic=None)

    answers = [
        api.put(
            f"/api/v1/activities/{activity.id}/media/",
            multipart("a.png", PNG, "A drawing"),
            format="multipart",
        ).status_code
        for activity in (elsewhere, shared)
    ]

    assert answers == [404, 403]
    assert not models.Activity.objects.exclude(media_file="").exists()


def test_staff_remove_the_picture_through_the_api(api: APIClient, clinic: models.Clinic) -> None:
    activity = ActivityFactory.create(clinic=clinic)
    activity_media_attach(activity=activity, upload=upload("a.png", PNG), text="A drawing")

    response = api.delete(f"/api/v1/activities/{activity.id}/media/")

    assert (response.status_code, response.json()["media"]) == (200, None)


# -- Through the admin -------------------------------------------------------------------------


def admin_form(activity: models.Activity, **extra: object) -> dict[str, object]:
    return {
        "clinic": activity.clinic_id or "", "name": activity.name, "kind": activity.kind,
        "unit": activity.unit, "instructions": "", "media_url": "", "is_active": "on",
        "metres_per_minute": "", "seconds_per_repetition": "", **extra,
    }  # fmt: skip


@pytest.fixture
def operator_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_the_admin_attaches_a_picture_through_the_service(operator_client: Client) -> None:
    activity = ActivityFactory.create(clinic=None)

    response = operator_client.post(
        f"/admin/programs/activity/{activity.id}/change/",
        admin_form(
            activity,
            media_upload=SimpleUploadedFile("walk.svg", SVG),
            media_description="A person walking",
        ),
    )

    activity.refresh_from_db()
    assert response.status_code == 302
    assert (activity.media_type, activity.media_text) == ("image/svg+xml", "A person walking")


def test_the_admin_shows_the_limit_at_the_field(operator_client: Client) -> None:
    activity = ActivityFactory.create(clinic=None)

    with override_settings(MEDIA_MAX_VIDEO_BYTES=1024 * 1024):
        response = operator_client.post(
            f"/admin/programs/activity/{activity.id}/change/",
            admin_form(
                activity,
                media_upload=SimpleUploadedFile("a.mp4", MP4 + b"\x00" * (1024 * 1024)),
                media_description="A caption",
            ),
        )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "media_upload": ["must be at most 1 MB for a video"]
    }
