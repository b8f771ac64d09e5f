"""Every message a person reads from Python is marked for translation, as every word of the
templates is (tests/web/test_templates_translated.py).

The scan reads the source of programs, reminders and web (their services, models, API and
pages) and looks at what is given where a person reads it:
- the message of a ValidationError (Django's, a form's, DRF's), each value of a dict of them
  (the keys are field names) and each item of a list;
- a refusal's problem (``refuse(field, problem)``), the message for a blank answer
  (``checked_text(..., required=...)``), a form's ``add_error(field, error)``, the message of
  ``django.contrib.messages``, of the offline pages' JSON answers (web.patient.queued) and of
  the API's own error answers (programs.api.errors._error);
- what a ``..._refusal`` function returns (why a session cannot be logged, say);
- the detail of DRF's exceptions and of an access function's AccessDenied (a 403's reason);
- a permission's ``message``, an exception's ``default_detail``, a form's
  ``default_error_messages`` and any ``error_messages={...}``.

What is given there must not be a string literal or f-string with letters in it, nor one
joined to a literal with ``+`` or ``%``, nor a name that holds one: a module's constant (its
own or imported from a scanned module) or a name the same function fills in (a dict of
problems built in a loop). It must come from gettext, gettext_lazy or ngettext, whose
arguments the catalogue checks (tests/test_translations.py). Field names and error codes are
never messages, and Django's own 404 and 403 pages never show the exception's text, so Http404
and Django's PermissionDenied say what they like.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Where the messages people read are written: the services' refusals, the models' checks,
# the API's answers, the access functions' reasons and the pages (their forms and views).
# The planner's problems are its callers' to put in words.
SCANNED = [ROOT / "programs", ROOT / "reminders", ROOT / "web"]

TRANSLATION = "django.utils.translation."
GETTEXT = {
    TRANSLATION + name
    for name in (
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    )
}

DRF_EXCEPTIONS = "rest_framework.exceptions."
# Each callable whose argument a person reads: (position, keyword) of that argument.
MESSAGE_ARGUMENT: dict[str, tuple[int, str]] = {
    "django.core.exceptions.ValidationError": (0, "message"),
    "django.forms.ValidationError": (0, "message"),
    "rest_framework.serializers.ValidationError": (0, "detail"),
    **{
        DRF_EXCEPTIONS + name: (0, "detail")
        for name in (
            "ValidationError",
            "APIException",
            "ParseError",
            "AuthenticationFailed",
            "NotAuthenticated",
            "PermissionDenied",
            "NotFound",
            "NotAcceptable",
        )
    },
    DRF_EXCEPTIONS + "MethodNotAllowed": (1, "detail"),
    DRF_EXCEPTIONS + "UnsupportedMediaType": (1, "detail"),
    DRF_EXCEPTIONS + "Throttled": (1, "detail"),
    "programs.access.AccessDenied": (0, "detail"),
    "programs.services.inputs.refuse": (1, "problem"),
    # The message for a blank answer (keyword only).
    "programs.services.inputs.checked_text": (-1, "required"),
    "reminders.services.contacts._required_text": (-1, "blank"),
    **{
        f"django.contrib.messages.{level}": (1, "message")
        for level in ("debug", "info", "success", "warning", "error")
    },
    "django.contrib.messages.add_message": (2, "message"),
    "web.patient.queued.saved": (0, "message"),
    "web.patient.queued.repeated": (0, "message"),
    "web.patient.queued.refused": (0, "message"),
    "programs.api.errors._error": (2, "detail"),
}
# A method of that name, whatever its object (a form's add_error).
MESSAGE_METHOD: dict[str, tuple[int, str]] = {"add_error": (1, "error")}
# Keyword arguments, whatever the call, that hold a dict of messages.
MESSAGE_KEYWORDS = {"error_messages"}
# Class attributes a person reads: a DRF permission's message, an exception's default detail,
# a form field's messages.
MESSAGE_ATTRIBUTES = {"message", "default_detail", "default_error_messages"}

# A function so named returns the reason something is refused, to show as it is.
REFUSAL_SUFFIX = "_refusal"

LETTERS = re.compile(r"[^\W\d_]")
# Text with letters that reads the same in every language (none yet).
ALLOWED: set[str] = set()


Function = ast.FunctionDef | ast.AsyncFunctionDef
# What a name is given in a function: each value assigned to it, to one of its items, or
# appended to it.
Locals = dict[str, list[ast.expr]]
GROWING = {"append", "extend", "insert", "update", "setdefault"}


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    constants: dict[str, ast.expr] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def function_of(self, node: ast.AST) -> Function | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, Function):
                return node
        return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(module: Module) -> dict[str, str]:
    package = module.name.split(".")
    if module.path.name != "__init__.py":
        package = package[:-1]
    found: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    found[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found[alias.asname or alias.name] = f"{base}.{alias.name}"
    return found


def parse(source: str, name: str, path: Path | None = None) -> Module:
    module = Module(
        name=name, path=path or Path(name.replace(".", "/") + ".py"), tree=ast.parse(source)
    )
    module.imports = _imports(module)
    for node in module.tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                module.constants[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            module.constants[node.target.id] = node.value
    for parent in ast.walk(module.tree):
        for child in ast.iter_child_nodes(parent):
            module.parents[child] = parent
    return module


def _base_name(target: ast.expr) -> str | None:
    """The name a target assigns to: ``problems`` for ``problems``, ``problems["a"]`` and
    ``problems["a"]["b"]``."""
    while isinstance(target, ast.Subscript):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def function_locals(function: Function) -> Locals:
    found: Locals = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in GROWING
            and node.args
        ):
            targets, value = [node.func.value], node.args[-1]
        else:
            continue
        for target in targets:
            name = _base_name(target)
            if name is not None:
                found.setdefault(name, []).append(value)
    return found


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_absolute() else path)


def _dotted(module: Module, node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return module.imports.get(node.id, f"{module.name}.{node.id}")
    if isinstance(node, ast.Attribute):
        base = _dotted(module, node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


class Scanner:
    def __init__(self, modules: list[Module]) -> None:
        self.modules = {module.name: module for module in modules}

    def _constant(self, module: Module, name: str) -> tuple[Module, ast.expr] | None:
        if name in module.constants:
            return module, module.constants[name]
        where, _, attribute = module.imports.get(name, "").rpartition(".")
        other = self.modules.get(where)
        if other is not None and attribute in other.constants:
            return other, other.constants[attribute]
        return None

    def bare(
        self,
        module: Module,
        node: ast.expr | None,
        names: Locals,
        seen: frozenset[str] = frozenset(),
    ) -> Iterator[tuple[Module, ast.expr]]:
        """The literals with letters that ``node`` shows as they are, each with its module;
        ``names`` are the values given to the names of the function ``node`` is in."""

        def inner(child: ast.expr | None) -> Iterator[tuple[Module, ast.expr]]:
            return self.bare(module, child, names, seen)

        if node is None:
            return
        if isinstance(node, ast.Constant):
            text = node.value
            if isinstance(text, str) and LETTERS.search(text) and text not in ALLOWED:
                yield module, node
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                str(part.value) for part in node.values if isinstance(part, ast.Constant)
            )
            if LETTERS.search(text):
                yield module, node
        elif isinstance(node, ast.BinOp):
            # _("... %(name)s") % {...}: the values filled in are the message's business.
            if not (isinstance(node.left, ast.Call) and self.translated(module, node.left)):
                yield from inner(node.left)
                yield from inner(node.right)
        elif isinstance(node, ast.Call):
            # "...".format(...) shows its literal; any other call (gettext, str(error),
            # ", ".join(...)) is judged where it is written.
            if isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Constant | ast.JoinedStr
            ):
                yield from inner(node.func.value)
        elif isinstance(node, ast.IfExp):
            yield from inner(node.body)
            yield from inner(node.orelse)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                yield from inner(value)
        elif isinstance(node, ast.Dict):
            # The keys are field names (or error codes); the values are the messages.
            for value in node.values:
                yield from inner(value)
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            for item in node.elts:
                yield from inner(item)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            yield from inner(node.elt)
        elif isinstance(node, ast.DictComp | ast.Starred):
            yield from inner(node.value)
        elif isinstance(node, ast.Name) and node.id not in seen:
            if node.id in names:
                for value in names[node.id]:
                    yield from self.bare(module, value, names, seen | {node.id})
            elif (found := self._constant(module, node.id)) is not None:
                yield from self.bare(found[0], found[1], {}, seen | {node.id})

    def translated(self, module: Module, call: ast.Call) -> bool:
        return _dotted(module, call.func) in GETTEXT

    def _argument(self, call: ast.Call, position: int, keyword: str) -> ast.expr | None:
        for given in call.keywords:
            if given.arg == keyword:
                return given.value
        if 0 <= position < len(call.args) and not any(
            isinstance(arg, ast.Starred) for arg in call.args[: position + 1]
        ):
            return call.args[position]
        return None

    def shown(self, module: Module) -> Iterator[tuple[ast.expr, str]]:
        """Each expression of ``module`` a person reads, with what shows it."""
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                name = _dotted(module, node.func)
                where = MESSAGE_ARGUMENT.get(name)
                if where is None and isinstance(node.func, ast.Attribute):
                    where = MESSAGE_METHOD.get(node.func.attr)
                    name = node.func.attr
                if where is not None:
                    argument = self._argument(node, *where)
                    if argument is not None:
                        yield argument, name.rpartition(".")[2]
                for given in node.keywords:
                    if given.arg in MESSAGE_KEYWORDS:
                        yield given.value, f"{given.arg}="
            elif isinstance(node, Function) and node.name.endswith(REFUSAL_SUFFIX):
                for statement in ast.walk(node):
                    if isinstance(statement, ast.Return) and statement.value is not None:
                        yield statement.value, node.name
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    value: ast.expr | None
                    if isinstance(statement, ast.Assign):
                        targets = [t for t in statement.targets if isinstance(t, ast.Name)]
                        value = statement.value
                    elif isinstance(statement, ast.AnnAssign) and isinstance(
                        statement.target, ast.Name
                    ):
                        targets, value = [statement.target], statement.value
                    else:
                        continue
                    for target in targets:
                        if target.id in MESSAGE_ATTRIBUTES and value is not None:
                            yield value, f"{node.name}.{target.id}"

    def problems(self, module: Module) -> list[str]:
        """``file:line: what shows it: the literal`` for each bare literal ``module`` shows (a
        constant of another module is named at its own line)."""
        found = set()
        scopes: dict[Function, Locals] = {}
        for expression, shown_by in self.shown(module):
            function = module.function_of(expression)
            if function is not None and function not in scopes:
                scopes[function] = function_locals(function)
            names = scopes[function] if function is not None else {}
            for home, literal in self.bare(module, expression, names):
                found.add((_relative(home.path), literal.lineno, shown_by, ast.unparse(literal)))
        return [f"{path}:{line}: {by}: {text}" for path, line, by, text in sorted(found)]


def product_modules() -> list[Module]:
    paths: list[Path] = []
    for place in SCANNED:
        paths.extend(sorted(place.rglob("*.py")) if place.is_dir() else [place])
    return [
        parse(path.read_text(encoding="utf-8"), _module_name(path), path)
        for path in paths
        if "migrations" not in path.parts
    ]


def untranslated(source: str, name: str = "web.example") -> list[str]:
    module = parse(dedent(source), name)
    return Scanner([module]).problems(module)


def test_every_message_people_read_from_python_is_marked_for_translation() -> None:
    modules = product_modules()
    scanner = Scanner(modules)
    problems = sorted({problem for module in modules for problem in scanner.problems(module)})
    assert problems == [], "messages not marked for translation:\n" + "\n".join(problems)


def test_it_scans_the_services_the_api_and_the_pages() -> None:
    names = {module.name for module in product_modules()}

    assert {
        "programs.services.records",
        "reminders.services.contacts",
        "programs.api.errors",
        "reminders.api.serializers",
        "web.patient.reminder_forms",
        "programs.access",
    } <= names


def test_it_reports_bare_literals_where_people_read_them() -> None:
    source = """
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _
        from rest_framework import serializers
        from rest_framework.exceptions import PermissionDenied
        from programs.services.inputs import refuse

        NOT_YOURS = "Not yours."

        class Allowed:
            message = "Only staff."

        def check(request, form, limit):
            raise ValidationError({"amount": ["is not a plausible amount"]})
            raise refuse("note", f"at most {limit} characters")
            raise serializers.ValidationError("at most " + str(limit))
            messages.error(request, "Saved nothing.")
            form.add_error("email", "is not valid")
            raise PermissionDenied(NOT_YOURS)
            raise ValidationError(_("at most %(count)s") % {"count": f"{limit:g}"}, code="long")
            raise refuse(f"activities[{limit}].amount", _("must be a number"))
            messages.success(request, _("Saved."))
            raise ValidationError({"amount": [_("is too much")]}, code="too_much")

        def late_refusal(day):
            return None if day else "Too late."

        def validate(self, entries):
            problems = []
            for entry in entries:
                problem = {}
                if entry:
                    problem["activity"] = ["is not in the library"]
                problems.append(problem)
            unknown = {name: ["is not a parameter"] for name in entries}
            raise serializers.ValidationError({"entries": problems, **unknown})
    """

    assert untranslated(source) == [
        "web/example.py:9: PermissionDenied: 'Not yours.'",
        "web/example.py:12: Allowed.message: 'Only staff.'",
        "web/example.py:15: ValidationError: 'is not a plausible amount'",
        "web/example.py:16: refuse: f'at most {limit} characters'",
        "web/example.py:17: ValidationError: 'at most '",
        "web/example.py:18: error: 'Saved nothing.'",
        "web/example.py:19: add_error: 'is not valid'",
        "web/example.py:27: late_refusal: 'Too late.'",
        "web/example.py:34: ValidationError: 'is not in the library'",
        "web/example.py:36: ValidationError: 'is not a parameter'",
    ]


def test_it_follows_relative_imports_and_leaves_codes_fields_and_hidden_404s_alone() -> None:
    source = """
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.http import Http404
        from .inputs import refuse

        def check(field):
            raise refuse(field, "must be a number")
            raise ValidationError(field, code="invalid_choice")
            raise Http404("No such patient.")
            raise PermissionDenied("These pages are for clinic staff.")
    """

    assert untranslated(source, "programs.services.example") == [
        "programs/services/example.py:7: refuse: 'must be a number'",
    ]
