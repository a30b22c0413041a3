"""The one figure module: Matplotlib figures of model cards (Model tab) and of simulated learning curves
(Simulation tab, ``hloop simulate``). It draws the values it is given and computes none; no pyplot state, so
figures are safe to build in any thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hloop.core.cards import Metrics, ModelCard

SIZE = (5.6, 3.4)


class Band(Protocol):
    """A mean curve with its min-max band (``hloop.experiments.report.Curve``)."""

    labels: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def _empty(title: str, message: str = "No model versions yet") -> Figure:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_axis_off()
    return fig


MIN_SPAN = 0.05  # the score axis is never narrower: a 0.002 range makes noise look like a climb


def _interval(m: Metrics, name: str) -> tuple[float, float]:
    value, ci = getattr(m, name), getattr(m, f"{name}_ci95")
    return (value, value) if ci is None else (float(ci[0]), float(ci[1]))


def within_noise(card: ModelCard, by_version: Mapping[int, ModelCard]) -> bool:
    """Whether ``card``'s accuracy interval overlaps its parent's (so the change may be noise); False without a
    parent with intervals."""
    parent = by_version.get(card.parent) if card.parent is not None else None
    if parent is None or parent.metrics is None or card.metrics is None:
        return False
    if card.metrics.accuracy_ci95 is None or parent.metrics.accuracy_ci95 is None:
        return False
    low, high = _interval(card.metrics, "accuracy")
    parent_low, parent_high = _interval(parent.metrics, "accuracy")
    return low <= parent_high and parent_low <= high


def _score_axis(ax, lows: list[float], highs: list[float]) -> None:
    """The y-axis over every point and interval, at least ``MIN_SPAN`` wide, with room for the version labels."""
    low, high = min(lows), max(highs)
    if high - low < MIN_SPAN:
        middle = (low + high) / 2
        low, high = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    pad = (high - low) * 0.15
    low, high = max(0.0, low - pad), min(1.0, high + pad)
    if high - low < MIN_SPAN:  # pressed against 0 or 1
        low, high = (0.0, MIN_SPAN) if low == 0.0 else (1.0 - MIN_SPAN, 1.0)
    ax.set_ylim(low, high)


def _score_lines(cards: list[ModelCard], x: list[float], xlabel: str, title: str) -> Figure:
    scored = [(xi, card, card.metrics) for xi, card in zip(x, cards, strict=True) if card.metrics]
    if not scored:
        return _empty(title, "No version has enough eval labels for a score yet")
    x = [xi for xi, _, _ in scored]
    by_version = {card.version: card for card in cards}
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    lows, highs = [], []
    for name, style, label in (("accuracy", "-o", "accuracy"), ("f1_macro", "--s", "macro-F1")):
        values = [getattr(m, name) for _, _, m in scored]
        bands = [_interval(m, name) for _, _, m in scored]
        (line,) = ax.plot(x, values, style, label=f"{label} (95% band)", markersize=5)
        ax.fill_between(x, [b[0] for b in bands], [b[1] for b in bands], color=line.get_color(), alpha=0.15, lw=0)
        if len(x) == 1:  # a band needs two points: an error bar instead
            ax.errorbar(
                x,
                values,
                yerr=[[values[0] - bands[0][0]], [bands[0][1] - values[0]]],
                fmt="none",
                ecolor=line.get_color(),
                capsize=4,
            )
        lows += [b[0] for b in bands] + values
        highs += [b[1] for b in bands] + values
    noisy = [(xi, m.accuracy) for xi, card, m in scored if within_noise(card, by_version)]
    if noisy:
        ax.plot(
            *zip(*noisy, strict=True),
            "o",
            ms=11,
            mfc="none",
            mec="0.45",
            label="within noise of its parent (intervals overlap)",
        )
    ax.margins(x=0.08)
    if max(x) - min(x) < 2:  # one or two close points: room for two whole numbers, or the ticks go fractional
        ax.set_xlim(min(x) - 0.5, max(x) + 1)
    _score_axis(ax, lows, highs)
    for xi, card, m in scored:
        ax.annotate(
            f"v{card.version}",
            (xi, m.accuracy),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
            fontweight="bold" if card.is_current else "normal",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score on the held-out eval split")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def scores_by_version(cards: list[ModelCard]) -> Figure:
    """Accuracy and macro-F1 of every version, oldest first (the current one in bold)."""
    if not cards:
        return _empty("Accuracy and macro-F1 by version")
    return _score_lines(cards, [card.version for card in cards], "model version", "Accuracy and macro-F1 by version")


def _human_labels(card: ModelCard) -> int:
    return 0 if card.training is None else card.training.human_labels


def scores_by_human_labels(cards: list[ModelCard]) -> Figure:
    """Accuracy and macro-F1 against the number of human labels each version was trained with."""
    if not cards:
        return _empty("Accuracy and macro-F1 by human labels")
    ordered = sorted(cards, key=lambda card: (_human_labels(card), card.version))
    return _score_lines(
        ordered,
        [_human_labels(card) for card in ordered],
        "human labels used for training",
        "Accuracy and macro-F1 by human labels",
    )


def confusion_heatmap(card: ModelCard | None) -> Figure:
    """The version's confusion matrix on the eval split: rows are true labels, columns predicted ones."""
    if card is None:
        return _empty("Confusion matrix")
    if not card.metrics:
        return _empty("Confusion matrix", "No metrics for this version yet")
    confusion = card.metrics.confusion_matrix
    matrix = np.asarray(confusion.matrix)
    labels = list(confusion.labels)
    side = min(12.0, 4.2 + 0.18 * len(labels))
    fig = Figure(figsize=(side + 0.8, side), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    small = 7 if len(labels) > 12 else 9
    ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) <= 12 else 90, ha="right", fontsize=small)
    ax.set_yticks(range(len(labels)), labels, fontsize=small)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, col), count in np.ndenumerate(matrix if len(labels) <= 15 else np.empty((0, 0))):  # numbers fit
        ax.text(
            col, row, str(count), ha="center", va="center", fontsize=9, color="white" if count > threshold else "black"
        )
    ax.set_title(f"Confusion matrix of v{card.version}")
    return fig


