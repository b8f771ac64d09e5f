"""Mounted at /api/v1/reminders/ by config/urls.py (programs knows nothing of reminders)."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from reminders.api import views


class Router(DefaultRouter):
    # As programs' router: no ".json" twin of every route, and no root view.
    include_format_suffixes = False
    include_root_view = False


router = Router(trailing_slash=True)
router.register("contacts", views.ContactViewSet, basename="reminder-contact")

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/contacts/", views.MyContactsView.as_view(), name="reminders-me-contacts"),
    path(
        "me/contacts/<int:contact_id>/",
        views.MyContactView.as_view(),
        name="reminders-me-contact",
    ),
    path(
        "me/contacts/<int:contact_id>/preferences/",
        views.MyPreferencesView.as_view(),
        name="reminders-me-preferences",
    ),
    path(
        "me/contacts/<int:contact_id>/consents/",
        views.MyConsentsView.as_view(),
        name="reminders-me-consents",
    ),
    path(
        "me/contacts/<int:contact_id>/consents/withdraw/",
        views.MyConsentWithdrawView.as_view(),
        name="reminders-me-consents-withdraw",
    ),
    path(
        "me/contacts/<int:contact_id>/verification/",
        views.MyVerificationView.as_view(),
        name="reminders-me-verification",
    ),
    path(
        "me/contacts/<int:contact_id>/verification/confirm/",
        views.MyVerificationConfirmView.as_view(),
        name="reminders-me-verification-confirm",
    ),
    path(
        "email-verifications/",
        views.EmailVerificationView.as_view(),
        name="reminders-email-verification",
    ),
    path("consent-wording/", views.ConsentWordingView.as_view(), name="reminders-consent-wording"),
    path("", include(router.urls)),
]
