"""Summaries of a simulation's results: mean curves with a band over repeats and the comparison table; the plot
is drawn by ``hloop.plots``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

METRICS = {"accuracy": "accuracy", "f1_macro": "macro-F1"}


@dataclass(frozen=True)
class Curve:
    """One strategy's metric by number of labels: the mean and the min-max band over repeats."""

    strategy: str
    labels: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    repeats: int


def curves(results: dict, metric: str = "accuracy", by: str = "labels") -> dict[str, Curve]:
    """Per strategy (as named in the results), the metric at each step that every repeat reached, against the
    ``by`` count (``labels`` or ``human_labels``), averaged over repeats: repeats can differ by a label or two when
    a seed row repeats an eval text and is dropped."""
    by_run: dict[str, dict[int, list[tuple[float, float]]]] = {}
    for c in results["checkpoints"]:
        by_run.setdefault(c["strategy"], {}).setdefault(c["repeat"], []).append((c[by], c[metric]))
    out = {}
    for name, runs in by_run.items():
        steps = min(len(run) for run in runs.values())
        points = np.array([sorted(run)[:steps] for run in runs.values()])  # (repeats, steps, 2)
        x = np.rint(points[:, :, 0].mean(0)).astype(int)
        values = points[:, :, 1]
        out[name] = Curve(name, x, values.mean(0), values.min(0), values.max(0), len(runs))
    return out


def display_name(strategy: str, default: str) -> str:
    """``default (warmup_margin)`` for the default alias, the name itself otherwise."""
    return f"default ({default})" if strategy == "default" else strategy


def labels_to_reach(curve: Curve, target: float) -> int | None:
    """The first label count at which the mean curve reaches ``target``; None if it never does."""
    hit = np.flatnonzero(curve.mean >= target)
    return int(curve.labels[hit[0]]) if hit.size else None


def area_under(curve: Curve) -> float:
    """Mean metric over the label range (trapezoids), so 1.0 is a perfect curve."""
    if curve.labels.size < 2:
        return float(curve.mean[0]) if curve.mean.size else float("nan")
    return float(np.trapezoid(curve.mean, curve.labels) / (curve.labels[-1] - curve.labels[0]))


def value_at(curve: Curve, labels: int) -> float | None:
    """The mean metric at ``labels`` (linear between checkpoints); None outside the curve."""
    if curve.labels.size == 0 or not curve.labels[0] <= labels <= curve.labels[-1]:
        return None
    return float(np.interp(labels, curve.labels, curve.mean))


def gaps_to(curve: Curve, baseline: Curve) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label counts after the seed, mean gap to the baseline, the baseline's min-max spread) where both have data."""
    shared, ours, theirs = np.intersect1d(curve.labels, baseline.labels, return_indices=True)
    later = shared > shared.min() if shared.size else shared.astype(bool)
    gap = curve.mean[ours] - baseline.mean[theirs]
    spread = baseline.high[theirs] - baseline.low[theirs]
    return shared[later], gap[later], spread[later]


def summary(
    results: dict, target: float = 0.85, budgets: tuple[int, ...] = (300, 500, 1000, 2000), by: str = "labels"
) -> list[dict]:
    """One row per strategy: labels to ``target`` accuracy, AUC, accuracy at ``budgets``, all against random, with
    labels counted as ``by`` says (``labels`` = seed + human, or ``human_labels``, as the app's panel plots them).

    Budgets outside every curve's label range are dropped; if none is left, the range's ends are used.
    """
    acc, f1 = curves(results, "accuracy", by), curves(results, "f1_macro", by)
    lo = max((int(c.labels[0]) for c in acc.values()), default=0)
    hi = min((int(c.labels[-1]) for c in acc.values()), default=0)
    budgets = tuple(b for b in budgets if lo <= b <= hi) or (lo, hi)
    base = acc.get("random")
    base_needs = labels_to_reach(base, target) if base else None
    # random not reaching the target only bounds its need from below: then the ratio is an upper bound
    bound = base_needs is None and base is not None
    rows = []
    for name, curve in acc.items():
        needs = labels_to_reach(curve, target)
        at, gap, spread = gaps_to(curve, base) if base and name != "random" else (np.empty(0),) * 3
        dips = at[gap < -spread]  # below random by more than random's spread over repeats
        rows.append(
            {
                "strategy": display_name(name, results["default_strategy"]),
                "labels_to_target": needs,
                "vs_random": None if needs is None or base is None else needs / (base_needs or int(base.labels[-1])),
                "vs_random_is_bound": bound,
                "auc_accuracy": area_under(curve),
                "auc_f1_macro": area_under(f1[name]),
                "auc_vs_random": area_under(curve) - area_under(base) if base else None,
                "accuracy_at": {b: value_at(curve, b) for b in budgets},
                "worst_gap": float(gap.min()) if gap.size else None,
                "worst_gap_at": int(at[np.argmin(gap)]) if gap.size else None,
                "dips": dips.astype(int).tolist(),
                "max_labels": int(curve.labels[-1]),
                "repeats": curve.repeats,
            }
        )
    return rows


