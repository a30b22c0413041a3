"""The same run through the product itself: ``Services`` over a throw-away label store and model registry.

Every step is the app's own path: ``next_item`` claims the queue's top item (strategy, claims), the simulated
annotator answers, ``submit_label`` stores it, ``retrain`` fits a fresh TF-IDF + classifier pipeline on seed +
human labels and evaluates it on the eval split. Slow (the whole pipeline is refitted and the pool re-scored
every step), so it is the check on the cached engine, not the default. tfidf-lr only for now: other families
are not yet checked equal through the services, so ``SimulationConfig.validated`` refuses them here.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hloop.config import Settings
from hloop.core.cards import ModelCard
from hloop.data.corpus import Corpus
from hloop.experiments.annotators import Annotator
from hloop.experiments.loop import Checkpoint
from hloop.experiments.models import FAST_FAMILY

ANNOTATOR_NAME = "simulated-annotator"


def run_through_services(
    corpus: Corpus,
    annotator: Annotator,
    strategy: str,
    *,
    seed_size: int,
    batch: int,
    budget: int,
    feedback_weight: float,
    seed: int,
    on_step=None,
) -> tuple[list[Checkpoint], list[int]]:
    """Run the loop through ``Services`` in a temporary folder (deleted afterwards).

    Returns one checkpoint per model version and the train rows asked, in order.
    """
    from hloop.services import Services

    row_of = {}
    for i, text in enumerate(corpus.train_texts):
        row_of.setdefault(text.strip(), i)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hloop-sim-") as tmp:
        settings = Settings(
            dataset=corpus.source,
            database_url=f"sqlite:///{Path(tmp) / 'sim.db'}",
            models_dir=Path(tmp) / "models",
            runs_dir=Path(tmp) / "runs",
            seed_size=seed_size,
            random_seed=seed,
            feedback_weight=feedback_weight,
            gate_margin=0.99,  # the loop as simulated makes every retrain current: the gate is measured apart
            model=FAST_FAMILY,  # the cached engine's exact twin; other families are not cross-checked yet
        )
        services = Services(settings, corpus=corpus)
        card, checkpoints, asked = services.train(), [], []
        while True:
            checkpoints.append(_checkpoint(card, start))
            if on_step is not None:
                on_step(len(checkpoints) - 1)
            answered = _label_batch(services, annotator, strategy, row_of, min(batch, budget - len(asked)))
            if not answered:
                return checkpoints, asked
            asked += answered
            card = services.retrain(feedback_weight)


def _label_batch(services, annotator: Annotator, strategy: str, row_of: dict[str, int], want: int) -> list[int]:
    answered: list[int] = []
    while len(answered) < want:
        item = services.next_item(ANNOTATOR_NAME, strategy)
        if item is None:
            break
        row = row_of[item.text]
        if not annotator.answerable[row]:  # no crowd label for this text: give it back
            services.skip(item.example_id, ANNOTATOR_NAME)
            continue
        services.submit_label(item.example_id, int(annotator.answer([row])[0]), ANNOTATOR_NAME)
        answered.append(row)
    return answered


def _checkpoint(card: ModelCard, start: float) -> Checkpoint:
    t, m = card.training, card.metrics
    if t is None or m is None:  # the simulation's corpus always has enough eval texts
        raise ValueError(f"v{card.version} has no metrics: too few eval texts for a learning curve")
    return Checkpoint(t.rows, t.human_labels, m.accuracy, m.f1_macro, round(time.perf_counter() - start, 4))
