"""An annotator's whole day in headless Chromium (issue 18), on AG News, on TREC and on a cold-start file of
support tickets: the first item shows without a click, 30 labels by keyboard at a person's pace, H opens the
guidelines, Undo brings the previous card back, 30 keys 20 ms apart label only the items on screen, and every tab is
photographed. The screenshots go to ``$HLOOP_SCREENSHOTS/<project>/`` (default: the system's temporary folder's
``hloop-screenshots``), never into the repository; the key -> next item latency is measured by
``benchmarks/bench_keys.py``, not here."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hloop.services import Services
from tests.conftest import settings_in
from tests.services.test_cold_start import tickets  # noqa: F401 (the fixture)
from tests.ui.test_browser_fast_keys import _check, _press

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOWN = re.compile(r"Item (\d+), yours")


@pytest.fixture(params=["ag_news", "trec", "cold_start"])
def project(request, tmp_path):
    """(name, services, the right label of a text or None) with guidelines; v1 trained except in the cold start."""
    (tmp_path / "guide.md").write_text("# How to label\nPick the label a reader would file the text under.")
    guide = {"guidelines": tmp_path / "guide.md"}
    if request.param == "cold_start":
        services, answers = request.getfixturevalue("tickets")
        services = Services(services.settings.model_copy(update=guide))
        return request.param, services, answers.get
    folder = request.getfixturevalue("ag_news_dir" if request.param == "ag_news" else "trec_dir")
    extra = {"label_column": "coarse_label"} if request.param == "trec" else {}
    services = Services(settings_in(tmp_path, dataset=str(folder), seed_size=300, **guide, **extra))
    services.train()
    return request.param, services, lambda _text: None


def _shots(name: str) -> Path:
    folder = Path(os.environ.get("HLOOP_SCREENSHOTS") or Path(tempfile.gettempdir()) / "hloop-screenshots") / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shown_id(page) -> str:
    found = SHOWN.search(page.locator("#queue-guess").inner_text())
    return found.group(1) if found else ""


def _next_shown(page, before: str) -> str:
    page.wait_for_function(
        "id => { const m = document.querySelector('#queue-guess').innerText.match(/Item (\\d+), yours/);"
        " return m && m[1] !== id; }",
        arg=before,
    )
    return _shown_id(page)


def test_an_annotators_day(project, launch, browser_page):
    name, services, right = project
    names = services.label_set.names
    shots = _shots(name)
    page = browser_page
    page.goto(launch(services))
    page.locator("#annotator input, #annotator textarea").first.fill("ana")
    if name == "cold_start":  # Predict says what v1 waits for before anything is pressed
        page.locator("#predict-version").get_by_text("still needed", exact=False).wait_for()
    page.screenshot(path=str(shots / "1-predict.png"), full_page=True)

    page.get_by_role("tab", name="Label queue").click()
    guess = page.locator("#queue-guess")
    guess.get_by_text(SHOWN).wait_for()  # the first item, without a click
    if name == "cold_start":
        expect(guess).to_contain_text("still needed")
    page.locator("#queue-shortcuts").click()  # focus away from text fields

    log, keys = [], {}
    shown = _shown_id(page)
    for i in range(30):  # a person's pace: each key once the next item is on screen
        text = page.locator("#queue-text textarea").input_value()
        key = str(names.index(right(text)) + 1) if right(text) else str(1 + i % min(len(names), 9))
        keys[shown] = key
        log += _press(page, [key], 0)
        previous, shown = shown, _next_shown(page, shown)
        if i == 4:
            page.keyboard.press("h")
            expect(page.locator("#queue-guidelines")).to_contain_text("Pick the label a reader would file")
            page.screenshot(path=str(shots / "3-queue-guidelines.png"), full_page=True)
            page.keyboard.press("Escape")
            expect(page.locator("#queue-guidelines")).to_be_hidden()
    expect(page.locator("#queue-counters")).to_contain_text("Labelled this session: 30")
    page.screenshot(path=str(shots / "2-queue.png"), full_page=True)

    page.keyboard.press("u")  # the previous card comes back
    expect(guess).to_contain_text(f"Item {previous}, yours")
    expect(guess).to_contain_text("It is back on screen")
    expect(page.locator("#queue-counters")).to_contain_text("Labelled this session: 29")
    page.screenshot(path=str(shots / "4-queue-undo.png"), full_page=True)
    log += _press(page, [keys[previous]], 0)  # labelled again, with the same key
    shown = _next_shown(page, previous)

    log += _press(page, [str(1 + i % min(len(names), 9)) for i in range(30)], 20)  # 30 keys 20 ms apart
    page.wait_for_timeout(2000)
    stored = _check(services, log, names)
    assert len(stored) >= 31, "every key at a person's pace labelled its item, and the burst at least one more"

    tabs = (("Correct", "5-correct"), ("Model", "6-model"), ("Monitor", "6b-monitor"), ("Review", "7-review"))
    for tab, shot in (*tabs, ("Data", "8-data")):
        page.get_by_role("tab", name=tab).click()
        if tab == "Model" and services.current_version() is not None:
            page.locator("#model-plot-version img").wait_for()  # the plot with its bands, drawn
        if tab == "Model" and name == "cold_start":  # v1 came from few labels: how many more metrics need
            expect(page.locator("#model-metrics")).to_contain_text("held-out human labels for metrics")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / f"{shot}.png"), full_page=True)
    assert len(list(shots.glob("*.png"))) >= 9
    if name == "cold_start":
        assert services.current_version() == 1, "the cold start's right labels trained v1 by themselves"
