"""What the command line prints: metrics cards, the before/after table, the gate's verdict, a progress bar."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager


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


def metrics_row(card: dict) -> str:
    """A version's accuracy (with its interval), macro-F1 and weighted-F1 on one line."""
    m = card["metrics"]
    if m is None:
        return f"v{card['version']:<4} {_not_enough(card)}"
    low, high = m.get("accuracy_ci95", (None, None))
    interval = f" [{low:.3f}-{high:.3f}]" if low is not None else ""
    scores = (
        f"accuracy {m['accuracy']:.4f}{interval}  macro-F1 {m['f1_macro']:.4f}  weighted-F1 {m['f1_weighted']:.4f}"
        f"  on {m['n_eval']:,} eval texts"
    )
    return f"v{card['version']:<4} {scores}"


def _not_enough(card: dict) -> str:
    e = card.get("evaluation", {})
    return f"not enough held-out labels yet for metrics ({e.get('n_eval', 0)} of {e.get('min_eval', '?')})"


def print_card(card: dict) -> None:
    """A version's metrics, what it was trained on, and its per-label scores."""
    t = card["training"]
    print(metrics_row(card))
    print(
        f"      trained on {t['rows']:,} rows ({t['seed_labels']:,} seed + {t['human_labels']:,} human, "
        f"feedback weight {t['feedback_weight']}) in {card['training_seconds']:.2f} s"
    )
    for name, pc in (card["metrics"] or {}).get("per_class", {}).items():
        print(
            f"      {name[:20]:<20} precision {pc['precision']:.3f}  recall {pc['recall']:.3f}  "
            f"f1 {pc['f1']:.3f}  n={pc['support']}"
        )


def print_before_after(old: dict | None, new: dict) -> None:
    """The old and the new version's metrics side by side (the new card alone when there is nothing to compare)."""
    if old is None or old["metrics"] is None or new["metrics"] is None:
        print_card(new)
        return
    print(f"{'metric':<23} {'v' + str(old['version']):>10} {'v' + str(new['version']):>10} {'change':>9}")
    keys = [("accuracy", "accuracy"), ("macro-F1", "f1_macro"), ("weighted-F1", "f1_weighted")]
    rows = [(label, old["metrics"][k], new["metrics"][k]) for label, k in keys]
    rows += [
        (f"F1 {n[:20]}", old["metrics"]["per_class"][n]["f1"], new["metrics"]["per_class"][n]["f1"])
        for n in new["metrics"]["per_class"]
        if n in old["metrics"]["per_class"]
    ]
    for label, a, b in rows:
        print(f"{label:<23} {a:>10.4f} {b:>10.4f} {b - a:>+9.4f}")
    t = new["training"]
    print(
        f"v{new['version']}: {t['seed_labels']:,} seed + {t['human_labels']:,} human labels "
        f"(weight {t['feedback_weight']}), {new['training_seconds']:.2f} s"
    )


def print_gate(card: dict) -> None:
    """The promotion gate's verdict on a new version, and what to do when it was held back."""
    gate = card.get("gate") or {}
    status = card.get("status", "promoted")
    print(f"v{card['version']} {status}: {gate.get('reason', 'no gate recorded')}")
    if status == "held back":
        print(f"      the current version keeps serving; `python -m hloop promote {card['version']}` overrides")
