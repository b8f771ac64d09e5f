"""The staff's activity library at /clinic/library/: the clinic's own and the shared activities,
each with its picture or video; on the clinic's own, a form that uploads or replaces the picture
(with its alt text) or video (with its caption) through programs.services.media, and a button
that removes it. A refusal names the field and the limit in the error summary and saves nothing;
another clinic's staff find nothing (404), and patients and guardians are refused (403)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, HttpResponseBase
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from programs import models
from programs.services import activity_media_attach
from tests.clients import web_client_for
from tests.programs import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
ALT = "A teen stepping up onto a low step"


@dataclass
class Library:
    clinic: models.Clinic
    therapist: models.User
    own: models.Activity  # the clinic's, with no picture yet
    shared: models.Activity  # the global library's
    theirs: models.Activity  # another clinic's

    @property
    def page(self) -> str:
        return f"/clinic/library/{self.own.pk}/"

    @property
    def upload(self) -> str:
        return f"/clinic/library/{self.own.pk}/media/"

    @property
    def remove(self) -> str:
        return f"/clinic/library/{self.own.pk}/media/remove/"


@pytest.fixture
def library() -> Library:
    clinic = factories.ClinicFactory.create(name="Riverside Clinic")
    return Library(
        clinic=clinic,
        therapist=factories.therapist(clinic=clinic),
        own=factories.ActivityFactory.create(
            clinic=clinic, name="Step-ups", kind="functional", unit="repetitions"
        ),
        shared=factories.ActivityFactory.create(name="Walking"),
        theirs=factories.ActivityFactory.create(
            clinic=factories.ClinicFactory.create(), name="Their own stretch"
        ),
    )


def pictured(activity: models.Activity, name: str = "step.png", data: bytes = PNG) -> None:
    activity_media_attach(
        activity=activity, upload=ContentFile(data, name=name), text=ALT, allow_global=True
    )
    activity.refresh_from_db()


def media_url(activity: models.Activity) -> str:
    return f"/media/activities/{activity.pk}/{activity.media_file.name.rsplit('/', 1)[1]}"


def stored(clinic: models.Clinic) -> list[str]:
    """The files kept for the clinic's activities."""
    folder = f"activities/clinic-{clinic.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def sent(name: str, data: bytes, text: str = ALT) -> dict[str, object]:
    return {"media_file": SimpleUploadedFile(name, data), "media_text": text}


def body(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse)
    return response.content.decode()


# -- The list ----------------------------------------------------------------------------------


