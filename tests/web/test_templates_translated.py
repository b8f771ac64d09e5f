"""Every word a template shows is marked for translation.

Each template is split with Django's own template lexer. Variables and tags become placeholders
without letters, and whatever sits inside {% translate %} or {% blocktranslate %} (and template
comments) drops out; the HTML left over is parsed, and any text with letters in it, or any
letters in an attribute a person reads or hears (alt, title, aria-label, placeholder...), is
reported with its line. A literal given to `default`, `default_if_none` or `yesno` in a
variable is reported too, since it is shown as it is.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, Token, TokenType

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "web" / "templates", ROOT / "reminders" / "templates" / "reminders"]
TEMPLATES = sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))

# Attributes whose value is read or spoken to the person using the page.
READ_ATTRIBUTES = {
    "alt",
    "title",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "placeholder",
}
# Text that is the same in every language: the product's name and emergency numbers.
ALLOWED_TEXT = {"gradus", "988", "911"}
# Elements whose content is code, not words.
CODE_ELEMENTS = {"script", "style"}

LETTERS = re.compile(r"[^\W\d_]")
ALLOWED_WORDS = re.compile(r"\b(?:" + "|".join(map(re.escape, ALLOWED_TEXT)) + r")\b")
PLACEHOLDER = "{%%}"
PLACEHOLDERS = re.compile(r"\{%%\}|\{\{\d+\}\}")
LITERAL_MARK = re.compile(r"\{\{(\d+)\}\}")
SHOWN_LITERAL = re.compile(r"""\|\s*(default|default_if_none|yesno)\s*:\s*(["'])(.*?)\2""")
TRANSLATE_BLOCK = {"blocktranslate", "blocktrans"}
TRANSLATE_END = {"endblocktranslate", "endblocktrans"}


def _placeholder(token: Token, mark: str = PLACEHOLDER) -> str:
    """Letter-free stand-in for a tag or variable, keeping its line breaks for line numbers."""
    return mark + "\n" * token.contents.count("\n")


def flatten(source: str) -> tuple[str, list[str]]:
    """The template's HTML with every tag, variable and translated text replaced by a
    placeholder. A variable that shows a literal is marked {{<n>}}, n indexing the literals."""
    parts: list[str] = []
    literals: list[str] = []
    skipping_until: set[str] = set()
    for token in Lexer(source).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK else ""
        if skipping_until:
            # Inside a translated block or a {% comment %}: keep only the line breaks.
            parts.append("\n" * token.contents.count("\n"))
            if name in skipping_until:
                skipping_until = set()
                parts.append(PLACEHOLDER)
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            shown = [
                f"|{match.group(1)}:{match.group(3)!r}"
                for match in SHOWN_LITERAL.finditer(token.contents)
                if LETTERS.search(match.group(3))
            ]
            if shown:
                literals.append(" ".join(shown))
                parts.append(_placeholder(token, f"{{{{{len(literals) - 1}}}}}"))
            else:
                parts.append(_placeholder(token))
        elif token.token_type == TokenType.BLOCK:
            if name in TRANSLATE_BLOCK:
                skipping_until = TRANSLATE_END
            elif name == "comment":
                skipping_until = {"endcomment"}
            elif name == "verbatim":
                skipping_until = {"endverbatim"}
            parts.append(_placeholder(token))
        else:  # {# comment #}
            parts.append("\n" * token.contents.count("\n"))
    return "".join(parts), literals


def _shown(text: str) -> str:
    return " ".join(PLACEHOLDERS.sub(" ", text).split())


class _TextFinder(HTMLParser):
    def __init__(self, literals: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self._literals = literals
        self._code_depth = 0

    def _untranslated(self, text: str) -> bool:
        for match in LITERAL_MARK.finditer(text):
            self.problems.append(
                (self.getpos()[0], f"literal shown by {self._literals[int(match.group(1))]}")
            )
        words = ALLOWED_WORDS.sub(" ", PLACEHOLDERS.sub(" ", text))
        return bool(LETTERS.search(words))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_ELEMENTS:
            self._code_depth += 1
        values = dict(attrs)
        line = self.getpos()[0]
        for attribute, value in attrs:
            shown = attribute in READ_ATTRIBUTES or (
                attribute == "value"
                and tag == "input"
                and values.get("type") in {"submit", "button", "reset"}
            )
            if shown and value and self._untranslated(value):
                self.problems.append((line, f"<{tag} {attribute}={_shown(value)!r}>"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in CODE_ELEMENTS:
            self._code_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_ELEMENTS and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._code_depth == 0 and self._untranslated(data):
            self.problems.append((self.getpos()[0], f"text {_shown(data)!r}"))


def untranslated(source: str) -> list[str]:
    html, literals = flatten(source)
    finder = _TextFinder(literals)
    finder.feed(html)
    finder.close()
    return [f"line {line}: {message}" for line, message in sorted(finder.problems)]


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(path.relative_to(ROOT)) for path in TEMPLATES]
)
def test_it_finds_every_shown_word_marked_for_translation(template: Path) -> None:
    problems = untranslated(template.read_text(encoding="utf-8"))
    assert not problems, f"{template.relative_to(ROOT)} shows untranslated text:\n" + "\n".join(
        problems
    )


def test_it_reports_bare_text_and_attributes_and_passes_translated_ones() -> None:
    source = """{% load i18n %}
<h1>{% translate "Today" %}</h1>
<p>{% blocktranslate with name=n %}Hi {{ name }},
 there{% endblocktranslate %}</p>
{% comment %}Not shown{% endcomment %}{# nor this #}
<img src="{{ src }}" alt="{% translate 'A chart' %}">
<p>Bare words {{ value }}</p>
<button aria-label="Close">{{ icon }}</button>
<input type="submit" value="Save">
<span id="{{ x|yesno:'a,b' }}">{{ when|default:"never" }}</span>
<script>const words = "not checked";</script>
<a class="brand" href="/">gradus</a> <p>988 · {{ n }}</p>
"""
    assert untranslated(source) == [
        "line 7: text 'Bare words'",
        "line 8: <button aria-label='Close'>",
        "line 9: <input value='Save'>",
        "line 10: literal shown by |default:'never'",
    ]
