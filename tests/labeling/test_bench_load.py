"""The load benchmark end to end on PostgreSQL (a tiny corpus, a short run): every acknowledged label is stored once,
no item is labelled twice, no call fails but those cut off by the kill, and the killed process's claims come back."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT, tiny_texts

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI


def test_two_processes_one_killed_keep_every_label_once(tmp_path, postgres_url):
    base = postgres_url  # a fresh database: whatever an earlier run left in the shared one cannot interfere
    data = tmp_path / "data"
    data.mkdir()
    for split, (per_label, seed) in {"train": (150, 1), "test": (10, 2)}.items():
        texts, labels = tiny_texts(per_label, seed)
        pd.DataFrame({"text": texts, "label": labels}).to_parquet(data / f"{split}.parquet")
    argv = [sys.executable, "benchmarks/bench_load.py", "--data", str(data), "--postgres", base]
    argv += ["--seconds", "8", "--annotators", "4", "--kill-at", "3", "--claim-minutes", "0.05"]
    env = {**os.environ, "HLOOP_SEED_SIZE": "100", "GRADIO_ANALYTICS_ENABLED": "False"}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["labels_ok"] > 0
    # a submit the killed process committed just before dying was never answered: stored, not acknowledged
    assert result["labels_ok"] == result["labels_stored"] - result["stored_unanswered_on_killed_process"]
    assert result["lost_labels"] == result["unaccounted_labels"] == result["acknowledged_twice"] == 0
    assert result["duplicates"] == 0
    assert result["errors"] == 0, result["error_samples"]
    assert result["orphaned_claims"] >= 1, "the claim held through the killed process must be counted"
    assert result["orphans_returned"] == result["orphaned_claims"]
