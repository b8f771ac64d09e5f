"""The layout holds: each package imports only the layers below it, and every ORM write is in a
service module. The checkers (tests/layers.py) read the source; the tests of the tests below
plant a violation of each kind and check that it is named by file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from tests.layers import (
    ROOT,
    layer_problems,
    layer_violations,
    product_modules,
    write_problems,
    write_violations,
)


def test_it_reads_every_package_but_the_migrations() -> None:
    modules = {str(path.relative_to(ROOT)) for path in product_modules()}

    assert {
        "planner/schedule.py",
        "programs/engine.py",
        "reminders/services/dispatch.py",
        "web/access.py",
        "config/settings.py",
    } <= modules
    assert not [module for module in modules if "/migrations/" in module]
    assert not [module for module in modules if module.startswith(("tests/", "bench/"))]


def test_each_package_imports_only_the_layers_below_it() -> None:
    violations = layer_violations()

    assert not violations, "\n".join(map(str, violations))


def test_every_orm_write_outside_migrations_and_tests_is_in_a_service() -> None:
    violations = write_violations()

    assert not violations, "writes outside services/:\n" + "\n".join(map(str, violations))


def test_the_planner_loads_no_django_and_nothing_of_the_project_at_run_time() -> None:
    forbidden = ["celery", "config", "django", "programs", "reminders", "rest_framework", "web"]
    probe = (
        "import sys, planner, planner.review, planner.schedule\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({forbidden!r})))"
    )

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# The layer checker, on planted imports.


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        ("planner.units", "from django.db import models", "the planner is plain Python"),
        ("planner.units", "import celery", "the planner is plain Python"),
        ("planner.units", "from programs.models import Program", "planner sits below programs"),
        ("programs.engine", "from reminders.models import Contact", "programs sits below remind"),
        ("programs.engine", "import web.access", "programs sits below web"),
        ("reminders.tasks", "from config.health import redis_error", "reminders sits below conf"),
        ("web.views", "from config import settings", "web sits below config"),
        ("web.views", "from tests.services import PROBES", "never imports tests/"),
        ("config.urls", "import bench.urls", "never imports bench/"),
        (
            "web.patient.reminders",
            "from reminders.services.contacts import _phone_region",
            "a private name of reminders",
        ),
        ("web.views", "from programs._internal import rule", "a private name of programs"),
        ("web.views", "import programs.__secret", "a private name of programs"),
        ("web.views", "def view():\n    from config.health import healthz\n", "web sits below"),
        # Relative imports are read as the absolute module they name.
        ("programs.engine", "from ..reminders import models", "programs sits below reminders"),
    ],
)
def test_it_finds_a_planted_import_across_the_layers(
    module: str, source: str, problem: str
) -> None:
    found = list(layer_problems(source, module))

    assert len(found) == 1
    assert problem in found[0][1]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("planner.units", "from planner.errors import PlannerInputError\nimport math"),
        ("programs.engine", "from planner import Schedule\nfrom programs.models import Program"),
        ("reminders.tasks", "from programs.services.common import local_today"),
        ("web.views", "from reminders.selectors import is_suppressed\nimport planner"),
        ("config.urls", "from web import urls\nfrom django.urls import path"),
        # Private names are a package's own business, and dunders are nobody's secret.
        ("reminders.services.outbox", "from reminders.services.contacts import _clean_phone"),
        ("programs.admin", "from django.contrib.admin import __version__"),
        ("programs.services", "from .common import audit_record"),
    ],
)
def test_it_lets_an_import_down_the_layers_pass(module: str, source: str) -> None:
    assert list(layer_problems(source, module, module == "programs.services")) == []


def test_it_names_the_file_and_line_of_a_planted_import(tmp_path: Path) -> None:
    plant(tmp_path, "programs/models.py", "x = 1\n")
    plant(tmp_path, "web/views.py", "import os\n\n\ndef page():\n    from config import urls\n")

    assert [str(violation) for violation in layer_violations(tmp_path)] == [
        "web/views.py:5: imports config.urls: web sits below config (config -> web -> reminders"
        " -> programs -> planner)"
    ]


# The write checker, on planted writes.


@pytest.mark.parametrize(
    "source",
    [
        "Reminder.objects.filter(id=1).update(status='sent')",
        "Reminder.objects.create(channel='sms')",
        "Reminder.objects.all().delete()",
        "Reminder.objects.select_for_update().get(id=1).save()",
        "Suppression.objects.get_or_create(address='a')",
        "Suppression.objects.update_or_create(address='a')",
        "PlannedSession.objects.bulk_create(rows)",
        "PlannedDose.objects.bulk_update(rows, ['amount'])",
        "User.objects.create_user(username='a')",
        "user.set_password('secret')\nuser.save()",
        "form.save()",
        "program.delete()",
        "program.activities.filter(kind='aerobic').update(goal_quota=3)",
        "Reminder.objects.filter(pk=1)[:5].delete()",
        # A name that holds a queryset, however many names it passed through.
        "def f():\n    rows = Reminder.objects.filter(id=1)\n    due = rows\n    due.update(x=1)",
        "def f(rows: QuerySet[Reminder]) -> None:\n    rows.update(status='sent')",
        "def f():\n    cursor.execute('UPDATE reminder SET status = %s', ['sent'])",
        "SQL = 'DELETE FROM reminder'\n\ndef f():\n    cursor.execute(SQL)",
        # Raw SQL built by a function of the module, from a constant of the module.
        "TEMPLATE = 'INSERT INTO t {x}'\n\n"
        "def sql():\n    return TEMPLATE.format(x=1)\n\n"
        "def f():\n    cursor.execute(sql())",
    ],
)
def test_it_finds_a_planted_write(source: str) -> None:
    found = list(write_problems(source))

    assert len(found) == 1
    assert found[0][0] == source.count("\n") + 1


@pytest.mark.parametrize(
    "source",
    [
        "context = {}\ncontext.update(a=1)",
        "counts = Counter()\ncounts.update(['sent'])",
        "settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)",
        "cache.delete('key')",
        "today_cache.delete(patient_id)",
        "caches['default'].delete('key')",
        "super().save(*args, **kwargs)",
        "client.messages.create(body='hi')",
        "Reminder.objects.filter(id=1).exists()",
        "cursor.execute('SELECT 1')",
        "def f():\n    cursor.execute(_token_user_sql(), [key])\n\n"
        "def _token_user_sql():\n    return 'SELECT user_id FROM token WHERE key = %s'",
        # A name holds a queryset only in the function that assigned it.
        "def f():\n    rows = Reminder.objects.all()\n\ndef g():\n    rows.update(x=1)",
    ],
)
def test_it_lets_what_is_no_orm_write_pass(source: str) -> None:
    assert list(write_problems(source)) == []


def test_it_names_the_file_and_line_of_a_planted_write_outside_services(tmp_path: Path) -> None:
    write = """\
        from reminders.models import Reminder


        def expire() -> None:
            Reminder.objects.filter(status="pending").update(status="expired")
        """
    plant(tmp_path, "reminders/views.py", write)
    plant(tmp_path, "reminders/services/outbox.py", write)
    plant(tmp_path, "reminders/migrations/0002_fill.py", write)

    assert [str(violation) for violation in write_violations(tmp_path)] == [
        "reminders/views.py:5: .update() on a queryset writes"
    ]


def plant(root: Path, name: str, source: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(source))
