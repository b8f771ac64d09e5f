"""Pages the app does not write itself still work under the Content-Security-Policy: the API's
Swagger page, the admin, and the reminder pages reached from an email."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import assert_nothing_blocked
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_policy(desktop_page: Page) -> None:
    desktop_page.goto("/api/docs/")

    expect(desktop_page.get_by_role("heading", name="gradus API")).to_be_visible()
    expect(desktop_page.get_by_text("/api/v1/auth/token/", exact=True).first).to_be_visible()
    assert_nothing_blocked(desktop_page, "api-docs")


def test_the_admin_works_under_the_policy(desktop_page: Page) -> None:
    admin = factories.UserFactory.create(is_staff=True, is_superuser=True)

    desktop_page.goto("/admin/login/")
    desktop_page.get_by_label("Username").fill(admin.username)
    desktop_page.get_by_label("Password").fill(factories.PASSWORD)
    desktop_page.get_by_role("button", name="Log in").click()
    desktop_page.goto("/admin/programs/user/")

    expect(desktop_page.get_by_role("heading", name="Select user to change")).to_be_visible()
    assert_nothing_blocked(desktop_page, "admin-users")


def test_an_email_s_reminder_page_is_styled_under_the_policy(desktop_page: Page) -> None:
    desktop_page.goto("/reminders/verify-email/not-a-real-token/")

    background = desktop_page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(243, 245, 248)"  # --wash of web/gradus.css, linked first
    width = desktop_page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    assert width == "512px"  # reminders/static/reminders/page.css
    assert_nothing_blocked(desktop_page, "reminder-page")
