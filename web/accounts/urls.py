"""Accounts, under /accounts/: signing in and out, password reset, accepting an invitation,
and a person's language (their settings, and the switch of the pages before sign-in)."""

from django.urls import URLPattern, path

from web.accounts import invitations, views

urlpatterns: list[URLPattern] = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("invitation/<str:token>/", invitations.accept, name="accept-invitation"),
    path("language/", views.language, name="language"),
    path("language/switch/", views.language_switch, name="language-switch"),
]
