"""What providers and people's mail programs call: Twilio's webhooks (text messages received,
delivery reports) and the email unsubscribe link.

Twilio's requests are trusted only with a valid X-Twilio-Signature: an HMAC, made with our auth
token, of the full URL Twilio called and the form it posted. The URL is rebuilt from
PUBLIC_BASE_URL rather than from the request, whose host and scheme a proxy may have changed.
None of these views needs a login or a CSRF token: the signature, or the signed link, is the
credential.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from reminders.locale import message_locale
from reminders.selectors import unsubscribe_address
from reminders.services.optout import email_unsubscribe, inbound_sms_receive, sms_status_record

logger = logging.getLogger("reminders.webhooks")

View = Callable[[HttpRequest], HttpResponse]


def signed_by_twilio(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    return bool(RequestValidator(token).validate(url, request.POST, signature))


def _forbidden() -> HttpResponse:
    return HttpResponse(
        "Forbidden: missing or invalid X-Twilio-Signature.\n", status=403, content_type="text/plain"
    )


def twiml(reply: str = "") -> HttpResponse:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def twilio_webhook(name: str) -> Callable[[View], View]:
    """A view Twilio posts to: POST only, no CSRF token, and refused (403, logged under
    ``name``) without a valid signature."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def signed(request: HttpRequest) -> HttpResponse:
            if not signed_by_twilio(request):
                logger.warning("%s webhook refused: bad or missing signature", name)
                return _forbidden()
            return view(request)

        return signed

    return decorate


@twilio_webhook("inbound SMS")
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A text message sent to our number: STOP, START, HELP, or anything else."""
    message_sid = request.POST.get("MessageSid", "") or request.POST.get("SmsSid", "")
    if not message_sid:
        return HttpResponse("MessageSid is required.\n", status=400, content_type="text/plain")
    result = inbound_sms_receive(
        message_sid=message_sid,
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
        opt_out_type=request.POST.get("OptOutType", ""),
    )
    return twiml(result.reply)


@twilio_webhook("SMS status")
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A delivery report for a message we sent; ``key`` in the query names its reminder."""
    sms_status_record(
        message_sid=request.POST.get("MessageSid", "") or request.POST.get("SmsSid", ""),
        status=request.POST.get("MessageStatus", "") or request.POST.get("SmsStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        to_number=request.POST.get("To", ""),
        idempotency_key=request.GET.get("key", ""),
    )
    return HttpResponse(status=204)


def _masked(address: str) -> str:
    """m•••@example.org: enough for the owner to recognise, not enough for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058). A POST, from the mail program or the page's button,
    unsubscribes at once; a GET (a person, or a link scanner) only asks."""
    found = unsubscribe_address(token)
    if found is None:
        return render(request, "reminders/unsubscribe_invalid.html", status=404)
    address, contact = found
    language = message_locale(contact.patient.clinic, contact.language) if contact else None
    with translation.override(language):
        if request.method == "POST":
            email_unsubscribe(token=token)
            return render(request, "reminders/unsubscribed.html", {"address": _masked(address)})
        return render(
            request,
            "reminders/unsubscribe_confirm.html",
            {"address": _masked(address), "action": request.path},
        )
