"""The web pages: accounts, the patient's and guardian's pages under /p/<patient id>/, and the
clinic's pages under /clinic/. All names live in the "web" namespace."""

from django.urls import include, path

from web import media, views
from web.patient import family

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("web.accounts.urls")),
    path("family/", family.family, name="family"),
    path("p/<int:patient_id>/", include("web.patient.urls")),
    path("clinic/invite/", include("web.accounts.staff_urls")),
    path("clinic/", include("web.staff.urls")),
    path(
        "media/activities/<int:activity_id>/<str:name>",
        media.activity_media,
        name="activity-media",
    ),
]
