"""How the API checks a token. Apart from the views (programs/api/auth.py) because DRF imports
its authentication classes while rest_framework.views is still being imported: this module
must not import the views, or anything that does."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from programs.models import User
from programs.services.tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than API_TOKEN_DAYS: 401, with
    ``WWW-Authenticate: Token``, as for an unknown token."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user, token = super().authenticate_credentials(key)
        refuse_if_expired(token)
        return user, token


def refuse_if_expired(token: Token) -> None:
    if token_is_expired(token.created):
        raise exceptions.AuthenticationFailed(
            gettext("This token has expired. Sign in again for a new one.")
        )
