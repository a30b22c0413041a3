"""Label descriptions beside the queue's buttons and guidelines behind key H (Esc closes), in Chromium; typing an
h in a text field never opens them."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import corpus_of, settings_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_descriptions_and_guidelines_on_the_label_queue(tmp_path, launch, browser_page):
    (tmp_path / "labels.json").write_text(
        json.dumps({"beta": "sport results", "alpha": {"description": "politics", "examples": ["The vote passed"]}})
    )
    (tmp_path / "guide.md").write_text("# How to label\nPick the **main** topic of the text.")
    settings = settings_in(tmp_path, label_descriptions=tmp_path / "labels.json", guidelines=tmp_path / "guide.md")
    services = Services(settings, corpus=corpus_of(30))
    services.train()
    page = browser_page
    page.goto(launch(services))
    page.locator("#annotator input, #annotator textarea").first.fill("hannah")  # an h typed: nothing opens
    panel = page.locator("#queue-guidelines")
    page.get_by_role("tab", name="Label queue").click()
    legend = page.locator("#queue-descriptions")
    expect(legend).to_contain_text("1 · alpha: politics (e.g. “The vote passed”)")
    expect(legend).to_contain_text("2 · beta: sport results")
    expect(panel).to_be_hidden()
    page.locator("#queue-shortcuts").click()  # focus away from text fields
    page.keyboard.press("h")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Pick the main topic of the text.")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    page.locator("#queue-guidelines-open").click()
    expect(panel).to_be_visible()
    page.locator("#queue-guidelines-close").click()
    expect(panel).to_be_hidden()
    assert services.history() == [], "no key labelled anything"
