"""The promotion gate in a browser on AG News: a batch of wrong labels gives a held-back v2, v1 keeps serving;
the Model tab shows it held back, and "Promote anyway" makes it current as a recorded override."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import settings_in

pytestmark = [pytest.mark.browser, pytest.mark.data, pytest.mark.slow]


def test_a_held_back_version_is_shown_and_promoted_anyway(launch, ag_news_dir, tmp_path, browser_page):
    services = Services(settings_in(tmp_path, dataset=str(ag_news_dir), seed_size=300))
    services.train()
    corpus, n = services.corpus(), len(services.label_set)
    row_of = {t.strip(): i for i, t in enumerate(corpus.train_texts)}
    for _ in range(150):  # deliberately wrong labels: the gold label's neighbour
        item = services.next_item("saboteur")
        wrong = (int(corpus.train_labels[row_of[item.text]]) + 1) % n
        services.submit_label(item.example_id, wrong, "saboteur")
    card = services.retrain(feedback_weight=10)
    assert card.status == "held back" and services.project.registry.current_version() == 1

    page = browser_page
    page.goto(launch(services))
    page.get_by_role("tab", name="Model").click()
    versions = page.locator("#model-versions")
    expect(versions.locator("[role=gridcell][data-row='0'][data-col='0']")).to_have_text("v2")
    expect(versions.locator("[role=gridcell][data-row='0']", has_text="held back")).to_have_count(1)
    expect(page.locator("#model-promote")).to_be_disabled()  # v1 (current) is picked: nothing to promote
    page.locator("#model-picked input").click()
    page.get_by_role("option", name="v2").click()
    page.locator("#model-metrics").get_by_text("held back", exact=False).first.wait_for()
    expect(page.locator("#model-promote")).to_be_enabled()
    page.locator("#model-promote").click()  # one click is enough
    page.locator("#model-status").get_by_text("manual override", exact=False).wait_for()
    assert services.project.registry.current_version() == 2 and services.card(2).status == "override"
