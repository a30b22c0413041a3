"""Matplotlib figures drawn from model cards (no pyplot state, so they are safe to build in any thread)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

SIZE = (5.6, 3.4)


def _empty(title: str, message: str = "No model versions yet") -> Figure:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_axis_off()
    return fig


def _score_lines(cards: list[dict], x: list[float], xlabel: str, title: str) -> Figure:
    scored = [(xi, card) for xi, card in zip(x, cards, strict=True) if card["metrics"]]
    if not scored:
        return _empty(title, "No version has enough eval labels for a score yet")
    x, cards = [xi for xi, _ in scored], [card for _, card in scored]
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    for key, name, style in (("accuracy", "accuracy", "-o"), ("f1_macro", "macro-F1", "--s")):
        ax.plot(x, [card["metrics"][key] for card in cards], style, label=name, markersize=5)
    ax.margins(x=0.08, y=0.2)  # room for the version labels above the points
    for xi, card in zip(x, cards, strict=True):
        ax.annotate(
            f"v{card['version']}",
            (xi, card["metrics"]["accuracy"]),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            fontweight="bold" if card.get("current") else "normal",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score on the held-out eval split")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return fig


def scores_by_version(cards: list[dict]) -> Figure:
    """Accuracy and macro-F1 of every version, oldest first (the current one in bold)."""
    if not cards:
        return _empty("Accuracy and macro-F1 by version")
    return _score_lines(cards, [card["version"] for card in cards], "model version", "Accuracy and macro-F1 by version")


def scores_by_human_labels(cards: list[dict]) -> Figure:
    """Accuracy and macro-F1 against the number of human labels each version was trained with."""
    if not cards:
        return _empty("Accuracy and macro-F1 by human labels")
    ordered = sorted(cards, key=lambda card: (card["training"]["human_labels"], card["version"]))
    return _score_lines(
        ordered,
        [card["training"]["human_labels"] for card in ordered],
        "human labels used for training",
        "Accuracy and macro-F1 by human labels",
    )


def confusion_heatmap(card: dict | None) -> Figure:
    """The version's confusion matrix on the eval split: rows are true labels, columns predicted ones."""
    if card is None:
        return _empty("Confusion matrix")
    if not card["metrics"]:
        return _empty("Confusion matrix", "No metrics for this version yet")
    confusion = card["metrics"]["confusion_matrix"]
    matrix = np.asarray(confusion["matrix"])
    labels = confusion["labels"]
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
    ax.set_title(f"Confusion matrix of v{card['version']}")
    return fig


def per_class_f1(card: dict | None, parent: dict | None) -> Figure:
    """Per-label F1 of a version next to its parent's (when it has one and it was made for the same labels)."""
    if card is None:
        return _empty("Per-label F1")
    if not card["metrics"]:
        return _empty("Per-label F1", "No metrics for this version yet")
    names = list(card["metrics"]["per_class"])
    if parent is not None and (not parent["metrics"] or list(parent["metrics"]["per_class"]) != names):
        parent = None
    fig = Figure(figsize=(max(SIZE[0], 0.35 * len(names)), SIZE[1]), layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    shown = [(card, "tab:blue")] if parent is None else [(parent, "tab:grey"), (card, "tab:blue")]
    width = 0.8 / len(shown)
    for i, (each, colour) in enumerate(shown):
        scores = [each["metrics"]["per_class"][name]["f1"] for name in names]
        bars = ax.bar(
            positions + (i - (len(shown) - 1) / 2) * width, scores, width, label=f"v{each['version']}", color=colour
        )
        if len(names) <= 12:
            ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(positions, names, rotation=0 if len(names) <= 6 else 60, ha="center" if len(names) <= 6 else "right")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("F1 on the eval split")
    title = f"Per-label F1: v{card['version']}" + ("" if parent is None else f" vs its parent v{parent['version']}")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig
