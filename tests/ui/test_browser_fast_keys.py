"""Label keys pressed faster than the next item loads label only the item that was on screen (issue 18, part 1):
each submit names the item the person saw, keys are ignored while the next item loads, and the server refuses a
label for an item no longer shown to that person."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# In the page, in one JavaScript task per key: read the item id on screen, then press the key, so no update of the
# page can come between what the person saw and the key they pressed.
PRESS_KEYS = """
async ([keys, gap]) => {
  const shown = () => {
    const field = document.querySelector("#queue-guess");
    const found = field && field.innerText.match(/Item (\\d+), yours/);
    return found ? Number(found[1]) : null;
  };
  const log = [];
  for (const key of keys) {
    const id = shown();
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
    log.push([id, key]);
    await new Promise((done) => setTimeout(done, gap));
  }
  return log;
}
"""


def _queue_labels(services) -> dict[int, str]:
    return {e.example_id: e.label for e in services.history() if e.source == "queue"}


def _press(page, keys: list[str], gap_ms: int) -> list[tuple[int | None, str]]:
    return [(i, k) for i, k in page.evaluate(PRESS_KEYS, [keys, gap_ms])]


def _check(services, log: list[tuple[int | None, str]], names: list[str]) -> dict[int, str]:
    """Every queue label belongs to an item that was on screen, with the first key pressed while it was."""
    first_key: dict[int, str] = {}
    for shown, key in log:
        if shown is not None:
            first_key.setdefault(shown, names[int(key) - 1])
    stored = _queue_labels(services)
    assert stored, "at least the first key labelled its item"
    for example_id, label in stored.items():
        assert example_id in first_key, f"item {example_id} was labelled without ever being on screen"
        assert label == first_key[example_id], f"item {example_id} got {label}, pressed {first_key[example_id]}"
    return stored


def test_keys_20_ms_apart_label_only_the_items_on_screen(launch, trained, browser_page):
    names = trained.label_set.names
    page = browser_page
    page.goto(launch(trained))
    page.locator("#annotator input, #annotator textarea").first.fill("ana")
    page.get_by_role("tab", name="Label queue").click()
    guess = page.locator("#queue-guess")
    guess.get_by_text("guesses", exact=False).wait_for()  # the first item is shown without a click
    page.locator("#queue-shortcuts").click()  # focus away from text fields

    keys = [str(1 + i % len(names)) for i in range(30)]  # a different label on every press
    log = _press(page, keys, 20)
    page.wait_for_timeout(2000)  # let every request that was sent finish
    fast = _check(trained, log, names)

    # then at a person's pace: each key once the next item is on screen
    for i in range(5):
        before = re.search(r"Item (\d+), yours", guess.inner_text())
        log += _press(page, [str(1 + i % len(names))], 0)
        page.wait_for_function(
            "id => !document.querySelector('#queue-guess').innerText.includes(`Item ${id}, yours`)",
            arg=before.group(1) if before else "",
        )
    slow = _check(trained, log, names)
    assert len(slow) == len(fast) + 5, "at a person's pace every key labels the item shown"
