"""Drive the Review tab in headless Chromium on AG News: keep one suspect label (key K), relabel the next, and see
both in the history as review events; the agreement and live-quality panels render."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import settings_in

pytestmark = [pytest.mark.browser, pytest.mark.data, pytest.mark.slow]


def test_review_in_a_browser(launch, ag_news_dir, tmp_path, browser_page):
    services = Services(settings_in(tmp_path, dataset=str(ag_news_dir), seed_size=300))
    services.train()
    page = browser_page
    page.goto(launch(services))
    page.locator("#annotator input, #annotator textarea").first.fill("rita")
    page.get_by_role("tab", name="Review").click()
    info = page.locator("#review-info")
    info.get_by_text("the model suggests", exact=False).wait_for(timeout=60_000)
    first = services.suspects(n=1)[0]
    page.locator("#review-keys").click()  # focus away from text fields
    page.keyboard.press("k")
    page.locator("#review-status").get_by_text(f"Kept {first['label']} for item {first['example_id']}").wait_for()
    second = services.suspects(n=1)[0]
    assert second["example_id"] != first["example_id"]
    page.locator("#review-accept").click()
    page.locator("#review-status").get_by_text(f"Relabelled item {second['example_id']}", exact=False).wait_for()
    expect(page.locator("#review-given-by input")).to_have_value("everyone")  # the filter (seed labels only here)

    page.get_by_role("tab", name="Data").click()
    page.locator("#data-agreement").click()
    page.get_by_role("tab", name="Monitor").click()
    page.get_by_text("Live quality", exact=False).first.click()
    page.locator("#model-live-quality").click()
    expect(page.locator("#model-live-quality")).to_be_visible()

    events = {e.example_id: e for e in services.history() if e.source == "review"}
    assert events[first["example_id"]].label == first["label"]
    assert events[second["example_id"]].label == second["suggestion"] != second["label"]
