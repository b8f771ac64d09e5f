"""The layout's two rules, read from the source with ``ast`` (nothing is imported or run).

1. The layers: config -> web -> reminders -> programs -> planner. A package imports only
   itself and the packages below it (skipping a layer is fine); the planner imports nothing of
   the project and nothing of Django. No module imports another package's private names: a
   name, or a segment of the module path, that starts with one underscore.
2. The writes: every ORM write outside migrations and tests happens in a service module, a
   file under a ``services/`` package, so a reader finds every way a record changes there.
   bench/ is left out as tests/ is: a measuring tool that bulk-loads its own data. The admin's
   ``super().save_model()`` is Django's own write, and is not counted.

The write check cannot know types, so it reads the shape of a call. A write method (update,
create, delete) counts when its receiver is plainly a queryset: a chain through
``.objects``, through a queryset method (filter, exclude, all, ...), a parameter annotated
as a QuerySet or Manager, or a local name assigned from one of those. ``save()`` and
``delete()`` count on anything but a cache or ``super()``; bulk_create, bulk_update,
get_or_create, update_or_create and create_user count on anything; so does raw SQL that
inserts, updates or deletes, however the statement is put together in the module. tests/
test_layers.py plants violations of each kind and checks that they are found.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom to top: a package may import the ones before it.
LAYERS = ("planner", "programs", "reminders", "web", "config")
# The project's other packages: tools that import the product, never imported by it.
TOOLS = frozenset({"tests", "bench"})
# The planner is plain Python.
PLANNER_MAY_NOT_IMPORT = frozenset({"django", "rest_framework", "celery"})

ALWAYS_WRITES = frozenset(
    {
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "create_user",
        "create_superuser",
    }
)
QUERYSET_WRITES = frozenset({"update", "create", "delete"})
INSTANCE_WRITES = frozenset({"save", "delete"})
QUERYSET_METHODS = frozenset(
    {
        "filter",
        "exclude",
        "all",
        "none",
        "select_for_update",
        "select_related",
        "prefetch_related",
        "order_by",
        "annotate",
        "alias",
        "distinct",
        "only",
        "defer",
        "using",
        "reverse",
    }
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
QUERYSET_TYPES = frozenset({"QuerySet", "Manager", "BaseManager", "RelatedManager"})
WRITE_SQL = re.compile(r"\b(INSERT|UPDATE|DELETE)\b")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def product_modules(root: Path = ROOT) -> Iterator[Path]:
    """Every module of the layered packages, migrations left out."""
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                yield path


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def in_services(path: Path, root: Path = ROOT) -> bool:
    return "services" in path.relative_to(root).parts[:-1]


# -- Imports ----------------------------------------------------------------------------------


def is_private(segment: str) -> bool:
    """``_name`` and ``__name`` are private; ``__name__`` (a dunder) is not."""
    return segment.startswith("_") and not (segment.startswith("__") and segment.endswith("__"))


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything ``module`` imports, at any depth (inside functions
    too); ``from a.b import c`` gives ``a.b.c``, relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"


def layer_problems(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, problem) for each import of ``module`` that breaks the layers."""
    home = module.split(".")[0]
    rank = LAYERS.index(home)
    for line, name in imported_names(ast.parse(source), module, is_package):
        segments = name.split(".")
        top = segments[0]
        if top in TOOLS:
            yield line, f"imports {name}: product code never imports {top}/"
        elif top in LAYERS and LAYERS.index(top) > rank:
            yield line, f"imports {name}: {home} sits below {top} ({' -> '.join(reversed(LAYERS))})"
        elif home == "planner" and top in PLANNER_MAY_NOT_IMPORT:
            yield line, f"imports {name}: the planner is plain Python"
        if top in LAYERS and top != home and any(is_private(part) for part in segments[1:]):
            yield line, f"imports {name}: a private name of {top}"


def layer_violations(root: Path = ROOT) -> list[Violation]:
    return [
        Violation(str(path.relative_to(root)), line, problem)
        for path in product_modules(root)
        for line, problem in layer_problems(
            path.read_text(), module_name(path, root), path.name == "__init__.py"
        )
    ]


