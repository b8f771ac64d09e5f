"""Signing in and out, and resetting a forgotten password by email."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from programs.throttle import PASSWORD_RESET
from web.accounts.forms import NewPasswordForm, ResetRequestForm, SignInForm

TEMPLATES = "web/accounts/"


class SignInView(auth_views.LoginView):
    template_name = TEMPLATES + "sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response


class SignOutView(auth_views.LogoutView):
    """POST only (Django refuses GET). Goes to ``next`` when it is a page of this site."""

    next_page = "web:sign-in"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        # Nothing of this person stays in the browser for the next one: the pages and logs
        # the service worker kept for offline (web/static/web/offline.js clears them too).
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers "check your email", whether or not the address has an account; only
    active accounts with that address get a message. Five requests an hour per address."""

    template_name = TEMPLATES + "password_reset_form.html"
    form_class = ResetRequestForm
    email_template_name = TEMPLATES + "password_reset_email.txt"
    subject_template_name = TEMPLATES + "password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-done")

    def form_valid(self, form: Any) -> HttpResponse:
        if PASSWORD_RESET.is_blocked(self.request):
            form.add_error(
                None,
                _("Too many reset requests. Please wait an hour and try again."),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        PASSWORD_RESET.record(self.request)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = TEMPLATES + "password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = TEMPLATES + "password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = TEMPLATES + "password_reset_complete.html"
