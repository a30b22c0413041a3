"""The page's stream watchdog (hloop/ui/stream_nudge.py): a spinner that outlives WAIT_MS makes the page send the
no-op nudge event (which reopens Gradio's message stream), and a page with no spinner sends none."""

from __future__ import annotations

import json

import pytest

from hloop.ui import stream_nudge

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAKE_SPINNER = """
() => {
  const spinner = document.createElement("div");
  spinner.className = "progress-text";
  spinner.id = "fake-spinner";
  spinner.textContent = "9.9s";
  document.body.prepend(spinner);
}
"""


def _nudges(page, fn_index: int) -> list[float]:
    joins = []

    def on_request(request) -> None:
        if request.method == "POST" and "/queue/join" in request.url:
            if json.loads(request.post_data or "{}").get("fn_index") == fn_index:
                joins.append(request.timing.get("startTime", 0.0))

    page.on("request", on_request)
    return joins


def test_a_spinner_that_lasts_sends_the_nudge_and_none_otherwise(launch, trained, browser_page):
    page = browser_page
    page.goto(launch(trained))
    page.locator("#annotator input, #annotator textarea").first.wait_for()
    config = page.evaluate("() => window.gradio_config")
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ui_nudge")
    joins = _nudges(page, fn_index)

    page.wait_for_timeout(2 * stream_nudge.WAIT_MS + 500)
    assert joins == [], "no spinner on screen, no nudge"

    page.evaluate(FAKE_SPINNER)
    page.wait_for_timeout(stream_nudge.WAIT_MS + 2 * stream_nudge.CHECK_MS + 500)
    assert len(joins) >= 1, "a spinner on screen longer than WAIT_MS sends a nudge"
    page.wait_for_timeout(stream_nudge.WAIT_MS)
    assert len(joins) <= 3, f"at most one nudge per WAIT_MS, got {len(joins)}"

    page.evaluate("() => document.getElementById('fake-spinner').remove()")
    page.wait_for_timeout(stream_nudge.CHECK_MS + 100)
    sent = len(joins)
    page.wait_for_timeout(2 * stream_nudge.WAIT_MS)
    assert len(joins) == sent, "the spinner gone, the nudges stop"
