"""Key -> next item in headless Chromium: the Label queue against a trivial Gradio page with the same keys.

Launches the app over a temporary store (v1 on ``--seed`` rows of the dataset) and, in the same process, a peer
page built the same way (the app's CSS, its key script, the same element ids and outputs) whose label button
only counts. In each page a person's pace is played: a label key, then, once the next item is on screen, a pause,
``--keys`` times. The time from the key to the next item's id on screen is taken in the page (a
MutationObserver on the guess line). Prints the median and p90 of each and their ratio; the last line is one JSON
object. Target (issue 18): the app's p90 <= 150 ms on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from data_option import add_data_option, settings_in  # noqa: E402

import app  # noqa: E402
from hloop.services import Services  # noqa: E402
from hloop.ui import queue_keys  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

# One key, then the milliseconds until #queue-guess shows another item's id; ``pause`` ms between keys.
PLAY = """
async ([n, key, pause]) => {
  const guess = document.querySelector("#queue-guess");
  const shown = () => (guess.innerText.match(/Item (\\d+), yours/) || [])[1];
  const out = [];
  for (let i = 0; i < n; i++) {
    const before = shown();
    const moved = new Promise((done) => {
      const seen = new MutationObserver(() => {
        if (shown() && shown() !== before) { seen.disconnect(); done(performance.now()); }
      });
      seen.observe(guess, {subtree: true, childList: true, characterData: true});
    });
    const start = performance.now();
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
    out.push((await moved) - start);
    await new Promise((done) => setTimeout(done, pause));
  }
  return out;
}
"""


def peer_demo(n_labels: int) -> gr.Blocks:
    """The baseline: the queue's element ids, outputs, spinner and key script; the label button only counts."""
    with gr.Blocks() as demo:
        count = gr.State(0)
        shown_id = gr.Textbox(elem_id="queue-item-id")
        text = gr.Textbox(elem_id="queue-text")
        guess = gr.Markdown("Item 0, yours until later.", elem_id="queue-guess")
        why = gr.Markdown(elem_id="queue-why")
        counters = gr.Markdown(elem_id="queue-counters")
        button = gr.Button("1 · label", elem_id="queue-topic-1")

        def answer(n: int, _shown: str):
            n += 1
            return n, str(n), f"text {n}", f"Saved. Item {n}, yours until later.", "", f"Labelled: {n}"

        outputs = [count, shown_id, text, guess, why, counters]
        button.click(answer, inputs=[count, shown_id], outputs=outputs, show_progress="minimal")  # as the queue's
        demo.load(None, js=queue_keys.shortcuts_js(n_labels))
    demo.queue(default_concurrency_limit=app.CONCURRENCY)
    return demo


def play(page, url: str, keys: int, pause_ms: int, warmup: int) -> list[float]:
    """Open ``url`` as annotator "ana", show the Label queue, and play ``warmup`` + ``keys`` label keys."""
    page.goto(url)
    page.locator("#annotator, #queue-guess").first.wait_for(timeout=60_000)  # the page is drawn
    name = page.locator("#annotator input, #annotator textarea")
    if name.count():
        name.first.fill("ana")
        page.get_by_role("tab", name="Label queue").click()
    page.locator("#queue-guess").get_by_text("yours", exact=False).wait_for(timeout=60_000)
    page.locator("#queue-guess").click()  # focus away from text fields
    return page.evaluate(PLAY, [warmup + keys, "1", pause_ms])[warmup:]


def summary(times: list[float]) -> dict:
    ranked = sorted(times)
    return {"median_ms": round(statistics.median(ranked), 1), "p90_ms": round(ranked[int(0.9 * (len(ranked) - 1))], 1)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--keys", type=int, default=60, help="timed label keys per page (default 60)")
    parser.add_argument("--pause", type=int, default=300, help="ms a person looks at an item (default 300)")
    parser.add_argument("--seed", type=int, default=1000, help="labelled rows v1 trains on (default 1000)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hloop-bench-keys-"))
    settings = settings_in(folder, args.data, seed_size=args.seed)
    services = Services(settings)
    app.ensure_model(services)
    n_labels = len(services.label_set.names)
    served = {
        "app": app.serve_in_background(app.build_demo(services), settings, services),
        "peer": app.serve_in_background(peer_demo(n_labels), settings),
    }
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for _round in range(2):  # alternated, so a busy moment of the machine hits both
                for name, server in served.items():
                    page = browser.new_page(viewport={"width": 1280, "height": 1000})
                    results.setdefault(name, []).extend(play(page, server.url, args.keys // 2, args.pause, 3))
                    page.close()
            browser.close()
    finally:
        for server in served.values():
            server.close()
    figures = {name: summary(times) for name, times in results.items()}
    for name, figure in figures.items():
        print(f"{name:>5}: key -> next item median {figure['median_ms']} ms, p90 {figure['p90_ms']} ms", flush=True)
    ratio = round(figures["app"]["p90_ms"] / figures["peer"]["p90_ms"], 2)
    verdict = "met" if figures["app"]["p90_ms"] <= 150 else "NOT met"
    print(f"p90 app / peer: {ratio}; target app p90 <= 150 ms: {verdict}", flush=True)
    print(json.dumps({"keys": len(results["app"]), **figures, "p90_ratio": ratio}))


if __name__ == "__main__":
    main()
