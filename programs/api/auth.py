"""Signing in to the API and out of it, and how a token is checked.

POST /api/v1/auth/token/: username and password in, a token out (throttled). A token is good
for API_TOKEN_DAYS from when it was issued; signing in again while it lasts gives the same one,
and after it a new one. POST /api/v1/auth/token/revoke/ signs the user out of the API (their
token stops working at once); so does a change of their password, wherever it is made
(programs/services/tokens.py).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from programs import throttle
from programs.api.errors import error_responses
from programs.services.tokens import token_expires_at, token_issue, tokens_revoke


class LoginThrottle(AnonRateThrottle):
    """Every request to the token endpoint, per address (API_LOGIN_THROTTLE_RATE), the
    address read as every throttle reads it: X-Forwarded-For only from our own proxies."""

    scope = "login"

    def get_ident(self, request: Request) -> str:
        return throttle.client_address(request)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
    expires = serializers.DateTimeField(help_text="When the token stops working.")


class TokenView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
        auth=[],
        tags=["auth"],
        description=(
            "The token is good until `expires` (API_TOKEN_DAYS after it was issued). Signing "
            "in again before then gives the same token; after it, a new one."
        ),
    )
    def post(self, request: Request) -> Response:
        # The web sign-in's counters: a wrong password here counts as one there.
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else ""
        if throttle.sign_in_blocked(request, username):
            raise exceptions.Throttled(
                wait=throttle.SIGN_IN.window_seconds,
                detail=gettext("Too many tries to sign in. Please wait and try again."),
            )
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if username and serializer.errors.get("non_field_errors"):
                throttle.sign_in_failed(request, username)
            raise exceptions.ValidationError(serializer.errors)
        throttle.sign_in_succeeded(request, username)
        token = token_issue(user=serializer.validated_data["user"])
        return Response(
            TokenSerializer({"token": token.key, "expires": token_expires_at(token.created)}).data
        )


class TokenRevokedSerializer(serializers.Serializer[Any]):
    revoked = serializers.IntegerField(help_text="How many tokens stopped working (0 or 1).")


class TokenRevokeView(APIView):
    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Sign out of the API: my token stops working",
        description=(
            "Revokes the signed-in user's token at once, on every device that holds it. Sign "
            "in again for a new one. A change of password does the same."
        ),
        request=None,
        # 200 with a body rather than 204: the browsable API turns a 204 into a 200.
        responses={200: TokenRevokedSerializer, **error_responses(401)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        # IsAuthenticated (the default permission) has turned anonymous requests away.
        assert request.user.pk is not None
        revoked = tokens_revoke(user_id=request.user.pk)
        return Response(TokenRevokedSerializer({"revoked": revoked}).data)
