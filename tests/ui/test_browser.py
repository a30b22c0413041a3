"""Drive the app in headless Chromium on AG News and on TREC: predict, correct, label two queue items by keyboard,
retrain, see v2. Label names, buttons and keys come from each dataset."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import settings_in

pytestmark = [pytest.mark.browser, pytest.mark.data, pytest.mark.slow]


@pytest.fixture(params=["ag_news", "trec"])
def real(request, tmp_path):
    """Services over a real dataset (seed 300) with v1 trained; skipped when the dataset is absent."""
    folder = request.getfixturevalue("ag_news_dir" if request.param == "ag_news" else "trec_dir")
    extra = {"label_column": "coarse_label"} if request.param == "trec" else {}
    services = Services(settings_in(tmp_path, dataset=str(folder), seed_size=300, **extra))
    services.train()
    return services


def shoot(page, folder, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_the_loop_in_a_browser(launch, real, tmp_path, browser_page):
    trained, names = real, real.label_set.names
    first_text, second_text = "an unusual first sentence to classify", "another sentence nobody labelled"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser_page
    page.goto(launch(trained))
    page.locator("#annotator input, #annotator textarea").first.fill("ana")
    expect(page.locator("#logout")).to_be_hidden()  # no login, no Log out

    # Predict, then save a correction
    page.locator("#predict-text textarea").fill(first_text)
    page.locator("#predict-button").click()
    page.locator("#predict-version").get_by_text("Model v1 predicts", exact=False).wait_for()
    page.locator("#predict-topic").get_by_text(names[1], exact=True).click()
    page.locator("#predict-save").click()
    page.locator("#predict-status").get_by_text(f"Saved {names[1]}", exact=False).wait_for()
    # a second prediction, not corrected now: the Correct tab lists it for later
    page.locator("#predict-text textarea").fill(second_text)
    page.locator("#predict-button").click()
    expected = trained.predict(second_text)["label"]
    page.locator("#predict-version").get_by_text(f"Model v1 predicts {expected}", exact=False).wait_for()
    shoot(page, shots, "1-predict")

    # Correct: the correction is in the table; change it
    page.get_by_role("tab", name="Correct").click()
    table = page.locator("#correct-table")
    table.locator("[role=gridcell]", has_text=first_text).first.click()
    assert page.locator("#correct-example input").input_value() != ""
    page.locator("#correct-topic").get_by_text(names[0], exact=True).click()
    page.locator("#correct-change").click()
    page.locator("#correct-status").get_by_text(f"is now {names[0]}", exact=False).wait_for()
    # the uncorrected prediction is there too, without a human label; correcting it stores the text
    table.locator("[role=gridcell]", has_text=second_text).first.click()
    expect(page.locator("#correct-example input")).to_have_value("")
    page.locator("#correct-topic").get_by_text(names[2], exact=True).click()
    page.locator("#correct-change").click()
    page.locator("#correct-status").get_by_text(f"is now {names[2]}", exact=False).wait_for()
    shoot(page, shots, "2-correct")

    # Label queue: two items with the keyboard shortcuts (2 = the second label, n = the last one)
    page.get_by_role("tab", name="Label queue").click()
    for i, name in enumerate(names, start=1):  # a button per label, keys 1..n
        expect(page.locator(f"#queue-topic-{i}")).to_have_text(f"{i} · {name}")
    expect(page.locator(f"#queue-topic-{len(names) + 1}")).to_have_count(0)
    guess = page.locator("#queue-guess")
    guess.get_by_text("guesses", exact=False).wait_for()  # the first item is shown without a click
    page.locator("#queue-shortcuts").click()  # focus away from text fields
    page.keyboard.press("2")
    guess.get_by_text(f"Saved {names[1]}", exact=False).wait_for()
    page.keyboard.press(str(len(names)))
    guess.get_by_text(f"Saved {names[-1]}", exact=False).wait_for()
    page.locator("#queue-counters").get_by_text(re.compile(r"Labelled this session: 2")).wait_for()
    shoot(page, shots, "3-queue")

    # Model: retrain and see v2 in the versions table
    page.get_by_role("tab", name="Model").click()
    page.locator("#model-retrain").click()
    page.locator("#model-status").get_by_text("Trained v2", exact=False).wait_for(timeout=60_000)
    expect(page.locator("#model-versions [role=gridcell][data-row='0'][data-col='0']")).to_have_text("v2")
    shoot(page, shots, "4-model")
    # live quality (now in the Monitor tab) just after a retrain: v2 has no fresh labels, so v1's are shown
    page.get_by_role("tab", name="Monitor").click()
    page.get_by_text("Live quality", exact=False).first.click()
    page.locator("#model-live-quality").click()
    status = page.locator("#model-live-quality-status")
    status.get_by_text("v2 (current) has no fresh labels yet, so these are v1's", exact=False).wait_for()
    page.locator("#monitor-check").click()  # the predictions made above are this process's live traffic
    expect(page.locator("#monitor-figures")).to_contain_text("Label mix", timeout=60_000)
    expect(page.locator("#monitor-flags")).to_contain_text("live predictions")
    shoot(page, shots, "4b-monitor")

    page.get_by_role("tab", name="Data").click()
    expect(page.locator("#data-download")).to_be_hidden()  # no empty download box before an export
    page.locator("#data-agreement").click()
    agreement = page.locator("#data-agreement-status")
    agreement.get_by_text("No item has been labelled by two people", exact=False).wait_for()
    page.locator("#data-export").click()
    page.locator("#data-download").get_by_text(".csv", exact=False).first.wait_for()
    shoot(page, shots, "5-data")

    events = trained.history()
    assert sorted(e.source for e in events) == ["correction", "correction", "correction", "queue", "queue"]
    assert sorted(e.label for e in events if e.source == "queue") == sorted([names[1], names[-1]])
    assert trained.project.registry.current_version() == 2
    assert sorted(p.name for p in shots.iterdir()) == [
        f"{n}.png" for n in ("1-predict", "2-correct", "3-queue", "4-model", "4b-monitor", "5-data")
    ]
