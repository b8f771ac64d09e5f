"""The API's JSON parser: DRF's, answering a body nested too deeply with a 400 like any other
malformed body (Python's parser raised RecursionError at about a thousand levels: a 500, even
on the token endpoint, before anyone signed in)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json

# Levels of arrays and objects a body may nest. The deepest body the API reads (a program with
# its activities and their baseline trials) nests three; 32 leaves room for any future shape,
# and stays far below what the parser (recursive) or anything walking the data could overflow.
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(gettext("The body is not valid JSON: it is not UTF-8 text.")) from None
        constant = drf_json.strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=constant)
        except RecursionError:
            raise ParseError(too_deep()) from None
        except ValueError as error:
            raise ParseError(gettext("The body is not valid JSON: %s.") % error) from None
        if depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep())
        return data


def too_deep() -> str:
    return gettext("The body's JSON nests arrays and objects more than %(levels)d levels deep.") % {
        "levels": MAX_JSON_DEPTH
    }


def depth_exceeds(data: Any, limit: int) -> bool:
    """Whether arrays and objects in ``data`` nest more than ``limit`` deep. Walked with a list
    rather than by recursion, so it cannot overflow the stack it guards."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
