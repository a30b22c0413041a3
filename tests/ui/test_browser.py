"""Drive the app in headless Chromium: predict, correct, label two queue items by keyboard, retrain, see v2."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def shoot(page, folder, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_loop_in_a_browser(launch, trained, tmp_path, browser_page):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser_page
    page.goto(launch(trained))
    page.locator("#annotator input, #annotator textarea").first.fill("ana")

    # Predict, then save a correction
    page.locator("#predict-text textarea").fill("coach team score olympic match in the season story")
    page.locator("#predict-button").click()
    page.locator("#predict-version").get_by_text("Model v1 predicts", exact=False).wait_for()
    page.locator("#predict-topic").get_by_text("beta").click()
    page.locator("#predict-save").click()
    page.locator("#predict-status").get_by_text("Saved beta", exact=False).wait_for()
    # a second prediction, not corrected now: the Correct tab lists it for later
    page.locator("#predict-text textarea").fill("rebels troops embassy minister talks story")
    page.locator("#predict-button").click()
    page.locator("#predict-version").get_by_text("Model v1 predicts alpha", exact=False).wait_for()
    shoot(page, shots, "1-predict")

    # Correct: the correction is in the table; change it
    page.get_by_role("tab", name="Correct").click()
    table = page.locator("#correct-table")
    table.locator("[role=gridcell]", has_text="coach team score olympic").first.click()
    assert page.locator("#correct-example input").input_value() != ""
    page.locator("#correct-topic").get_by_text("alpha").click()
    page.locator("#correct-change").click()
    page.locator("#correct-status").get_by_text("is now alpha", exact=False).wait_for()
    # the uncorrected prediction is there too, without a human label; correcting it stores the text
    table.locator("[role=gridcell]", has_text="rebels troops embassy").first.click()
    expect(page.locator("#correct-example input")).to_have_value("")
    page.locator("#correct-topic").get_by_text("gamma").click()
    page.locator("#correct-change").click()
    page.locator("#correct-status").get_by_text("is now gamma", exact=False).wait_for()
    shoot(page, shots, "2-correct")

    # Label queue: two items with the keyboard shortcuts (2 = beta, 3 = gamma)
    page.get_by_role("tab", name="Label queue").click()
    page.locator("#queue-next").click()
    guess = page.locator("#queue-guess")
    guess.get_by_text("guesses", exact=False).wait_for()
    page.locator("#queue-shortcuts").click()  # focus away from text fields
    page.keyboard.press("2")
    guess.get_by_text("Saved beta", exact=False).wait_for()
    page.keyboard.press("3")
    guess.get_by_text("Saved gamma", exact=False).wait_for()
    page.locator("#queue-counters").get_by_text(re.compile(r"Labelled this session: 2")).wait_for()
    shoot(page, shots, "3-queue")

    # Model: retrain and see v2 in the versions table
    page.get_by_role("tab", name="Model").click()
    page.locator("#model-retrain").click()
    page.locator("#model-status").get_by_text("Trained v2", exact=False).wait_for(timeout=60_000)
    expect(page.locator("#model-versions [role=gridcell][data-row='0'][data-col='0']")).to_have_text("v2")
    shoot(page, shots, "4-model")

    page.get_by_role("tab", name="Data").click()
    page.locator("#data-export").click()
    page.locator("#data-download").get_by_text(".csv", exact=False).first.wait_for()
    shoot(page, shots, "5-data")

    sources = sorted(e["source"] for e in trained.history())
    assert sources == ["correction", "correction", "correction", "queue", "queue"]
    assert trained.registry.current_version() == 2
    assert sorted(p.name for p in shots.iterdir()) == [
        f"{n}.png" for n in ("1-predict", "2-correct", "3-queue", "4-model", "5-data")
    ]
