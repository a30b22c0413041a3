"""Login in headless Chromium: the login page names the app, the logged-in user is the annotator in a field that
says it is locked, and Log out goes back to the login page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_log_in_label_as_yourself_and_log_out(launch, trained, browser_page):
    trained.settings.auth = "ana:secret1"
    page = browser_page
    page.goto(launch(trained))
    page.get_by_text(f"{trained.settings.title}: log in.", exact=False).wait_for()
    page.get_by_label("username").fill("ana")
    page.get_by_label("password").fill("secret1")
    page.get_by_role("button", name="Login").click()
    field = page.locator("#annotator textarea, #annotator input").first
    expect(field).to_have_value("ana")
    expect(field).to_be_disabled()
    page.get_by_text("logged in as ana", exact=False).wait_for()
    expect(page.locator("#logout")).to_be_visible()
    page.locator("#logout").click()
    page.get_by_text(f"{trained.settings.title}: log in.", exact=False).wait_for()
    expect(page.locator("#annotator")).to_have_count(0)
