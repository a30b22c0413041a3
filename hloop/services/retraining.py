"""Automatic retraining: one background retrain at a time, started once enough new human labels arrived.

The count of new labels always comes from the store (labels since the newest version's ``last_label_id``), so
a restart loses nothing: the next label, or the next look at the Model tab, starts the retrain that was due.
The worker holds only the training lock (inside ``retrain``), never the lock that labelling needs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from hloop.core.errors import HLoopError


class AutoRetrainer:
    """The background retrain's thread and what the Model tab shows of it."""

    def __init__(self, every: int) -> None:
        self.every = int(every)
        self._guard = threading.Lock()  # guards the fields below only
        self._thread: threading.Thread | None = None
        self._version: int | None = None
        self._fraction = 0.0
        self._desc = ""
        self._last: dict = {}

    def running(self) -> bool:
        """Whether a background retrain is under way."""
        with self._guard:
            return self._thread is not None and self._thread.is_alive()

    def start(self, version: int, retrain: Callable) -> bool:
        """Start ``retrain(progress=...)`` in the background as version ``version``; False if one is running."""
        with self._guard:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._version, self._fraction, self._desc = version, 0.0, "starting"
            self._thread = threading.Thread(target=self._run, args=(retrain,), name="hloop-auto-retrain", daemon=True)
            self._thread.start()
            return True

    def _progress(self, fraction: float, desc: str) -> None:
        with self._guard:
            self._fraction, self._desc = float(fraction), desc

    def _run(self, retrain: Callable) -> None:
        try:
            card = retrain(progress=self._progress)
            reason = None if card.gate is None else card.gate.reason
            outcome = {"version": card.version, "status": card.status, "reason": reason}
        except HLoopError as exc:  # e.g. a manual retrain took the new labels first; the Model tab shows it
            outcome = {"error": str(exc)}
        with self._guard:
            self._last = outcome

    def wait(self, timeout: float | None = None) -> dict:
        """Wait for the running retrain (if any) to end; returns what the last one did."""
        with self._guard:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.last()

    def last(self) -> dict:
        """What the last background retrain did: version, status and reason, or an error."""
        with self._guard:
            return dict(self._last)

    def progress(self) -> tuple[int | None, float, str]:
        """(version being trained, fraction done, what it is doing)."""
        with self._guard:
            return self._version, self._fraction, self._desc
