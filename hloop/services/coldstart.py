"""What v1 waits for, and which labels train a version and which judge it (the cold start and the dev set)."""

from __future__ import annotations

import math

import numpy as np

from hloop.core.metrics import MIN_EVAL
from hloop.services.project import Project
from labeling import store


class ColdStart:
    """The rows a version trains on, the held-out human rows, and what v1 still waits for."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def training_rows(self, up_to_id: int | None = None) -> tuple[list, list]:
        """(rows to train on, held-out human rows used as eval when there are no gold labels)."""
        project = self.project
        with project.session() as session:
            rows = store.latest_labels(session=session, up_to_id=up_to_id)
        train = [r for r in rows if not (r.human and project.is_held_out(r.text))]
        return train, [r for r in rows if r.human and project.is_held_out(r.text)]

    def labels_needed(self) -> dict[str, int]:
        """For each label, how many more training labels v1 waits for (``HLOOP_MIN_PER_LABEL`` each)."""
        self.project.ensure_store()
        train, _ = self.training_rows()
        label_set = self.project.label_set
        counts = np.bincount([r.label for r in train], minlength=len(label_set))
        wanted = self.project.settings.min_per_label
        return {name: max(0, wanted - int(counts[i])) for i, name in enumerate(label_set.names)}

    def has_seed_labels(self) -> bool:
        """Whether the store holds labels from the dataset (a seed of two or more kinds), so v1 can train now."""
        train, _ = self.training_rows()
        return len({r.label for r in train if not r.human}) >= 2

    def readiness(self) -> str:
        """A sentence on what v1 still waits for (empty when a model exists)."""
        if self.project.registry.current_version() is not None:
            return ""
        if self.has_seed_labels():
            return "No model yet: run `python -m hloop train` (or start the app, which trains v1)."
        needed = {name: n for name, n in self.labels_needed().items() if n}
        if not needed:
            return "Enough labels for v1: it trains with the next label (or press Retrain)."
        shown = ", ".join(f"{n} more {name}" for name, n in list(needed.items())[:8])
        more = f" and {len(needed) - 8} more labels" if len(needed) > 8 else ""
        said = (
            f"No model yet: v1 trains by itself once every label has {self.project.settings.min_per_label} human "
            f"training labels (still needed: {shown}{more}). Label queue items (served in random order until then)."
        )
        return f"{said} {self.metrics_note()}".strip()

    def metrics_note(self) -> str:
        """Without gold eval labels: how many human labels are held out (never trained on, so they do not count
        toward v1) and how many more labels it takes, about, before a version has metrics; empty otherwise."""
        if not self.project.held_out_by_humans():
            return ""
        _train, held = self.training_rows()
        n_eval = sum(1 for r in held if not self.project.is_dev(r.text))
        if n_eval >= MIN_EVAL:
            return ""
        kept = f"{len(held)} of your labels are held out to measure the model, so they do not count toward v1. "
        about = math.ceil((MIN_EVAL - n_eval) / self.project.settings.eval_share)
        return (
            f"{kept if held else ''}Metrics appear once {MIN_EVAL} labels are held out for evaluation "
            f"({n_eval} so far: about {about:,} more labels, as 1 in {round(1 / self.project.settings.eval_share)} "
            "is held out)."
        )

    def dev_set(self, up_to_id: int | None = None) -> tuple[list[str], list[int]] | None:
        """The dev texts and labels every choice is made on; None when the store was made without a dev split."""
        if self.project.held_out_by_humans():
            _train, held = self.training_rows(up_to_id=up_to_id)
            dev = [r for r in held if self.project.is_dev(r.text)]
            return [r.text for r in dev], [r.label for r in dev]
        return self.project.gold_dev()
