"""Drive the Browse tab in headless Chromium on TREC: search "stand for", filter by the predicted label, label 20
chosen results ABBR in one batch (preview, then confirm), and undo the batch; the store follows each step."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import settings_in

pytestmark = [pytest.mark.browser, pytest.mark.data, pytest.mark.slow]
QUERY = "stand for"
GIVEN = "ABBR"
CHOSEN = 20


def pick(page, elem_id: str, option: str) -> None:
    """Choose ``option`` in the dropdown ``elem_id``."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_bulk_labelling_and_its_undo_in_a_browser(launch, trec_dir, tmp_path, browser_page):
    settings = settings_in(
        tmp_path, dataset=str(trec_dir), label_column="coarse_label", model="tfidf-lr", seed_size=300, embeddings="none"
    )
    services = Services(settings)
    services.train()
    services.wait_for_scoring()
    guesses = Counter(h.predicted for h in services.search(query=QUERY, per_page=200).hits if h.label != GIVEN)
    predicted = GIVEN if guesses[GIVEN] >= CHOSEN else guesses.most_common(1)[0][0]  # v1 rarely guesses ABBR
    found = services.search(query=QUERY, predicted=predicted, per_page=200)
    candidates = [h for h in found.hits if h.label != GIVEN and h.claimed_by is None]
    assert len(candidates) >= CHOSEN, f"{QUERY!r} has too few results predicted {predicted}: {guesses}"
    chosen = candidates[:CHOSEN]
    before = {h.example_id: h.label for h in chosen}

    page = browser_page
    page.goto(launch(services))
    page.locator("#annotator input, #annotator textarea").first.fill("rita")
    page.get_by_role("tab", name="Browse").click()
    page.locator("#browse-query textarea, #browse-query input").first.fill(QUERY)
    pick(page, "browse-filter-predicted", predicted)
    page.locator("#browse-search").click()
    status = page.locator("#browse-status")
    status.get_by_text(f"{found.total} result", exact=False).wait_for()
    expect(status).to_contain_text(f"(page 1 of {-(-found.total // 20)})")  # 20 a page
    results = page.locator("#browse-results")
    expect(results.locator("[role=gridcell][data-col='5']", has_text=predicted).first).to_be_visible()

    expect(page.locator("#browse-bulk-confirm")).to_be_disabled()  # no preview yet
    page.locator("#browse-bulk-ids textarea, #browse-bulk-ids input").first.fill(", ".join(map(str, before)))
    pick(page, "browse-bulk-label", GIVEN)
    if any(label is not None for label in before.values()):
        page.locator("#browse-bulk-relabel input").check()
    page.locator("#browse-bulk-preview").click()
    bulk = page.locator("#browse-bulk-status")
    bulk.get_by_text(f"Would label {CHOSEN} texts as {GIVEN}", exact=False).wait_for()
    assert services.search(query=QUERY, source="bulk").total == 0, "a preview labels nothing"
    expect(page.locator("#browse-bulk-confirm")).to_be_enabled()
    page.locator("#browse-bulk-confirm").click()
    bulk.get_by_text(f"labelled {CHOSEN} texts as {GIVEN}", exact=False).wait_for()
    batch = services.bulk_batches(limit=1)[0]
    assert bulk.inner_text().startswith(f"Batch #{batch.batch_id}:") and batch.annotator == "rita"
    expect(page.locator("#browse-undo-id textarea, #browse-undo-id input").first).to_have_value(str(batch.batch_id))

    now = {h.example_id: h for h in services.search(query=QUERY, per_page=200).hits}
    assert all((now[i].label, now[i].source, now[i].annotator) == (GIVEN, "bulk", "rita") for i in before)
    assert services.search(query=QUERY, source="bulk").total == CHOSEN, "only the chosen texts"

    page.locator("#browse-undo").click()
    bulk.get_by_text(f"Undid batch #{batch.batch_id}", exact=False).wait_for()
    after = {h.example_id: h.label for h in services.search(query=QUERY, per_page=200).hits}
    assert {i: after[i] for i in before} == before, "each text has exactly its previous label back"
    assert services.search(query=QUERY, source="bulk").total == 0 and services.bulk_batches(limit=1)[0].undone_at


def test_a_cold_start_offers_a_search_for_each_label_lacking_examples(launch, ag_news_dir, tmp_path, browser_page):
    services = Services(settings_in(tmp_path, dataset=str(ag_news_dir), seed_size=0, embeddings="none"))
    wanted = "Sports"
    page = browser_page
    page.goto(launch(services))
    offer = page.locator("#predict-seed-line")
    expect(offer).to_contain_text("No model yet.")
    for name in services.label_set.names:
        expect(offer).to_contain_text(f"{name} (")
    page.get_by_role("tab", name="Label queue").click()
    expect(page.locator("#queue-seed-line")).to_contain_text("find its texts in the Browse tab")
    pick(page, "queue-seed-label", wanted)
    page.locator("#queue-seed-search").click()
    expect(page.get_by_role("tab", name="Browse")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#browse-query textarea, #browse-query input").first).to_have_value(wanted)
    total = services.search(query=wanted).total
    assert total > 0, f"the AG News pool never says {wanted!r}"
    expect(page.locator("#browse-status")).to_contain_text(f"{total:,} result")
    expect(page.locator("#browse-bulk-label input")).to_have_value(wanted)  # ready to label the results
