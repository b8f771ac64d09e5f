"""Clients signed in as a given user, for the API and for the web pages."""

from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programs.models import User


def client_for(user: User | None) -> APIClient:
    """An API client authenticated as `user` (anonymous for None), without a password round trip."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def web_client_for(user: User | None) -> Client:
    """A browser-like client with `user`'s session cookie (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def token_client_for(user: User | None) -> APIClient:
    """An API client that sends `user`'s token, the way the mobile app signs its requests."""
    assert user is not None, "only an account has a token"
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