def per_class_f1(card: ModelCard | None, parent: ModelCard | None) -> Figure:
    """Per-label F1 of a version next to its parent's (when it has one and it was made for the same labels)."""
    if card is None:
        return _empty("Per-label F1")
    if not card.metrics:
        return _empty("Per-label F1", "No metrics for this version yet")
    names = list(card.metrics.per_class)
    shown: list[tuple[int, Metrics, str]] = [(card.version, card.metrics, "tab:blue")]
    if parent is not None and parent.metrics and list(parent.metrics.per_class) == names:
        shown.insert(0, (parent.version, parent.metrics, "tab:grey"))
    else:
        parent = None
    fig = Figure(figsize=(max(SIZE[0], 0.35 * len(names)), SIZE[1]), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    width = 0.8 / len(shown)
    for i, (version, metrics, colour) in enumerate(shown):
        scores = [metrics.per_class[name].f1 for name in names]
        bars = ax.bar(positions + (i - (len(shown) - 1) / 2) * width, scores, width, label=f"v{version}", color=colour)
        if len(names) <= 12:
            ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(positions, names, rotation=0 if len(names) <= 6 else 60, ha="center" if len(names) <= 6 else "right")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("F1 on the eval split")
    title = f"Per-label F1: v{card.version}" + ("" if parent is None else f" vs its parent v{parent.version}")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def learning_curves(
    panels: Mapping[str, Mapping[str, Band]],
    real_run: Sequence[tuple[int, float]] | None,
    *,
    xlabel: str,
    suptitle: str | None,
    baseline: str = "random",
) -> Figure:
    """One panel per metric title (``accuracy``, ``macro-F1``): a mean line and min-max band per strategy (the
    ``baseline`` dashed), and on the first panel the real run's (labels, accuracy) points when given."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    axes = fig.subplots(1, len(panels))
    for i, (ax, (title, bands)) in enumerate(zip(axes, panels.items(), strict=True)):
        for name, band in bands.items():
            style = {"color": "0.2", "ls": "--", "zorder": 3} if name == baseline else {}
            (line,) = ax.plot(band.labels, band.mean, label=name, lw=1.6, **style)
            ax.fill_between(band.labels, band.low, band.high, color=line.get_color(), alpha=0.18, lw=0)
        if real_run and i == 0:
            xs, ys = zip(*real_run, strict=True)
            ax.plot(xs, ys, "k-o", ms=4, lw=1.8, label="this app's model versions")
        ax.set(xlabel=xlabel, ylabel=title, title=f"{title} on the eval split")
        ax.grid(alpha=0.3)
    if suptitle is not None:
        fig.suptitle(suptitle, fontsize=10)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8, loc="lower right")
    else:  # nothing to draw yet: no simulation and no model version
        message = "no simulation or model version yet"
        axes[0].text(0.5, 0.5, message, ha="center", va="center", transform=axes[0].transAxes, color="0.4")
    return fig
