"""Run a simulation: every strategy x repeat over the same cached features, in one or more processes."""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import queue as queue_module
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hloop.core import values
from hloop.core.errors import InvalidInputError
from hloop.core.models import DEFAULT_EMBEDDINGS
from hloop.core.strategies import DEFAULT_STRATEGY, get_strategy, strategy_name
from hloop.data.corpus import Corpus
from hloop.experiments.annotators import AnnotatorSpec, crowd_labels, make_annotator, parse_annotator
from hloop.experiments.features import Features, featurize
from hloop.experiments.loop import fit_version, run_loop, split_with_dev, training_set
from hloop.experiments.models import FAST_FAMILY, FamilyTexts, check_model, family_texts, needs_texts
from hloop.experiments.through_services import run_through_services
from training.workers import WorkerProcesses

Progress = Callable[[float, str], None]
ENGINES = ("cached", "services")


WARMUP_PREFIX = "warmup:"  # "warmup:W": the default strategy with a warm-up of W labels per label (the dev sweep)


def resolve_strategy(name: str):
    """The strategy of a name on the command line: a registered one, ``default``, or ``warmup:W``."""
    if name.strip().lower().startswith(WARMUP_PREFIX):
        from hloop.experiments.warmup import warmup_strategy

        count = name.strip()[len(WARMUP_PREFIX) :]
        if not count.isdigit():
            raise InvalidInputError(f"{name!r}: write warmup:W with W a whole number of labels per label.")
        return warmup_strategy(int(count))
    return get_strategy(name)


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate; ``strategies`` may name ``default``; repeat r uses seed ``random_seed + r``."""

    strategies: tuple[str, ...] = ("random", "default")
    repeats: int = 3
    seed_size: int = 100
    batch: int = 50
    budget: int = 2000
    annotator: str = "oracle"
    feedback_weight: float = 1.0
    random_seed: int = 0
    workers: int = 2
    engine: str = "cached"  # "cached": tokenize once, rebuild TF-IDF per step; "services": the app's Services
    compute: str = "local"  # "modal": one Modal call per strategy x repeat (hloop/experiments/modal_app.py)
    # a family or auto; the CLI and the app pass HLOOP_MODEL (auto unless set), tests name none: tfidf-lr
    model: str = FAST_FAMILY
    embeddings: str = DEFAULT_EMBEDDINGS  # the spec the embedding families (and auto's candidates) use

    def validated(self) -> SimulationConfig:
        """This config after checking every value; raises InvalidInputError naming what is allowed."""
        if not self.strategies:
            raise InvalidInputError("Name at least one strategy, e.g. random,default.")
        for name in self.strategies:
            resolve_strategy(name)  # unknown names raise with the list of valid ones
        parse_annotator(self.annotator)
        check_model(self.model, self.embeddings)
        if self.engine == "services" and self.model != FAST_FAMILY:
            raise InvalidInputError(
                f"--engine services is the exact cross-check of the cached engine for {FAST_FAMILY} only, for now "
                f"(other families are not yet checked equal through the services); use --model {FAST_FAMILY} "
                f"with it, or the cached engine for {self.model!r}."
            )
        if self.compute not in ("local", "modal"):
            raise InvalidInputError(f"Unknown compute {self.compute!r}; use local or modal.")
        if self.engine not in ENGINES:
            raise InvalidInputError(f"Unknown engine {self.engine!r}; use one of {', '.join(ENGINES)}.")
        for field, value, low in (
            ("repeats", self.repeats, 1),
            ("seed-size", self.seed_size, 4),
            ("batch", self.batch, 1),
            ("budget", self.budget, 1),
            ("workers", self.workers, 1),
        ):
            if int(value) < low:
                raise InvalidInputError(f"--{field} must be at least {low}, got {value}.")
        values.parse_weight(self.feedback_weight)  # the one range of a feedback weight
        return self

    @property
    def steps_per_run(self) -> int:
        """Evaluated versions per run when the pool is large enough: the seed model plus one per batch."""
        return 1 + math.ceil(self.budget / self.batch)


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs, sent once per process."""

    corpus: Corpus
    features: Features | None  # None for the services engine
    texts: FamilyTexts | None  # the texts and their embeddings, for any model but tfidf-lr
    crowd: np.ndarray | None
    annotator: AnnotatorSpec
    config: SimulationConfig


_JOB: _Job | None = None  # set in worker processes only, by _init_worker
_EVENTS = None


def _init_worker(job: _Job, events) -> None:
    global _JOB, _EVENTS
    _JOB, _EVENTS = job, events


def _run_task(task: tuple[str, int]) -> list[dict]:
    return run_task(_JOB, task, lambda _step: _EVENTS.put(1))


def run_task(job: _Job, task: tuple[str, int], on_step: Callable[[int], None] | None = None) -> list[dict]:
    """One run of one strategy (as named on the command line) and one repeat: its checkpoints as dicts."""
    name, repeat = task
    config, corpus = job.config, job.corpus
    seed = config.random_seed + repeat
    annotator = make_annotator(job.annotator, np.asarray(corpus.train_labels), seed, len(corpus.label_set), job.crowd)
    if config.engine == "services":
        checkpoints, _asked = run_through_services(
            corpus,
            annotator,
            name,
            seed_size=config.seed_size,
            batch=config.batch,
            budget=config.budget,
            feedback_weight=config.feedback_weight,
            seed=seed,
            on_step=on_step,
        )
        return [{"strategy": name, "repeat": repeat, **asdict(c)} for c in checkpoints]
    seed_rows, pool_rows, dev_rows = split_with_dev(corpus, job.features.usable, config.seed_size, seed)
    result = run_loop(
        job.features,
        seed_rows,
        np.asarray(corpus.train_labels)[seed_rows],
        pool_rows,
        annotator,
        resolve_strategy(name),
        batch=config.batch,
        budget=config.budget,
        feedback_weight=config.feedback_weight,
        seed=seed,
        label_set=corpus.label_set,
        on_step=on_step,
        dev=(dev_rows, np.asarray(corpus.train_labels)[dev_rows]),
        model=config.model,
        texts=job.texts,
    )
    return [{"strategy": name, "repeat": repeat, **asdict(c)} for c in result.checkpoints]


