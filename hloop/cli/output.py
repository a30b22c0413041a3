"""What the command line prints: metrics cards, the before/after table, the gate's verdict, a progress bar."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

from hloop.core.cards import ModelCard


@contextmanager
def progress_bar():
    """A tqdm bar on stderr (only on a terminal) fed by services' progress(fraction, description)."""
    from tqdm import tqdm

    bar = tqdm(total=100, file=sys.stderr, leave=False, disable=None, bar_format="{percentage:3.0f}%|{bar:30}| {desc}")

    def update(fraction: float, desc: str) -> None:
        bar.set_description_str(desc)
        bar.update(max(0, round(fraction * 100) - bar.n))

    try:
        yield update
    finally:
        bar.close()


def print_json(value) -> None:
    """``value`` as indented JSON (dates and paths as strings)."""
    print(json.dumps(value, indent=2, default=str))


_EVAL_ORIGIN = {
    "split": "the dataset's eval split ({n:,} texts)",
    "carved": "{n:,} labelled texts carved from train (HLOOP_EVAL_SHARE)",
    "human": "held-out human labels (no gold labels; HLOOP_EVAL_SHARE of them)",
}


def dataset_line(summary: dict) -> str:
    """The dataset, its train size, its labels and where the eval metrics come from, on one line."""
    labels = summary["labels"]
    return (
        f"dataset {summary['dataset']}: {summary['train_texts']:,} train texts, {len(labels)} labels "
        f"({', '.join(labels[:10])}{' …' if len(labels) > 10 else ''}); eval: "
        f"{_EVAL_ORIGIN[summary['eval_origin']].format(n=summary['eval_texts'])}"
    )


def metrics_row(card: ModelCard) -> str:
    """A version's accuracy (with its interval), macro-F1 and weighted-F1 on one line."""
    m = card.metrics
    if m is None:
        return f"v{card.version:<4} {_not_enough(card)}"
    interval = "" if m.accuracy_ci95 is None else " [{:.3f}-{:.3f}]".format(*m.accuracy_ci95)
    scores = (
        f"accuracy {m.accuracy:.4f}{interval}  macro-F1 {m.f1_macro:.4f}  weighted-F1 {m.f1_weighted:.4f}"
        f"  on {m.n_eval:,} eval texts"
    )
    return f"v{card.version:<4} {scores}"


def _not_enough(card: ModelCard) -> str:
    e = card.evaluation
    counts = "0 of ?" if e is None else f"{e.n_eval} of {e.min_eval}"
    return f"not enough held-out labels yet for metrics ({counts})"


def _trained_on(card: ModelCard) -> str:
    t = card.training
    if t is None:
        return "no training facts recorded"
    return (
        f"{t.seed_labels:,} seed + {t.human_labels:,} human labels (weight {t.feedback_weight}), "
        f"{card.training_seconds or 0:.2f} s"
    )


def print_card(card: ModelCard) -> None:
    """A version's metrics, what it was trained on, and its per-label scores."""
    t = card.training
    print(metrics_row(card))
    print("      " + card.model_line.replace("**", ""))
    for family, score, error in card.candidates:
        calibration = "" if error is None else f"  calibration error {error:.3f}"
        print(f"        {family:<15} cross-validated accuracy {score:.3f}{calibration}")
    if t is not None:
        print(
            f"      trained on {t.rows:,} rows ({t.seed_labels:,} seed + {t.human_labels:,} human, "
            f"feedback weight {t.feedback_weight}) in {card.training_seconds or 0:.2f} s"
        )
    for name, pc in ({} if card.metrics is None else card.metrics.per_class).items():
        print(
            f"      {name[:20]:<20} precision {pc.precision:.3f}  recall {pc.recall:.3f}  "
            f"f1 {pc.f1:.3f}  n={pc.support}"
        )


def print_before_after(old: ModelCard | None, new: ModelCard) -> None:
    """The old and the new version's metrics side by side (the new card alone when there is nothing to compare)."""
    if old is None or old.metrics is None or new.metrics is None:
        print_card(new)
        return
    before, after = old.metrics, new.metrics
    print(f"{'metric':<23} {'v' + str(old.version):>10} {'v' + str(new.version):>10} {'change':>9}")
    rows = [
        ("accuracy", before.accuracy, after.accuracy),
        ("macro-F1", before.f1_macro, after.f1_macro),
        ("weighted-F1", before.f1_weighted, after.f1_weighted),
    ]
    rows += [
        (f"F1 {n[:20]}", before.per_class[n].f1, scores.f1)
        for n, scores in after.per_class.items()
        if n in before.per_class
    ]
    for label, a, b in rows:
        print(f"{label:<23} {a:>10.4f} {b:>10.4f} {b - a:>+9.4f}")
    print(f"v{new.version}: {_trained_on(new)}")


def print_gate(card: ModelCard) -> None:
    """The promotion gate's verdict on a new version, and what to do when it was held back."""
    reason = "no gate recorded" if card.gate is None else card.gate.reason
    print(f"v{card.version} {card.promotion_status}: {reason}")
    if card.held_back:
        print(f"      the current version keeps serving; `python -m hloop promote {card.version}` overrides")
