"""POST /api/v1/auth/token/: username and password in, a token out. Throttled."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from programs import throttle
from programs.api.errors import error_responses


class LoginThrottle(AnonRateThrottle):
    """Every request to the token endpoint, per address (API_LOGIN_THROTTLE_RATE), the
    address read as every throttle reads it: X-Forwarded-For only from our own proxies."""

    scope = "login"

    def get_ident(self, request: Request) -> str:
        return throttle.client_address(request)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


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
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
