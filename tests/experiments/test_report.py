"""The summary: mean curves and bands, labels to a target, area under the curve, the gap to random."""

from __future__ import annotations

import pytest

from hloop.experiments.report import area_under, curves, format_table, labels_to_reach, summary, value_at


def results_from(table: dict[str, list[list[float]]], labels=(100, 150, 200)) -> dict:
    checkpoints = [
        {
            "strategy": name,
            "repeat": r,
            "labels": n,
            "human_labels": n - labels[0],
            "accuracy": acc,
            "f1_macro": acc - 0.01,
            "seconds": 0.0,
        }
        for name, runs in table.items()
        for r, run in enumerate(runs)
        for n, acc in zip(labels, run, strict=True)
    ]
    return {"default_strategy": "warmup_margin", "checkpoints": checkpoints}


RESULTS = results_from(
    {
        "random": [[0.60, 0.70, 0.80], [0.60, 0.72, 0.84]],
        "default": [[0.60, 0.74, 0.86], [0.60, 0.76, 0.88]],
        "margin": [[0.60, 0.50, 0.90], [0.60, 0.52, 0.90]],
    }
)


def test_curves_give_mean_and_band_over_repeats():
    c = curves(RESULTS)["random"]
    assert c.labels.tolist() == [100, 150, 200]
    assert c.mean.tolist() == pytest.approx([0.60, 0.71, 0.82])
    assert c.low.tolist() == pytest.approx([0.60, 0.70, 0.80]) and c.high.tolist() == pytest.approx([0.6, 0.72, 0.84])
    assert curves(RESULTS, by="human_labels")["random"].labels.tolist() == [0, 50, 100]


def test_labels_to_target_area_and_interpolation():
    acc = curves(RESULTS)
    assert labels_to_reach(acc["default"], 0.85) == 200
    assert labels_to_reach(acc["random"], 0.85) is None
    assert area_under(acc["random"]) == pytest.approx((0.60 + 0.71) / 4 + (0.71 + 0.82) / 4)
    assert value_at(acc["random"], 175) == pytest.approx(0.765)
    assert value_at(acc["random"], 250) is None


def test_the_summary_counts_labels_as_asked():
    by_all = {r["strategy"]: r for r in summary(RESULTS, target=0.85, budgets=(150,))}
    by_human = {r["strategy"]: r for r in summary(RESULTS, target=0.85, budgets=(50,), by="human_labels")}
    default = next(name for name in by_all if name != "random" and by_all[name]["labels_to_target"] == 200)
    assert by_human[default]["labels_to_target"] == 100, "the seed's 100 labels are not counted"
    assert by_human[default]["max_labels"] == 100 and by_all[default]["max_labels"] == 200
    assert list(by_human[default]["accuracy_at"]) == [50]


def test_summary_compares_with_random_and_finds_the_dip():
    rows = {r["strategy"]: r for r in summary(RESULTS, target=0.83, budgets=(150,))}
    assert rows["default (warmup_margin)"]["labels_to_target"] == 200
    assert rows["random"]["labels_to_target"] is None
    assert rows["default (warmup_margin)"]["vs_random"] == 1.0, "random never got there: at most 200/200"
    assert rows["default (warmup_margin)"]["vs_random_is_bound"]
    assert rows["margin"]["worst_gap"] == pytest.approx(0.51 - 0.71) and rows["margin"]["worst_gap_at"] == 150
    assert rows["margin"]["dips"] == [150], "0.20 below random, whose repeats spread 0.02 there"
    assert rows["default (warmup_margin)"]["worst_gap"] > 0 and rows["default (warmup_margin)"]["dips"] == []
    table = format_table(list(rows.values()), 0.83)
    assert "| default (warmup_margin) | 200 | < 100% |" in table and "> 200" in table and "acc@150" in table
    assert "| -0.2000 at 150 | 1: 150 |" in table and table.count("| none |") == 1


def test_budgets_outside_the_curves_are_dropped():
    assert list(summary(RESULTS, budgets=(150, 300))[0]["accuracy_at"]) == [150]
    assert list(summary(RESULTS, budgets=(5000,))[0]["accuracy_at"]) == [100, 200]


def test_an_empty_figure_says_so_without_a_warning():
    import warnings

    from hloop.experiments.report import curves_figure

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = curves_figure(None, None)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["no simulation or model version yet"]
