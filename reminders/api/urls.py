"""Mounted at /api/v1/reminders/ by config/urls.py (programs knows nothing of reminders)."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from reminders.api import views


class Router(DefaultRouter):
    # As programs' router: no ".json" twin of every route, and no root view.
    include_format_suffixes = False
    include_root_view = False


router = Router(trailing_slash=True)
router.register("contacts", views.ContactViewSet, basename="reminder-contact")


def contact_path(tail: str, view: type[APIView], name: str) -> URLPattern:
    """A route of one of my contacts, ``me/contacts/<contact_id>/<tail>``."""
    return path(f"me/contacts/<int:contact_id>/{tail}", view.as_view(), name=f"reminders-me-{name}")


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/contacts/", views.MyContactsView.as_view(), name="reminders-me-contacts"),
    contact_path("", views.MyContactView, "contact"),
    contact_path("preferences/", views.MyPreferencesView, "preferences"),
    contact_path("consents/", views.MyConsentsView, "consents"),
    contact_path("consents/withdraw/", views.MyConsentWithdrawView, "consents-withdraw"),
    contact_path("verification/", views.MyVerificationView, "verification"),
    contact_path("verification/confirm/", views.MyVerificationConfirmView, "verification-confirm"),
    path(
        "email-verifications/",
        views.EmailVerificationView.as_view(),
        name="reminders-email-verification",
    ),
    path("consent-wording/", views.ConsentWordingView.as_view(), name="reminders-consent-wording"),
    path("", include(router.urls)),
]
