from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from reminders.api.verify import verify_email_page

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/reminders/", include("reminders.api.urls")),
    path("api/v1/", include("programs.api.urls")),
    path("reminders/", include("reminders.urls")),
    path("reminders/verify-email/<str:token>/", verify_email_page, name="reminders-verify-email"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger's start-up script as a file of its own (?script), so the
    # page runs under script-src 'self' (config/middleware.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("web.urls")),
]

# A URL under /api/ that no route matches (a malformed id, /api/v1/patients/1.5/) answers in
# the API's one error format, not with an HTML page.
handler404 = "programs.api.errors.not_found"
handler400 = "programs.api.errors.bad_request"
handler500 = "programs.api.errors.server_error"
