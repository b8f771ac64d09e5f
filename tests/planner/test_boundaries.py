import ast
from pathlib import Path

PLANNER = Path(__file__).resolve().parents[2] / "planner"
FORBIDDEN = {"django", "rest_framework", "celery", "programs", "reminders", "config"}


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_it_keeps_the_planner_free_of_django_and_the_project() -> None:
    offenders = {
        path.name: sorted(imported_roots(path.read_text()) & FORBIDDEN)
        for path in PLANNER.rglob("*.py")
    }
    assert list(PLANNER.rglob("*.py")), "the planner package was not found"
    assert {name: found for name, found in offenders.items() if found} == {}


def test_it_notices_a_forbidden_import() -> None:
    assert imported_roots("from django.db import models\nimport celery") == {"django", "celery"}


def test_it_loads_no_forbidden_module_at_run_time() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, planner, planner.review, planner.schedule\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(FORBIDDEN)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=PLANNER.parent
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
