from datetime import datetime
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from web.times import when_text

register = template.Library()


@register.simple_tag(takes_context=True)
def same_page_for(context: dict[str, Any], patient_id: int) -> str:
    """The page being shown, but for another of the household's patients: a guardian switching
    children stays on "This week" rather than starting over. Pages whose URL names more than
    the patient (one session, one check-in) fall back to that patient's today."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is not None and set(match.kwargs) == {"patient_id"}:
        try:
            return reverse(match.view_name, kwargs={"patient_id": patient_id})
        except NoReverseMatch:
            pass
    return reverse("web:today", kwargs={"patient_id": patient_id})


@register.simple_tag(takes_context=True)
def current(context: dict[str, Any], *url_names: str) -> SafeString | str:
    """aria-current="page" when the page being shown is one of ``url_names``."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in url_names:
        # Safe, or the template would escape the quotes: aria-current=&quot;page&quot;.
        return mark_safe('aria-current="page"')
    return ""


@register.simple_tag
def when(value: datetime | None, zone: str = "") -> SafeString | str:
    """A stored time as a <time> element in the page's zone, or in ``zone`` (the patient's)
    named when it differs: ``{% when log.logged_at patient.time_zone %}``."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), when_text(value, zone))
