"""The Django admin's site, with the web sign-in's throttles on its sign-in page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse

from web.accounts.forms import AdminSignInForm


class AdminSite(admin.AdminSite):
    """The default admin site (config.apps.AdminConfig makes it so): every model registered
    with ``admin.site`` lands here. /admin/login/ counts wrong passwords into the same
    throttles as /accounts/sign-in/, and answers 429 while they refuse a sign-in."""

    login_form = AdminSignInForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response: HttpResponse = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response
