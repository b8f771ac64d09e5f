"""What the end-to-end tests do in the browser: sign in through the real form, and check a page
with axe-core while saving its screenshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import Page

from tests.programs.factories import PASSWORD
from tests.service_probes import AXE_SCRIPT

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


def size_of(page: Page) -> str:
    viewport = page.viewport_size
    return "phone" if viewport is not None and viewport["width"] < 600 else "desktop"


def check_page(page: Page, name: str) -> None:
    """Save a full-page screenshot of ``page`` and fail on anything its Content-Security-Policy
    blocked, or on any serious or critical axe-core violation, naming each rule, its help and
    the elements it found."""
    size = size_of(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png", full_page=True)
    assert_nothing_blocked(page, name)
    # Evaluated, not added as a <script>: the page's policy refuses inline scripts.
    page.evaluate(AXE_SCRIPT.read_text())
    results: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    violations: list[dict[str, Any]] = results["violations"]
    summary = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in violations
    ]
    (SCREENSHOTS / f"{name}-{size}.axe.json").write_text(
        json.dumps({"url": page.url, "violations": summary}, indent=2) + "\n"
    )
    blocking = [v for v in summary if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {name} ({size}, {page.url}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(map(str, v["targets"]))
        for v in blocking
    )


def assert_nothing_blocked(page: Page, name: str) -> None:
    """Fail when the page's Content-Security-Policy blocked a script, a style or anything else
    (recorded by tests/e2e/conftest.py's init script)."""
    blocked: list[str] = page.evaluate("() => window.__cspViolations || []")
    assert not blocked, f"the policy blocked on {name} ({page.url}): {blocked}"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form, as a person would."""
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=False).first.fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


class PageChecks:
    """Check page after page and report every failure together at the end, so one broken
    page does not hide the state of the others."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []

    def visit(self, path: str, name: str) -> None:
        """Open ``path`` and check it; a page that does not answer 200 is a problem too."""
        response = self.page.goto(path)
        status = response.status if response is not None else 0
        if status != 200:
            self.problems.append(f"{name} ({size_of(self.page)}): HTTP {status} at {path}")
            return
        self.check(name)

    def check(self, name: str) -> None:
        """Check the page as it is now."""
        try:
            check_page(self.page, name)
        except AssertionError as error:
            self.problems.append(str(error))

    def assert_clean(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)