def test_the_library_lists_the_clinics_and_the_shared_activities_with_their_pictures(
    library: Library, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    pictured(library.own)
    client.force_login(library.therapist)

    with django_assert_num_queries(5):
        response = client.get("/clinic/library/")

    text = body(response)
    assert response.status_code == 200
    assert f'<a href="/clinic/library/{library.own.pk}/">Step-ups</a>' in text
    assert f'<img class="thumb" src="{media_url(library.own)}" alt="">' in text
    assert "Walking" in text and "Shared library" in text and "Riverside Clinic" in text
    assert "Their own stretch" not in text


def test_the_staff_pages_link_to_the_library(library: Library, client: Client) -> None:
    client.force_login(library.therapist)

    text = body(client.get("/clinic/"))

    assert '<a href="/clinic/library/" >Activity library</a>' in text


def test_the_librarys_queries_do_not_grow_with_its_activities(
    library: Library, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(5):
        pictured(factories.ActivityFactory.create(clinic=library.clinic, name=f"Drill {number}"))
    client.force_login(library.therapist)

    with django_assert_num_queries(5):
        response = client.get("/clinic/library/")

    assert body(response).count('class="thumb"') == 5


# -- One activity's page -----------------------------------------------------------------------


def test_the_page_shows_the_picture_with_its_alt_text_and_the_upload_form(
    library: Library, client: Client
) -> None:
    pictured(library.own)
    client.force_login(library.therapist)

    text = body(client.get(library.page))

    assert f'<img src="{media_url(library.own)}" alt="{ALT}">' in text
    assert f"Alt text:</strong> {ALT}" in text
    assert 'enctype="multipart/form-data"' in text and "Remove the picture" in text


def test_the_page_shows_a_video_with_its_caption(library: Library, client: Client) -> None:
    pictured(library.own, "step.mp4", MP4)
    client.force_login(library.therapist)

    text = body(client.get(library.page))

    assert f'<video src="{media_url(library.own)}" controls' in text
    assert f"Caption:</strong> {ALT}" in text


def test_the_page_names_the_limits_before_anything_is_sent(
    library: Library, client: Client
) -> None:
    client.force_login(library.therapist)

    text = body(client.get(library.page))

    assert "This activity has no picture or video yet." in text
    assert "(PNG, JPEG, WebP or SVG) up to 5 MB, or a video (MP4 or WebM) up to 50 MB" in text


def test_a_shared_activity_is_shown_without_a_form(library: Library, client: Client) -> None:
    client.force_login(library.therapist)

    response = client.get(f"/clinic/library/{library.shared.pk}/")

    assert response.status_code == 200
    assert "Your clinic cannot change it." in body(response)
    assert '<form class="form media-form"' not in body(response)


# -- Upload, replace, remove -------------------------------------------------------------------


def test_staff_upload_a_picture_with_its_alt_text(library: Library, client: Client) -> None:
    client.force_login(library.therapist)

    response = client.post(library.upload, sent("step.png", PNG), follow=True)

    library.own.refresh_from_db()
    assert response.redirect_chain == [(library.page, 302)]
    assert "Picture saved." in body(response)
    assert (library.own.media_kind, library.own.media_text, library.own.media_size) == (
        "image", ALT, len(PNG),
    )  # fmt: skip


def test_a_new_picture_replaces_the_old_one_and_its_file(
    library: Library,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    pictured(library.own)
    old = library.own.media_file.name
    client.force_login(library.therapist)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(library.upload, sent("step.jpg", JPEG, "A new step"))

    library.own.refresh_from_db()
    assert response.status_code == 302
    assert (library.own.media_type, library.own.media_text) == ("image/jpeg", "A new step")
    assert not default_storage.exists(old)
    assert stored(library.clinic) == [library.own.media_file.name.rsplit("/", 1)[1]]


def test_staff_remove_the_picture_and_its_file(
    library: Library,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    pictured(library.own)
    client.force_login(library.therapist)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(library.remove, follow=True)

    library.own.refresh_from_db()
    assert "Picture removed." in body(response)
    assert (library.own.media_file.name, library.own.media_text) == ("", "")
    assert stored(library.clinic) == []


def test_removing_when_there_is_nothing_to_remove_says_so(library: Library, client: Client) -> None:
    client.force_login(library.therapist)

    response = client.post(library.remove, follow=True)

    assert "This activity has no picture or video." in body(response)


# -- Refusals: the field, the limit, nothing saved ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            sent("step.gif", b"GIF89a" + b"\x00" * 16),
            '<a href="#id_media_file">Picture or video: must be a picture or a video ending in '
            ".png, .jpg, .jpeg, .webp, .svg, .mp4, .m4v, .webm</a>",
        ),
        (
            sent("step.png", JPEG),
            '<a href="#id_media_file">Picture or video: is not the .png file its name says it '
            "is</a>",
        ),
        (
            sent("step.png", PNG + b"\x00" * (1024 * 1024)),
            '<a href="#id_media_file">Picture or video: must be at most 1 MB for a picture</a>',
        ),
        (
            sent("step.mp4", MP4 + b"\x00" * (2 * 1024 * 1024)),
            '<a href="#id_media_file">Picture or video: must be at most 2 MB for a video</a>',
        ),
        (
            sent("step.png", PNG, "   "),
            '<a href="#id_media_text">Alt text or caption: Write the alt text for a picture, '
            "or the caption for a video.</a>",
        ),
        (
            {"media_text": ALT},
            '<a href="#id_media_file">Picture or video: Choose a picture or video to upload.</a>',
        ),
    ],
    ids=[
        "wrong-type",
        "not-what-it-says",
        "picture-too-big",
        "video-too-big",
        "no-alt-text",
        "no-file",
    ],
)
@override_settings(MEDIA_MAX_IMAGE_BYTES=1024 * 1024, MEDIA_MAX_VIDEO_BYTES=2 * 1024 * 1024)
def test_a_refused_upload_names_the_problem_and_keeps_the_old_picture(
    library: Library, client: Client, data: dict[str, object], problem: str
) -> None:
    pictured(library.own)
    before = stored(library.clinic)
    client.force_login(library.therapist)

    response = client.post(library.upload, data)

    text = body(response)
    library.own.refresh_from_db()
    assert response.status_code == 400
    assert text.count("data-error-summary") == 1 and problem in text
    assert (library.own.media_type, library.own.media_text) == ("image/png", ALT)
    assert stored(library.clinic) == before


def test_a_too_long_alt_text_is_refused_with_its_limit(library: Library, client: Client) -> None:
    client.force_login(library.therapist)

    response = client.post(library.upload, sent("step.png", PNG, "x" * 301))

    assert response.status_code == 400
    assert "Ensure this value has at most 300 characters (it has 301)." in body(response)
    assert stored(library.clinic) == []


# -- Who may ------------------------------------------------------------------------------------


def roles(library: Library) -> dict[str, models.User | None]:
    """The access matrix's roles around the clinic's activity."""
    maya = factories.patient(clinic=library.clinic, with_user=True)
    return {
        "therapist": library.therapist,
        "clinic admin": factories.clinic_admin(clinic=library.clinic),
        "another clinic's therapist": factories.therapist(),
        "patient": maya.user,
        "guardian": factories.guardian(patient=maya).user,
        "stranger": factories.UserFactory.create(),
        "anonymous": None,
    }


# What each role gets from the page, an upload and a removal: the clinic's staff reach it,
# another clinic's staff find nothing, anyone who is not staff is refused before any lookup.
ANSWERS = {
    "therapist": (200, 302, 302),
    "clinic admin": (200, 302, 302),
    "another clinic's therapist": (404, 404, 404),
    "patient": (403, 403, 403),
    "guardian": (403, 403, 403),
    "stranger": (403, 403, 403),
    "anonymous": (302, 302, 302),
}


@pytest.mark.parametrize(("role", "answers"), ANSWERS.items())
def test_only_the_clinics_staff_reach_and_change_its_activity(
    library: Library, role: str, answers: tuple[int, int, int]
) -> None:
    client = web_client_for(roles(library)[role])
    changed = role in ("therapist", "clinic admin")

    page = client.get(library.page)
    upload = client.post(library.upload, sent("step.png", PNG, "Changed"))
    library.own.refresh_from_db()
    text = library.own.media_text
    remove = client.post(library.remove)

    library.own.refresh_from_db()
    assert (page.status_code, upload.status_code, remove.status_code) == answers
    assert text == ("Changed" if changed else "")
    if role == "anonymous":
        assert upload["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize(("role", "status"), [(r, a[0]) for r, a in ANSWERS.items()])
def test_only_staff_see_the_library(library: Library, role: str, status: int) -> None:
    client = web_client_for(roles(library)[role])

    response = client.get("/clinic/library/")

    # Another clinic's staff see their own library, without this clinic's activity.
    assert response.status_code == (200 if status == 404 else status)
    assert ("Step-ups" in body(response)) == (status == 200)


def test_the_shared_library_is_not_changed_from_a_clinic(library: Library, client: Client) -> None:
    client.force_login(library.therapist)
    shared = f"/clinic/library/{library.shared.pk}/media/"

    uploaded = client.post(shared, sent("s.png", PNG))
    removed = client.post(f"{shared}remove/")

    library.shared.refresh_from_db()
    assert (uploaded.status_code, removed.status_code) == (403, 403)
    assert not library.shared.media_file


@pytest.mark.parametrize("path", ["upload", "remove"])
def test_the_changes_answer_only_a_post(library: Library, client: Client, path: str) -> None:
    client.force_login(library.therapist)

    response = client.get(getattr(library, path))

    assert response.status_code == 405