def format_table(rows: list[dict], target: float) -> str:
    """The summary as a Markdown table (printed by the CLI, pasted into the README)."""
    budgets = list(rows[0]["accuracy_at"]) if rows else []
    head = [
        "strategy",
        f"labels to {target:.2f}",
        "vs random",
        "AUC acc",
        "AUC vs random",
        "AUC macro-F1",
        *[f"acc@{b}" for b in budgets],
        "worst Δ vs random",
        "below random by > its spread at",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        needs = f"{r['labels_to_target']:,}" if r["labels_to_target"] else f"> {r['max_labels']:,}"
        ratio = "–" if r["vs_random"] is None else f"{'< ' if r['vs_random_is_bound'] else ''}{r['vs_random']:.0%}"
        delta = "–" if r["auc_vs_random"] is None else f"{r['auc_vs_random']:+.4f}"
        at = [("–" if r["accuracy_at"][b] is None else f"{r['accuracy_at'][b]:.4f}") for b in budgets]
        worst = "–" if r["worst_gap"] is None else f"{r['worst_gap']:+.4f} at {r['worst_gap_at']:,}"
        dips = (
            "–"
            if r["worst_gap"] is None
            else (
                f"{len(r['dips'])}: {', '.join(f'{n:,}' for n in r['dips'][:4])}{' …' if len(r['dips']) > 4 else ''}"
                if r["dips"]
                else "none"
            )
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    r["strategy"],
                    needs,
                    ratio,
                    f"{r['auc_accuracy']:.4f}",
                    delta,
                    f"{r['auc_f1_macro']:.4f}",
                    *at,
                    worst,
                    dips,
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def families_used(results: dict) -> dict[str, dict]:
    """Per strategy (display name): each model family its versions trained, with the label counts (over every
    repeat) where it did, and how many times per run auto chose (mean over repeats; 0 for a fixed family)."""
    spans: dict[str, dict[str, list[int]]] = {}
    chose: dict[str, dict[int, int]] = {}
    for c in results["checkpoints"]:
        spans.setdefault(c["strategy"], {}).setdefault(c.get("family", "tfidf-lr"), []).append(int(c["labels"]))
        runs = chose.setdefault(c["strategy"], {})
        runs[c["repeat"]] = runs.get(c["repeat"], 0) + int(bool(c.get("chose_family", False)))
    return {
        display_name(name, results["default_strategy"]): {
            "families": {f: (min(n), max(n)) for f, n in sorted(found.items(), key=lambda kv: min(kv[1]))},
            "choices_per_run": float(np.mean(list(chose[name].values()))),
        }
        for name, found in spans.items()
    }


def format_families(results: dict) -> str:
    """Which families each strategy's versions trained, as a Markdown table."""
    lines = [
        "| strategy | model families trained (labels where used, over every repeat) | choices per run |",
        "|---|---|---|",
    ]
    for name, used in families_used(results).items():
        spans = ", ".join(f"{f} {lo:,}–{hi:,}" for f, (lo, hi) in used["families"].items())
        lines.append(f"| {name} | {spans} | {used['choices_per_run']:g} |")
    return "\n".join(lines)


def curves_figure(results: dict | None, real_run: list[tuple[int, float]] | None = None, by: str = "labels"):
    """Accuracy and macro-F1 by number of labels (``by``: ``labels`` = seed + human, or ``human_labels``):
    one line per strategy (mean, min-max band over repeats), and the real run's versions if given (accuracy)."""
    from hloop import plots  # matplotlib is loaded only when a figure is drawn

    panels: dict[str, dict[str, Curve]] = {}
    for metric, title in METRICS.items():
        found = {} if results is None else curves(results, metric, by)
        panels[title] = {display_name(name, results["default_strategy"]): c for name, c in found.items()}
    suptitle = None
    if results is not None:
        cfg = results.get("config", {})
        suptitle = (
            f"simulated: annotator {cfg.get('annotator', '?')}, seed {cfg.get('seed_size', '?')}, "
            f"batch {cfg.get('batch', '?')}, {cfg.get('repeats', '?')} repeats (band: min-max over repeats)"
        )
    xlabel = "labels (seed + human)" if by == "labels" else "human labels"
    return plots.learning_curves(panels, real_run, xlabel=xlabel, suptitle=suptitle)


def save_figure(results: dict, path: Path) -> Path:
    """Write the curves PNG to ``path``."""
    curves_figure(results).savefig(path, dpi=110)
    return path