def simulate(
    corpus: Corpus, config: SimulationConfig, *, human_labels_file: Path | None = None, progress: Progress | None = None
) -> dict:
    """Every checkpoint of every strategy and repeat, with the config and the default strategy's name."""
    config = config.validated()
    if not corpus.labelled or not len(corpus.eval_texts):
        raise InvalidInputError(
            "The simulation needs a dataset with gold labels (its simulated annotator answers with them); "
            f"{corpus.source!r} has none. Point HLOOP_DATASET and HLOOP_LABEL_COLUMN at a labelled dataset."
        )
    started = time.perf_counter()
    spec = parse_annotator(config.annotator)
    report = progress or (lambda _f, _d: None)
    report(0.0, "fitting the vectorizer on the train split")
    crowd = crowd_labels(human_labels_file, corpus.train_texts) if spec.kind == "human" else None
    features = featurize(corpus)
    texts = None
    if config.engine == "cached" and needs_texts(config.model):
        texts = family_texts(corpus, config.embeddings, lambda d, n: report(0.0, f"embedding texts {d:,}/{n:,}"))
    job = _Job(corpus, features if config.engine == "cached" else None, texts, crowd, spec, config)
    tasks = [(name, r) for name in config.strategies for r in range(config.repeats)]
    total = len(tasks) * config.steps_per_run
    done = [0]

    def step(_step: int = 0) -> None:
        done[0] += 1
        report(min(done[0] / total, 0.99), f"{done[0]}/{total} model versions")

    workers = min(config.workers, len(tasks))
    if config.compute == "modal":
        runs = _run_on_modal(job, tasks)
        done[0] = total - 1
        step()
    elif workers == 1:
        runs = [run_task(job, task, step) for task in tasks]
    else:
        runs = _run_parallel(job, tasks, workers, step)
    report(1.0, "done")
    return {
        "default_strategy": strategy_name(DEFAULT_STRATEGY),
        "config": {**asdict(config), "strategies": list(config.strategies), "annotator": spec.name},
        "dataset": corpus.source,
        "labels": corpus.label_set.to_list(),
        "reference_accuracy": reference_accuracy(corpus, features, config.random_seed),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "checkpoints": [c for run in runs for c in run],
    }


def reference_accuracy(corpus: Corpus, features: Features, random_seed: int) -> float:
    """Eval accuracy of the product's model trained on every usable labelled train row (gold labels): the
    ceiling that a relative target is measured against."""
    rows = features.usable[np.asarray(corpus.train_labels)[features.usable] >= 0]
    data = training_set(rows, np.asarray(corpus.train_labels)[rows], np.empty(0, np.int64), np.empty(0, np.int64), 1.0)
    vectorizer, clf = fit_version(features, data, random_seed)
    return float((clf.predict(vectorizer.transform(features.eval)) == features.eval_labels).mean())


def _run_on_modal(job: _Job, tasks: list[tuple[str, int]]) -> list:
    """Every run as one call of the deployed ``hloop-simulation`` app, in parallel; results in task order."""
    from training.compute import ModalCompute

    return ModalCompute().fan_out("run", [(job, task) for task in tasks], app_name="hloop-simulation")


def _run_parallel(job: _Job, tasks: list[tuple[str, int]], workers: int, step: Callable[[], None]) -> list:
    ctx = mp.get_context("spawn")  # fork after threads (tqdm, gradio) can deadlock
    events = ctx.Queue()
    with WorkerProcesses(workers, _init_worker, (job, events)) as pool:  # they end with this process, however
        futures = [pool.submit(_run_task, task) for task in tasks]
        while not all(f.done() for f in futures):
            try:
                events.get(timeout=0.2)
                step()
            except queue_module.Empty:
                continue
        return [f.result() for f in futures]


def write_results(results: dict, out_dir: Path) -> Path:
    """Write ``results.json`` into ``out_dir`` (created) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(json.dumps(results, indent=1))
    return path


def quick_config(
    n_train: int,
    seed_size: int | str,
    random_seed: int,
    feedback_weight: float,
    model: str = FAST_FAMILY,
    embeddings: str = DEFAULT_EMBEDDINGS,
) -> SimulationConfig:
    """A small simulation for the app's button: random vs default, 2 repeats, 10 batches, in-process.

    It starts from the app's own seed size (so its curves sit beside the app's versions), capped to leave a pool.
    """
    seed = min(int(seed_size) if seed_size != "all" else 100, max(4, n_train // 2))
    batch = int(np.clip(n_train // 200, 5, 50))
    return SimulationConfig(
        strategies=("random", "default"),
        repeats=2,
        seed_size=seed,
        batch=batch,
        budget=10 * batch,
        random_seed=random_seed,
        feedback_weight=feedback_weight,
        workers=1,
        model=model,
        embeddings=embeddings,
    )
