"""Measure the promotion gate on a throw-away store: v1 on the seed, then one candidate trained with right labels
and one with deliberately wrong labels (the gold label's neighbour); print each gate decision.

    HLOOP_DATASET=../shared/data/ag_news python -m hloop.experiments.gate_check --labels 200 --weight 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hloop.config import Settings
from hloop.services import Services


def candidate(settings: Settings, n: int, weight: float, wrong: bool) -> dict:
    """The gate decision on a v2 trained after ``n`` queue labels (right or wrong) with ``weight``."""
    with tempfile.TemporaryDirectory(prefix="hloop-gate-") as tmp:
        overrides = {"database_url": f"sqlite:///{Path(tmp) / 'gate.db'}", "models_dir": Path(tmp) / "models"}
        services = Services(settings.model_copy(update=overrides))
        services.train()
        corpus, k = services.corpus(), len(services.label_set)
        row_of = {t.strip(): i for i, t in enumerate(corpus.train_texts)}
        for _ in range(n):
            item = services.next_item("gate-check")
            gold = int(corpus.train_labels[row_of[item.text]])
            services.submit_label(item.example_id, (gold + 1) % k if wrong else gold, "gate-check")
        card = services.retrain(weight)
        gate = {} if card.gate is None else card.gate.to_dict()
        return {"labels": "wrong" if wrong else "right", "status": card.status, **gate}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the two gate decisions as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--weight", type=float, default=5.0)
    args = parser.parse_args(argv)
    settings = Settings()
    for wrong in (False, True):
        print(json.dumps(candidate(settings, args.labels, args.weight, wrong)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
