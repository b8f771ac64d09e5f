"""An activity's picture or video at /media/activities/<id>/<name>: streamed from the storage to
the roles of the access matrix who may see the activity, 404 to everyone else; and today's dose
line carries its address and description."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile

from programs import models
from programs.services import activity_media_attach
from tests.clients import web_client_for
from tests.programs import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'


def pictured(
    clinic: models.Clinic | None, name: str = "a.png", data: bytes = PNG
) -> models.Activity:
    activity = factories.ActivityFactory.create(clinic=clinic)
    return activity_media_attach(
        activity=activity,
        upload=ContentFile(data, name=name),
        text="A person stepping up",
        allow_global=True,
    )


def media_url(activity: models.Activity) -> str:
    return f"/media/activities/{activity.pk}/{activity.media_file.name.rsplit('/', 1)[1]}"


@pytest.fixture
def world() -> dict[str, object]:
    """The access matrix's roles around one clinic's activity in Maya's program."""
    clinic = factories.ClinicFactory.create()
    activity = pictured(clinic)
    maya = factories.patient(clinic=clinic, with_user=True)
    factories.active_program(patient=maya, activities=[factories.activity_choice(activity)])
    other = factories.patient(clinic=clinic, with_user=True)
    factories.active_program(patient=other)
    return {
        "activity": activity,
        "patient": maya.user,
        "guardian": factories.guardian(patient=maya).user,
        "therapist": factories.therapist(clinic=clinic),
        "clinic admin": factories.clinic_admin(clinic=clinic),
        "another patient": other.user,
        "another guardian": factories.guardian(patient=other).user,
        "another clinic's therapist": factories.therapist(),
        "stranger": factories.UserFactory.create(),
        "anonymous": AnonymousUser(),
    }


ANSWERS = {
    "patient": 200,
    "guardian": 200,
    "therapist": 200,
    "clinic admin": 200,
    "another patient": 404,
    "another guardian": 404,
    "another clinic's therapist": 404,
    "stranger": 404,
    "anonymous": 404,
}


@pytest.mark.parametrize(("role", "status"), ANSWERS.items())
def test_only_people_who_may_see_the_activity_get_its_picture(
    world: dict[str, object], role: str, status: int
) -> None:
    activity = world["activity"]
    assert isinstance(activity, models.Activity)
    user = world[role]
    client = web_client_for(user if isinstance(user, models.User) else None)

    response = client.get(media_url(activity))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
        assert (response["Content-Type"], response["Cache-Control"]) == (
            "image/png", "private, max-age=86400",
        )  # fmt: skip


def test_an_old_or_made_up_file_name_is_not_found(world: dict[str, object]) -> None:
    activity = world["activity"]
    assert isinstance(activity, models.Activity)
    client = web_client_for(world["patient"])  # type: ignore[arg-type]

    response = client.get(f"/media/activities/{activity.pk}/old.png")

    assert response.status_code == 404


def test_every_clinics_staff_see_the_global_librarys_pictures() -> None:
    shared = pictured(None)

    response = web_client_for(factories.therapist()).get(media_url(shared))

    assert response.status_code == 200


def test_an_svg_is_served_in_a_sandbox() -> None:
    shared = pictured(None, "walk.svg", SVG)

    response = web_client_for(factories.therapist()).get(media_url(shared))

    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_todays_page_gives_the_dose_its_picture_and_alt_text(world: dict[str, object]) -> None:
    activity = world["activity"]
    assert isinstance(activity, models.Activity)
    user = world["patient"]
    assert isinstance(user, models.User)
    maya = models.Patient.objects.get(user=user)

    response = web_client_for(maya.user).get(f"/p/{maya.pk}/today/")

    line = response.context["doses"][0]
    assert (line.media.url, line.media.kind, line.media.text) == (
        media_url(activity), "image", "A person stepping up",
    )  # fmt: skip


def test_a_video_player_gets_the_range_of_bytes_it_asks_for() -> None:
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4
    shared = pictured(None, "stairs.mp4", video)
    client = web_client_for(factories.therapist())

    part = client.get(media_url(shared), HTTP_RANGE="bytes=10-19")
    tail = client.get(media_url(shared), HTTP_RANGE="bytes=-5")
    outside = client.get(media_url(shared), HTTP_RANGE=f"bytes={len(video)}-")

    assert (part.status_code, part["Content-Range"]) == (206, f"bytes 10-19/{len(video)}")
    assert b"".join(part.streaming_content) == video[10:20]  # type: ignore[attr-defined]
    assert b"".join(tail.streaming_content) == video[-5:]  # type: ignore[attr-defined]
    assert (outside.status_code, outside["Content-Range"]) == (416, f"bytes */{len(video)}")
