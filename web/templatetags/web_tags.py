from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms, template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from web.labels import ACTORS
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


@register.filter
def actor(label: str) -> str:
    """Who made a change, in words: "weekly review" and "system" translated, a person's
    name as it is."""
    return str(ACTORS.get(label, label))


@register.simple_tag
def when(value: datetime | None, zone: str = "") -> SafeString | str:
    """A stored time as a <time> element in the page's zone, or in ``zone`` (the patient's)
    named when it differs: ``{% when log.logged_at patient.time_zone %}``."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), when_text(value, zone))


@register.simple_tag
def class_attribute(*names: str) -> SafeString | str:
    """` class="..."` of the names given that are not empty, each once, in order; nothing when
    none is left."""
    chosen = " ".join(dict.fromkeys(name for name in names if name))
    return format_html(' class="{}"', chosen) if chosen else ""


@dataclass(frozen=True)
class ErrorItem:
    text: str
    anchor: str  # the id the summary links to; empty for a problem with the form as a whole


def _anchor(field: forms.BoundField) -> str:
    # A radio or checkbox group is reached by its fieldset, which carries the field's own id
    # (web/_choice_group.html): its inputs have numbered ids, and Django gives the
    # group no id_for_label. Any other field by its input.
    if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return field.auto_id or ""
    return field.id_for_label or ""


def _forms(values: Iterable[Any]) -> Iterable[forms.BaseForm]:
    for value in values:
        if isinstance(value, forms.BaseForm):
            yield value
        elif isinstance(value, list | tuple):
            yield from _forms(value)


@register.simple_tag
def error_items(*values: Any) -> list[ErrorItem]:
    """Every error of the forms given (a form, a list of forms; anything else is skipped),
    for the error summary (web/_form_errors.html): each field's as "label: problem", linked
    to the field. A form's ``error_prefix`` (the builder's activity name) comes first, and
    its ``summary_labels`` may name a field otherwise (the FDI's one message, by the
    section's name)."""
    items: list[ErrorItem] = []
    for form in _forms(values):
        prefix = str(getattr(form, "error_prefix", ""))
        labels = getattr(form, "summary_labels", {})
        for error in form.non_field_errors():
            items.append(ErrorItem(f"{prefix}: {error}" if prefix else str(error), ""))
        for field in form:
            for error in field.errors:
                label = str(labels.get(field.name, field.label))
                text = f"{prefix}, {label}: {error}" if prefix else f"{label}: {error}"
                items.append(ErrorItem(text, _anchor(field)))
    return items
