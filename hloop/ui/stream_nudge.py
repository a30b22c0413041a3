"""A watchdog for a race in Gradio's page client: an event that joins the queue while the page's message stream
is closing gets its result sent to a stream nobody reads, and its outputs show a spinner until some other event
opens the stream again (seen with a label key pressed as another event finished: the item stayed on screen, its
label stored). The page script below notices a spinner that outlives ``WAIT_MS`` and sends a no-op event, which
opens the stream, so the waiting result arrives; a long event (a retrain) just gets a no-op now and then."""

from __future__ import annotations

import gradio as gr

NUDGE_ID = "hloop-nudge"
WAIT_MS = 1500  # longer than a label key -> next item on a busy machine; shorter than a person's patience
CHECK_MS = 500
CSS = f"#{NUDGE_ID} {{ display: none !important; }}\n"

# Installed once per page: every CHECK_MS, is a status spinner (Gradio's progress text) on screen? After WAIT_MS of
# spinner, click the hidden nudge button (at most once per WAIT_MS).
NUDGE_JS = (
    """
() => {
  if (window.__hloopNudge) return;
  window.__hloopNudge = true;
  let since = null, last = 0;
  setInterval(() => {
    const spinning = [...document.querySelectorAll(".progress-text")].some((e) => e.offsetParent !== null);
    const now = Date.now();
    if (!spinning) { since = null; return; }
    if (since === null) since = now;
    if (now - since >= __WAIT__ && now - last >= __WAIT__) {
      last = now;
      document.getElementById("__ID__")?.click();
    }
  }, __CHECK__);
}
""".replace("__WAIT__", str(WAIT_MS))
    .replace("__CHECK__", str(CHECK_MS))
    .replace("__ID__", NUDGE_ID)
)


def _nothing() -> None:
    """The nudge's event: its only use is that the page opens its message stream to send it."""


def build(demo: gr.Blocks) -> None:
    """The hidden nudge button and the page script that presses it (call inside ``demo``)."""
    button = gr.Button("nudge", elem_id=NUDGE_ID)
    button.click(
        _nothing,
        api_name="ui_nudge",
        api_visibility="undocumented",
        show_progress="hidden",
        concurrency_limit=None,
        queue=True,
    )
    demo.load(None, js=NUDGE_JS)
