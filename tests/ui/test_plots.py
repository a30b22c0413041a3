"""Figures of the Model tab come from the cards: one line per score, a cell per confusion count, parent bars."""

from __future__ import annotations

from hloop import plots


def test_trend_plots_have_a_point_per_version(trained):
    trained.feedback("a new text about the league", "beta", "ana")
    trained.retrain()
    cards = trained.versions()
    for figure, xs in ((plots.scores_by_version(cards), [1, 2]), (plots.scores_by_human_labels(cards), [0, 1])):
        lines = figure.axes[0].get_lines()
        assert [line.get_label() for line in lines] == ["accuracy", "macro-F1"]
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
