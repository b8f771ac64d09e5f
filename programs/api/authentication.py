"""How the API checks a token. Apart from the views (programs/api/auth.py) because DRF imports
its authentication classes while rest_framework.views is still being imported: this module
must not import the views, or anything that does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from programs.locale import locale_for
from programs.models import User
from programs.services.tokens import token_is_expired

if TYPE_CHECKING:
    from rest_framework.request import Request


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_DAYS: 401, with
    ``WWW-Authenticate: Token``, as for an unknown token.

    The answer is in the language Accept-Language asks for (Django's LocaleMiddleware), or,
    when the request has no such header, in the token's person's own (``User.language``),
    written as a US clinic writes (programs.locale: the API's dates are ISO 8601 anyway, so
    no query for the clinic). Error codes stay English whatever the language
    (programs/api/errors.py). web.locale.ClinicLocaleMiddleware ends the activation with the
    request."""

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        found = super().authenticate(request)
        if found is not None and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            user = found[0]
            if user.language:
                translation.activate(locale_for(user.language, settings.LANGUAGE_CODE))
        return found

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user, token = super().authenticate_credentials(key)
        refuse_if_expired(token)
        return user, token


def refuse_if_expired(token: Token) -> None:
    if token_is_expired(token.created):
        raise exceptions.AuthenticationFailed(
            gettext("This token has expired. Sign in again for a new one.")
        )
