"""Figures of the Model tab come from the cards: one line per score, a cell per confusion count, parent bars."""

from __future__ import annotations

from dataclasses import replace

from matplotlib.collections import PolyCollection

from hloop import plots


def test_trend_plots_have_a_point_per_version(trained):
    trained.feedback("a new text about the league", "beta", "ana")
    trained.retrain()
    cards = trained.versions()
    for figure, xs in ((plots.scores_by_version(cards), [1, 2]), (plots.scores_by_human_labels(cards), [0, 1])):
        lines = figure.axes[0].get_lines()
        assert [line.get_label() for line in lines[:2]] == ["accuracy (95% band)", "macro-F1 (95% band)"]
        assert list(lines[0].get_xdata()) == xs
        assert list(lines[0].get_ydata()) == [card.metrics.accuracy for card in cards]


def test_confusion_heatmap_and_per_class_f1_against_the_parent(trained):
    card = trained.card()
    heatmap = plots.confusion_heatmap(card)
    counts = [int(t.get_text()) for t in heatmap.axes[0].texts]
    assert sum(counts) == card.metrics.n_eval
    alone, paired = plots.per_class_f1(card, None), plots.per_class_f1(card, card)
    assert len(alone.axes[0].patches) == 4 and len(paired.axes[0].patches) == 8
    assert "vs its parent" in paired.axes[0].get_title()


def test_no_versions_draws_a_message_instead_of_failing():
    for figure in (plots.scores_by_version([]), plots.scores_by_human_labels([]), plots.confusion_heatmap(None)):
        assert figure.axes[0].texts[0].get_text() == "No model versions yet"


def _scored(card, accuracy: float, ci: tuple[float, float], version: int, parent: int | None):
    metrics = replace(card.metrics, accuracy=accuracy, accuracy_ci95=ci, f1_macro=accuracy, f1_macro_ci95=ci)
    return replace(card, version=version, parent=parent, metrics=metrics)


def test_scores_are_drawn_with_their_bands_on_an_axis_at_least_0_05_wide(trained):
    card = trained.card()
    cards = [
        _scored(card, 0.8303, (0.82, 0.84), 1, None),
        _scored(card, 0.8310, (0.821, 0.841), 2, 1),  # +0.0007, well inside the noise
        _scored(card, 0.9000, (0.89, 0.91), 3, 2),  # a real step up
    ]
    ax = plots.scores_by_version(cards).axes[0]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2, "a 95% band for accuracy and for macro-F1"
    band = bands[0].get_paths()[0].vertices
    assert band[:, 1].min() <= 0.82 and band[:, 1].max() >= 0.91
    low, high = ax.get_ylim()
    assert high - low >= plots.MIN_SPAN and low <= 0.82 and high >= 0.91
    noisy = [line for line in ax.get_lines() if line.get_label().startswith("within noise")]
    assert len(noisy) == 1 and list(noisy[0].get_xdata()) == [2], "only v2 overlaps its parent"
    flat = plots.scores_by_version(cards[:2]).axes[0]
    low, high = flat.get_ylim()
    assert high - low >= plots.MIN_SPAN, "two nearly equal scores do not fill the whole axis"


def test_a_single_version_gets_whole_number_ticks(trained):
    cards = trained.versions()
    for figure in (plots.scores_by_version(cards), plots.scores_by_human_labels(cards)):
        ax = figure.axes[0]
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
