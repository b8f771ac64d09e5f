"""What a patient's phone downloads on a first visit to today's page and the guided session,
compressed as the server sends it, and how many queries today's page takes.

The demo clinic is seeded into a throwaway SQLite database (so the figures do not depend on
the bench database's size), one demo patient is signed in, and each page's HTML is fetched
through Django's test client. Every stylesheet, script, manifest and service worker the HTML
names is read from the static files and compressed with gzip at level 9, as whitenoise
compresses the collected files in production (brotli, where installed, is smaller still).
Pictures are not counted: the budget is for HTML, CSS and JavaScript.

Run as ``python -m bench page_weight``; the measuring half runs as ``python -m
bench.page_weight`` in a child process with its own settings.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 100 * 1024
QUERY_BUDGET = 8


class BenchError(Exception):
    pass


class _Assets(HTMLParser):
    """The URLs of the stylesheets, scripts and manifest a page links to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(str(found["src"]))
        elif tag == "link" and found.get("href"):
            rel = set((found.get("rel") or "").split())
            if rel & {"stylesheet", "manifest", "modulepreload"}:
                self.urls.append(str(found["href"]))


def _compressed(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def _probe() -> dict[str, Any]:
    """Seed the demo, sign in a patient and weigh the pages (runs in the child process)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from programs.models import Patient, PlannedSession
    from programs.services.common import local_today
    from programs.services.demo import demo_build

    call_command("migrate", verbosity=0)
    demo_build()
    # The first demo patient with an account and a session today: the page at its fullest.
    patient = next(
        (
            candidate
            for candidate in Patient.objects.filter(user__isnull=False).order_by("pk")
            if PlannedSession.objects.filter(
                program__patient=candidate, date=local_today(candidate)
            ).exists()
        ),
        None,
    )
    if patient is None or patient.user is None:
        raise BenchError("no demo patient with an account has a session today")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(patient.user)
    session = PlannedSession.objects.get(program__patient=patient, date=local_today(patient))
    pages = [
        ("today's page", reverse("web:today", kwargs={"patient_id": patient.pk})),
        (
            "guided session",
            reverse("web:guide", kwargs={"patient_id": patient.pk, "session_id": session.pk}),
        ),
        ("service worker", reverse("web:service-worker")),
    ]
    client.get(pages[0][1])  # warm the caches, as a second visit of the day would
    with CaptureQueriesContext(connection) as queries:
        response = client.get(pages[0][1])
    if response.status_code != 200:
        raise BenchError(f"today's page answered {response.status_code}")
    today_queries = len(queries.captured_queries)

    weighed: dict[str, dict[str, int]] = {}
    seen: set[str] = set()
    for label, url in pages:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            raise BenchError(f"{label} ({url}) answered {response.status_code}")
        html = response.content
        weighed[f"{label} ({response.request['PATH_INFO']})"] = {
            "raw": len(html),
            "gzip": _compressed(html),
        }
        parser = _Assets()
        parser.feed(html.decode())
        for asset in parser.urls:
            if asset in seen:
                continue
            seen.add(asset)
            body = client.get(asset).getvalue() if asset.startswith("/") else b""
            if not body:
                raise BenchError(f"{label} links {asset}, which did not load")
            weighed[asset] = {"raw": len(body), "gzip": _compressed(body)}
    return {"queries": today_queries, "files": weighed, "pages": [label for label, _ in pages]}


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{scratch}/weight.sqlite3",
            "DJANGO_DEBUG": "false",
        }
        done = subprocess.run(
            [sys.executable, "-m", "bench.page_weight"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BenchError(f"the page weight probe failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [f"pages: {', '.join(result['pages'])} (the demo clinic, a patient signed in)"]
    total = 0
    for name, sizes in result["files"].items():
        total += sizes["gzip"]
        lines.append(f"  {name}: {sizes['raw']:,} bytes, {sizes['gzip']:,} gzipped")
    verdict = "met" if total <= BUDGET_BYTES else "MISSED"
    lines.append(
        f"first load, HTML + CSS + JavaScript gzipped: {total / 1024:.1f} KB "
        f"(budget {BUDGET_BYTES // 1024} KB: {verdict})"
    )
    verdict = "met" if result["queries"] <= QUERY_BUDGET else "MISSED"
    lines.append(f"today's page: {result['queries']} queries (budget {QUERY_BUDGET}: {verdict})")
    return lines


if __name__ == "__main__":
    print(json.dumps(_probe()))
