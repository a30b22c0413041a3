"""The search and cold-start benchmarks run end to end at a tiny size and report what they measured (the figures
themselves come from full runs: docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from tests.conftest import load_benchmark

pytestmark = pytest.mark.data


def test_the_search_benchmark_reports_search_and_import_figures(ag_news_dir, monkeypatch, capsys):
    bench = load_benchmark(monkeypatch, "bench_search")
    result = bench.main(["--data", str(ag_news_dir), "--pool-size", "3000", "--queries", "6", "--import-rows", "400"])
    assert result["database"] == "sqlite" and result["pool_size"] == 3000 and result["queries"] == 6
    assert 0 < result["search_two_filters_p50_ms"] <= result["search_two_filters_p95_ms"]
    assert result["median_total_filtered"] <= result["median_total_no_filter"]
    assert result["import_rows"] == 400 and result["import_ratio"] > 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("{")


def test_the_cold_start_benchmark_counts_actions_until_every_label_has_examples(trec_dir, monkeypatch):
    bench = load_benchmark(monkeypatch, "bench_coldstart")
    result = bench.main(["--data", str(trec_dir), "--repeats", "1", "--per-label", "1", "--budget", "200"])
    assert len(result["labels"]) == 6 and result["per_label"] == 1
    seeded = result["search_seeding_actions"][0]
    assert seeded is not None and len(result["labels"]) <= seeded <= 200, "each label needs at least one action"
    assert result["target_met"] == (seeded <= bench.TARGET_ACTIONS)
