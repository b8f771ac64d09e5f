"""What a failed HTTP request to a provider means for a reminder: whether it can have
reached the provider. Shared by the channels that speak HTTP through requests (Twilio, Web
Push)."""

from __future__ import annotations

import requests
from urllib3.exceptions import NewConnectionError

from reminders.channels import TemporaryFailure

# Request errors raised before anything is sent.
NOT_SENT_REQUEST_ERRORS = (
    requests.exceptions.URLRequired,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
)


def never_reached(error: requests.exceptions.ConnectionError) -> bool:
    """True when no connection was made, so the provider cannot have received the message."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, NewConnectionError)


def request_failure(error: requests.exceptions.RequestException, provider: str) -> TemporaryFailure:
    """The temporary failure a request error is, its code saying whether ``provider`` (as
    a message names it: "Twilio") may have the message: ``unreachable`` and ``http`` (it
    cannot), ``timeout`` and ``connection_lost`` (it may)."""
    if isinstance(error, requests.exceptions.ConnectionError):
        if never_reached(error):
            return TemporaryFailure("unreachable", f"could not connect to {provider}")
        return TemporaryFailure(
            "connection_lost", f"the connection to {provider} broke; the message may have been sent"
        )
    if isinstance(error, requests.exceptions.Timeout):
        # The request reached the provider but no answer came: the message may have been sent.
        return TemporaryFailure(
            "timeout", f"no answer from {provider} in time; the message may have been sent"
        )
    if isinstance(error, NOT_SENT_REQUEST_ERRORS):
        # Our request could not even be made: nothing reached the provider.
        return TemporaryFailure("http", str(error)[:200])
    # Anything else (an answer cut short, undecodable) came after the provider had it.
    return TemporaryFailure(
        "connection_lost",
        f"{provider}'s answer was lost; the message may have been sent ({type(error).__name__})",
    )
