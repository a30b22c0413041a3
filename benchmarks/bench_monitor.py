"""The Monitor on real traffic (issue 20, part 3): an AG News model served by the app, fed through ``/api/predict``.

1. 500 TREC questions: text drift and label-mix drift should be flagged.
2. A fresh monitor, 2,000 AG News test texts in 20 batches of 100, a check after each: false alarms (target ≤ 1).
3. 5 batches of 1,000 AG News test texts with different label mixes: the estimated accuracy (CBPE, with its
   interval) against the realised accuracy on their gold labels; mean absolute difference (target ≤ 0.03).

Before that, the thresholds' check on dev: in-distribution windows of dev texts against the training texts give
the domain classifier's AUC under no drift (the AUC threshold was chosen to sit well above these). Test texts are
only fed as live traffic (reporting, as a user would); nothing is chosen on them. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option, settings_in  # noqa: E402

TREC = REPO.parent / "shared" / "data" / "trec"
CALIBRATION_KEYS = ("ece_raw", "ece_calibrated", "n_dev", "dev_accuracy")
MIXES = {"balanced": None, "70% label 0": 0, "70% label 1": 1, "70% label 2": 2, "70% label 3": 3}


def post(client: httpx.Client, texts: list[str]) -> list[dict]:
    """The app's predictions of ``texts`` (one REST call)."""
    answer = client.post("api/predict", json={"texts": texts})
    answer.raise_for_status()
    return answer.json()["predictions"]


def mixed(labels: np.ndarray, major: int | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` texts: balanced, or 70% of label ``major`` and the rest spread over the others."""
    classes = np.unique(labels)
    share = np.full(classes.size, 1 / classes.size)
    if major is not None:
        share = np.full(classes.size, 0.3 / (classes.size - 1))
        share[classes == major] = 0.7
    counts = np.floor(share * n).astype(int)
    counts[0] += n - counts.sum()
    return np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), k, replace=False) for c, k in zip(classes, counts, strict=True)]
    )


def dev_null_aucs(services, rng: np.random.Generator) -> list[dict]:
    """The domain classifier's AUC of dev windows (no drift) against the training texts."""
    from hloop.core.monitoring import text_drift

    dev_texts, _labels = services.dev_set()
    train = list(services.corpus().train_texts)
    out = []
    for size in (100, 300, min(1000, len(dev_texts))):
        window = [dev_texts[i] for i in rng.choice(len(dev_texts), size, replace=False)]
        d = text_drift(train, window, seed=int(rng.integers(1000)))
        out.append(
            {"n": size, "auc": round(d.auc, 3), "auc_low": round(d.auc_low, 3), "auc_high": round(d.auc_high, 3)}
        )
    return out


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--model", default=None, help="v1's family (default: HLOOP_MODEL, else the default)")
    args = parser.parse_args()
    from hloop.services import Services
    from hloop.ui.web import build_demo, serve_in_background

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="bench_monitor_") as tmp:
        overrides = {} if args.model is None else {"model": args.model}
        settings = settings_in(tmp, args.data, **overrides)
        services = Services(settings)
        start = time.perf_counter()
        card = services.train()
        print(f"v{card.version} ({card.model_family}) trained in {time.perf_counter() - start:.0f} s", flush=True)
        null = dev_null_aucs(services, rng)
        print(f"dev windows (no drift): {null}", flush=True)
        served = serve_in_background(build_demo(services), settings, services)
        corpus = services.corpus()
        test_texts, test_labels = list(corpus.eval_texts), np.asarray(corpus.eval_labels)
        try:
            client = httpx.Client(base_url=served.url, timeout=120)
            with TREC.joinpath("train.csv").open(encoding="utf-8") as fh:
                questions = [row["text"] for row in csv.DictReader(fh)]
            questions = [questions[i] for i in rng.choice(len(questions), 500, replace=False)]
            for i in range(0, 500, 100):
                post(client, questions[i : i + 100])
            trec = services.monitor()
            trec_flags = sorted(f["reason"] for f in trec.flags)
            print(f"TREC: flags {trec_flags}; {trec.text_drift.message}; {trec.label_mix.message}", flush=True)
            print(f"  words of the live side: {trec.text_drift.live_words}", flush=True)

            services.monitoring.clear()
            order = rng.permutation(len(test_texts))[:2000]
            alarms, checks = 0, []
            for b in range(20):
                post(client, [test_texts[i] for i in order[b * 100 : (b + 1) * 100]])
                report = services.monitor()
                reasons = sorted(f["reason"] for f in report.flags)
                alarms += bool(reasons)
                checks.append({"n": report.n_live, "flags": reasons, "auc_low": report.text_drift.auc_low,
                               "psi": report.label_mix.psi})  # fmt: skip
            print(f"AG News 20 checks: {alarms} false alarm(s)", flush=True)

            batches = []
            for name, major in MIXES.items():
                services.monitoring.clear()
                picked = mixed(test_labels, major, 1000, rng)
                answers = []
                for i in range(0, 1000, 500):
                    answers += post(client, [test_texts[j] for j in picked[i : i + 500]])
                names = list(services.label_set.names)
                realised = float(np.mean([names.index(a["prediction"]) == test_labels[j]
                                          for a, j in zip(answers, picked, strict=True)]))  # fmt: skip
                e = services.monitor().estimate
                batches.append({"mix": name, "estimated": round(e.accuracy, 4), "low": round(e.low, 4),
                                "high": round(e.high, 4), "realised": round(realised, 4),
                                "difference": round(e.accuracy - realised, 4)})  # fmt: skip
                print(f"  {batches[-1]}", flush=True)
        finally:
            served.close()
            services.end_workers()
    result = {
        "model": card.model_family,
        "dev_null_aucs": null,
        "trec": {"flags": trec_flags, "auc": trec.text_drift.auc, "auc_low": trec.text_drift.auc_low,
                 "psi": trec.label_mix.psi, "p_value": trec.label_mix.p_value},
        "ag_news_false_alarms": alarms,
        "ag_news_checks": checks,
        "estimate_batches": batches,
        "mean_abs_difference": round(float(np.mean([abs(b["difference"]) for b in batches])), 4),
        "dev_calibration": None if trec.calibration is None else {k: trec.calibration[k] for k in CALIBRATION_KEYS},
    }  # fmt: skip
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