# -- Writes -----------------------------------------------------------------------------------


def _chain_is_queryset(node: ast.expr, querysets: set[str]) -> bool:
    """Whether the receiver ``node`` is plainly a queryset or a manager."""
    while True:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in QUERYSET_METHODS:
                return True
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return True
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id in querysets
        else:
            return False


def _names_in(node: ast.AST) -> set[str]:
    return {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name)} | {
        sub.attr for sub in ast.walk(node) if isinstance(sub, ast.Attribute)
    }


def _annotated_queryset(annotation: ast.expr | None) -> bool:
    return annotation is not None and bool(_names_in(annotation) & QUERYSET_TYPES)


def _queryset_names(scope: ast.AST) -> set[str]:
    """Names in ``scope`` that hold a queryset: parameters annotated so, and names assigned
    from a queryset expression (followed until nothing changes: ``b = a.filter()``)."""
    names: set[str] = set()
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = scope.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if _annotated_queryset(argument.annotation):
                names.add(argument.arg)
    assignments: list[tuple[str, ast.expr]] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            assignments += [
                (target.id, node.value) for target in node.targets if isinstance(target, ast.Name)
            ]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _annotated_queryset(node.annotation):
                names.add(node.target.id)
            elif node.value is not None:
                assignments.append((node.target.id, node.value))
        elif isinstance(node, ast.NamedExpr):
            assignments.append((node.target.id, node.value))
    while True:
        found = {name for name, value in assignments if _chain_is_queryset(value, names)}
        if found <= names:
            return names
        names |= found


def _strings_reachable(node: ast.AST, definitions: dict[str, ast.AST], seen: set[str]) -> str:
    """The string constants in ``node`` and in the module-level definitions (constants and
    functions) it names, followed through names: the SQL an ``execute`` may run."""
    text = " ".join(
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
    )
    for name in _names_in(node) - seen:
        if name in definitions:
            seen.add(name)
            text += " " + _strings_reachable(definitions[name], definitions, seen)
    return text


def _is_cache(node: ast.expr) -> bool:
    return any("cache" in name.lower() for name in _names_in(node))


def _is_super(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def _module_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """What each module-level name is bound to: a function, a class or an assigned value."""
    definitions: dict[str, ast.AST] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions[statement.name] = statement
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    definitions[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            definitions[statement.target.id] = statement.value
    return definitions


def _method_calls(node: ast.AST, querysets: set[str]) -> Iterator[tuple[ast.Call, set[str]]]:
    """Every ``x.method(...)`` call under ``node``, with the names that hold a queryset where
    it is made (those of every function around it)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        querysets = querysets | _queryset_names(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        yield node, querysets
    for child in ast.iter_child_nodes(node):
        yield from _method_calls(child, querysets)


def write_problems(source: str) -> Iterator[tuple[int, str]]:
    """(line, problem) for each ORM write in ``source``."""
    tree = ast.parse(source)
    definitions = _module_definitions(tree)
    top_level = ast.Module(
        body=[
            statement
            for statement in tree.body
            if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ],
        type_ignores=[],
    )
    found: set[tuple[int, str]] = set()
    for call, querysets in _method_calls(tree, _queryset_names(top_level)):
        assert isinstance(call.func, ast.Attribute)
        method, receiver = call.func.attr, call.func.value
        saves = method in INSTANCE_WRITES and not (_is_cache(receiver) or _is_super(receiver))
        if method in ALWAYS_WRITES or saves:
            found.add((call.lineno, f".{method}() writes"))
        elif method in QUERYSET_WRITES and _chain_is_queryset(receiver, querysets):
            found.add((call.lineno, f".{method}() on a queryset writes"))
        elif method in {"execute", "executemany"} and WRITE_SQL.search(
            _strings_reachable(call, definitions, set())
        ):
            found.add((call.lineno, "raw SQL that writes"))
    yield from sorted(found)


def write_violations(root: Path = ROOT) -> list[Violation]:
    return [
        Violation(str(path.relative_to(root)), line, problem)
        for path in product_modules(root)
        if not in_services(path, root)
        for line, problem in write_problems(path.read_text())
    ]
