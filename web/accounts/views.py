"""Signing in and out, resetting a forgotten password by email, and the language a person
reads gradus in (web.locale)."""

from __future__ import annotations

from typing import Any, Literal, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.locale import locale_for, words_of
from programs.services import user_language_set
from programs.services.people import checked_language
from programs.throttle import PASSWORD_RESET
from web.access import signed_in_user
from web.accounts.forms import LanguageForm, NewPasswordForm, ResetRequestForm, SignInForm
from web.locale import request_clinic_locale
from web.patient.reminder_forms import add_service_errors

TEMPLATES = "web/accounts/"
SameSite = Literal["Lax", "Strict", "None"]


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


# -- Language ---------------------------------------------------------------------------------


def _keep_language_cookie(response: HttpResponse, language: str) -> None:
    """The language of this browser's pages before sign-in (LocaleMiddleware reads it)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The switch on the pages before sign-in (English, Español): a form of two buttons, so it
    works without JavaScript. It keeps the language in a cookie, and for someone signed in
    saves it as theirs too, then goes back to ``next`` when that is a page of this site."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("web:sign-in")
    response = HttpResponseRedirect(back)
    try:
        language = checked_language(request.POST.get("language"))
    except ValidationError:
        messages.error(request, _("Choose English or Español."))
        return response
    user = signed_in_user(request)
    if user is not None:
        user_language_set(user=user, language=language)
    _keep_language_cookie(response, language)
    return response


@require_http_methods(["GET", "POST"])
def language(request: HttpRequest) -> HttpResponse:
    """A signed-in person's own language (patients, guardians and staff alike): their pages at
    the next request, on every device, and the emails sent to them."""
    user = signed_in_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    current = user.language or words_of(translation.get_language())
    form = LanguageForm(
        request.POST if request.method == "POST" else None, initial={"language": current}
    )
    if form.is_bound and form.is_valid():
        try:
            user_language_set(user=user, language=form.cleaned_data["language"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Said in the language just chosen, as the next page will be.
            with translation.override(
                locale_for(user.language, request_clinic_locale(request, user))
            ):
                messages.success(request, _("Language saved."))
            response = HttpResponseRedirect(reverse("web:language"))
            _keep_language_cookie(response, user.language)
            return response
    return render(
        request,
        TEMPLATES + "language.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
