"""The Label queue's keyboard: keys 1-9 label, S skips, U undoes, H opens the guidelines (Esc closes); a key
answers the item on screen once."""

from __future__ import annotations

import json

from hloop.ui.common import MAX_RADIO_LABELS

# Installed once per page: a key press clicks the matching button, but only while the queue tab is showing
# and the focus is not in a text field (so typing a name or a text never labels anything). A label or skip key
# answers the item on screen once: further such keys are ignored until the next item is shown (or, after a
# refusal that leaves the item on screen, for PENDING_MS); Undo lifts that, as it shows the undone item again.
SHORTCUTS_JS = """
() => {
  if (window.__hloopShortcuts) return;
  window.__hloopShortcuts = true;
  const ids = __IDS__;
  const typing = new Set(["text", "search", "number", "password", "email", "url", ""]);
  const shownId = () => {
    const field = document.querySelector("#queue-item-id textarea, #queue-item-id input");
    return field ? field.value : "";
  };
  let answered = null;  // {id, at}: the item a label or skip key was last sent for
  document.addEventListener("click", (event) => {  // Undo (key or mouse) brings an answered item back
    if (event.target instanceof Element && event.target.closest("#queue-undo")) answered = null;
  }, true);
  const guidelines = (open) => {
    const panel = document.getElementById("queue-guidelines");
    if (panel) panel.classList.toggle("open", open === undefined ? !panel.classList.contains("open") : open);
  };
  window.__hloopGuidelines = guidelines;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.key === "Escape") { guidelines(false); return; }
    const target = event.target;
    if (target && (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT"
        || (target.tagName === "INPUT" && typing.has(target.type)))) return;
    const queueShown = document.getElementById("queue-text")?.offsetParent !== null;
    if (event.key.toLowerCase() === "h" && queueShown && document.getElementById("queue-guidelines")) {
      event.preventDefault();
      guidelines();
      return;
    }
    const button = document.getElementById(ids[event.key.toLowerCase()]);
    if (!button || button.offsetParent === null || button.disabled) return;
    event.preventDefault();
    if (button.id !== "queue-undo") {
      const id = shownId();
      if (answered && answered.id === id && Date.now() - answered.at < __PENDING_MS__) return;
      answered = {id, at: Date.now()};
    }
    button.click();
  });
}
"""
PENDING_MS = 4000


def shortcuts(n_labels: int) -> dict[str, str]:
    """Key -> button id: 1-9 for the first nine labels, S to skip, U to undo."""
    keys = {str(i + 1): f"queue-topic-{i + 1}" for i in range(min(n_labels, MAX_RADIO_LABELS))}
    return {**keys, "s": "queue-skip", "u": "queue-undo"}


def shortcuts_js(n_labels: int) -> str:
    """The page script that installs the keyboard shortcuts."""
    return SHORTCUTS_JS.replace("__IDS__", json.dumps(shortcuts(n_labels))).replace("__PENDING_MS__", str(PENDING_MS))
