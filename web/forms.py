"""What every page's forms share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.core.exceptions import ValidationError

from planner import PlannerInputError
from programs import reasons


def add_service_errors(
    form: forms.Form,
    error: ValidationError | PlannerInputError,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Show a service's (or the planner's) refusal on the form: on the field it names when the
    form has one (``aliases`` maps the service's name for a field to the form's), otherwise on
    the form as a whole."""
    if isinstance(error, PlannerInputError):
        items: Iterable[tuple[str, list[str]]] = [(error.field, [reasons.text(error.reason)])]
    elif hasattr(error, "error_dict"):
        items = error.message_dict.items()
    else:
        items = [("__all__", list(error.messages))]
    for name, messages in items:
        name = (aliases or {}).get(name, name)
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)
