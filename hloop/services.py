"""The use-cases of HumanLoopML. The CLI and the Gradio app are thin layers over ``Services``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from hloop.config import Settings
from hloop.core.errors import HLoopError, InvalidInputError, NothingToTrainError, StoreBusyError, StoreMismatchError
from hloop.core.labels import LABELS, clean_text, label_id
from hloop.core.strategies import QueryContext, get_strategy, strategy_name, top_k
from hloop.dataset import Corpus, Split, kept_train_rows, load_corpus, split_train
from hloop.transfer import read_texts, write_records
from labeling import queue as claims
from labeling import store
from labeling.db import make_engine
from training.pipeline import explain, highlight
from training.registry import Registry
from training.trainer import train_version

Progress = Callable[[float, str], None]
EXPORT_COLUMNS = [
    "label_id",
    "example_id",
    "text",
    "label",
    "annotator",
    "source",
    "model_version",
    "model_prediction",
    "model_confidence",
    "created_at",
    "undone_at",
]


def _no_progress(_fraction: float, _desc: str) -> None:
    return None


@dataclass
class _PoolCache:
    """Queue candidates scored by one model version; extended when new pool items arrive."""

    ids: np.ndarray
    probs: np.ndarray
    ranked: dict[str, tuple[np.ndarray, np.ndarray]]  # strategy -> (scores, positions highest first)


class Services:
    """Everything a user can do, over one settings object; safe to share between threads."""

    def __init__(self, settings: Settings, corpus: Corpus | None = None) -> None:
        self.settings = settings
        self.registry = Registry(settings.models_dir)
        self._corpus = corpus
        self._engine = None
        self._lock = threading.RLock()
        self._pool: dict[int, _PoolCache] = {}

    # -- plumbing -------------------------------------------------------------------------------------
    @property
    def engine(self):
        """The store's engine, created on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.settings.database_url, self.settings.db_timeout)
            return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short-lived session; a locked or unreachable database becomes StoreBusyError, nothing written."""
        with Session(self.engine) as session:
            try:
                yield session
            except OperationalError as exc:
                session.rollback()
                raise StoreBusyError(
                    f"The label store is busy or unreachable ({str(exc.orig)[:120]}); nothing was saved. Try again."
                ) from exc

    def corpus(self) -> Corpus:
        """The dataset, loaded once."""
        with self._lock:
            if self._corpus is None:
                self._corpus = load_corpus(self.settings.dataset)
            return self._corpus

    def _store_facts(self, corpus: Corpus) -> dict[str, str]:
        return {
            "data_fingerprint": corpus.fingerprint,
            "seed_size": str(self.settings.seed_size),
            "random_seed": str(self.settings.random_seed),
        }

    def ensure_store(self) -> dict[str, str]:
        """Fill an empty store with the dataset's seed, pool and eval texts; check a filled one matches."""
        corpus = self.corpus()
        facts = self._store_facts(corpus)
        with self._lock, self.session() as session:
            info = store.get_info(session=session)
            if info:
                wrong = {k: (info.get(k), v) for k, v in facts.items() if info.get(k) != v}
                if wrong:
                    raise StoreMismatchError(
                        f"The label store at {self.settings.database_url} was built with other settings "
                        f"({', '.join(f'{k}: {a} there, {b} now' for k, (a, b) in wrong.items())}). "
                        "Use the settings it was built with, or point HLOOP_DATABASE_URL at a new store."
                    )
                return info
            split = split_train(corpus.train_labels, self.settings.seed_size, self.settings.random_seed)
            rows, seed_labels = dataset_rows(corpus, split)
            try:
                store.bulk_add_examples(rows, session=session)
                store.bulk_add_seed_labels(seed_labels, session=session)
                store.set_info(facts, session=session)
                session.commit()
            except IntegrityError:  # another process filled the store at the same moment: use its rows
                session.rollback()
                return self.ensure_store()
            return facts

    # -- models ---------------------------------------------------------------------------------------
    def current_model(self):
        """(version, pipeline) of the current model."""
        version = self.registry.require_current()
        return version, self.registry.load(version)

    def train(
        self, feedback_weight: float | None = None, *, require_new: bool = False, progress: Progress = _no_progress
    ) -> dict:
        """Train a new version on the seed labels and every human label; returns its card."""
        weight = self.settings.feedback_weight if feedback_weight is None else float(feedback_weight)
        progress(0.05, "loading the dataset")
        corpus = self.corpus()
        self.ensure_store()
        parent = self.registry.current_version()
        newest = self.registry.versions()[-1] if self.registry.versions() else None
        with self.session() as session:
            snapshot = store.last_label_id(session=session)
            if require_new and newest is not None:
                since = self.registry.card(newest)["training"].get("last_label_id", 0)
                if store.count_human_labels(session=session, after_id=since) == 0:
                    raise NothingToTrainError(
                        f"No new human labels since v{newest}; label some queue items or correct predictions first."
                    )
            rows = store.latest_labels(session=session, up_to_id=snapshot)
        progress(0.2, f"training on {len(rows):,} labelled texts")
        model, card = train_version(
            [r.text for r in rows],
            [r.label for r in rows],
            [r.human for r in rows],
            feedback_weight=weight,
            eval_texts=corpus.test_texts,
            eval_labels=corpus.test_labels,
            parent=parent,
            data_fingerprint=corpus.fingerprint,
            random_state=self.settings.random_seed,
        )
        card["training"]["last_label_id"] = snapshot
        progress(0.9, "saving the new version")
        saved = self.registry.save(model, card)
        progress(1.0, f"v{saved['version']} ready")
        return saved

    def retrain(
        self, feedback_weight: float | None = None, *, force: bool = False, progress: Progress = _no_progress
    ) -> dict:
        """A new version from seed + human labels; refuses when no human label arrived since the last one."""
        return self.train(feedback_weight, require_new=not force, progress=progress)

    def card(self, version: int | None = None) -> dict:
        """The card of ``version`` (None or 0 = current)."""
        chosen = self.registry.require_current() if not version else int(version)
        return {**self.registry.card(chosen), "current": chosen == self.registry.current_version()}

    def versions(self) -> list[dict]:
        """Every version's card, oldest first."""
        return self.registry.cards()

    def rollback(self, version: int) -> dict:
        """Make ``version`` current again; returns its card."""
        self.registry.load(int(version))  # refuse to point at a corrupt artifact
        self.registry.set_current(int(version))
        return self.card(int(version))

    # -- prediction -----------------------------------------------------------------------------------
    def predict(self, text: str, *, record_for: str | None = None) -> dict:
        """The topic, the confidence of every topic and the model version for ``text``.

        ``record_for`` (an annotator name, or "" for anonymous) logs the prediction for the Correct tab.
        """
        cleaned = clean_text(text)
        version, model = self.current_model()
        probs = model.predict_proba([cleaned])[0]
        classes = model.classes_.tolist()
        confidences = {LABELS[c]: float(probs[i]) for i, c in enumerate(classes)}
        best = max(confidences, key=confidences.get)
        if record_for is not None:
            with self._lock, self.session() as session:
                store.add_prediction(
                    cleaned, label_id(best), confidences[best], version, session=session, annotator=record_for
                )
                session.commit()
        return {"label": best, "confidence": confidences[best], "confidences": confidences, "model_version": version}

    def explain(self, text: str, top: int = 10) -> dict:
        """The prediction's most influential words (signed) and highlight spans of the text."""
        cleaned = clean_text(text)
        version, model = self.current_model()
        predicted, contributions = explain(model, cleaned, top=top)
        return {
            "label": LABELS[predicted],
            "model_version": version,
            "contributions": [{"feature": c.feature, "weight": c.weight} for c in contributions],
            "highlights": highlight(cleaned, contributions),
        }

    # -- labels ---------------------------------------------------------------------------------------
    def _model_guess(self, text: str) -> tuple[int | None, int | None, float | None]:
        version = self.registry.current_version()
        if version is None:
            return None, None, None
        model = self.registry.load(version)
        probs = model.predict_proba([text])[0]
        best = int(np.argmax(probs))
        return version, int(model.classes_[best]), float(probs[best])

    def _label_result(self, session: Session, row, example) -> dict:
        return {**label_record(row, example), **self._counters(session)}

    def _counters(self, session: Session) -> dict:
        versions = self.registry.versions()
        since = self.registry.card(versions[-1])["training"].get("last_label_id", 0) if versions else 0
        return {
            "labels_total": store.count_human_labels(session=session),
            "labels_since_retrain": store.count_human_labels(session=session, after_id=since),
        }

    def counters(self) -> dict:
        """Human labels in total and since the newest version was trained."""
        with self.session() as session:
            return self._counters(session)

    def feedback(self, text: str, label: str | int, annotator: str) -> dict:
        """A correction from the Predict tab: store the text (if new) and the right label with the model's guess."""
        cleaned, wanted = clean_text(text), label_id(label)
        self.ensure_store()
        version, prediction, confidence = self._model_guess(cleaned)
        with self._lock, self.session() as session:
            example, _new = store.add_example(cleaned, "user", session=session)
            if example.origin == "eval":
                raise InvalidInputError(
                    "That text belongs to the held-out eval split, which is never trained on; "
                    "its label was not stored. Try another text."
                )
            row = store.add_label(
                example.id,
                wanted,
                annotator,
                "correction",
                session=session,
                model_version=version,
                model_prediction=prediction,
                model_confidence=confidence,
            )
            session.commit()
            return self._label_result(session, row, example)

    def label(self, example_id: int, label: str | int, annotator: str, source: str = "cli") -> dict:
        """Label (or relabel) a stored example outside the queue; history is kept."""
        wanted = label_id(label)
        with self._lock, self.session() as session:
            example = store.get_example(example_id, session=session)
            if example.origin == "eval":
                raise InvalidInputError(f"Example {example_id} is in the held-out eval split and cannot be labelled.")
            version, prediction, confidence = self._model_guess(example.text)
            row = store.add_label(
                example.id,
                wanted,
                annotator,
                source,
                session=session,
                model_version=version,
                model_prediction=prediction,
                model_confidence=confidence,
            )
            claims.release(example.id, session=session)
            session.commit()
            return self._label_result(session, row, example)

    def undo(self, annotator: str) -> dict:
        """Undo the annotator's latest label (kept in history as undone); returns what was undone."""
        with self._lock, self.session() as session:
            row = store.undo_last((annotator or "").strip(), session=session)
            example = store.get_example(row.example_id, session=session)
            session.commit()
            return {**self._label_result(session, row, example), "undone": True}

    def history(self, limit: int = 50) -> list[dict]:
        """The newest human label events (undone ones included) for the Correct tab."""
        with self.session() as session:
            return [label_record(lab, ex) for lab, ex in store.label_history(session=session, limit=limit)]

    def recent_activity(self, limit: int = 50) -> list[dict]:
        """Predictions shown in the app (not yet labelled) and human label events, newest first."""
        with self.session() as session:
            events = [
                (lab.created_at, label_record(lab, ex)) for lab, ex in store.label_history(session=session, limit=limit)
            ]
            events += [(p.created_at, prediction_record(p)) for p in store.recent_predictions(limit, session=session)]
        events.sort(key=lambda pair: pair[0], reverse=True)
        return [record for _when, record in events[:limit]]

    # -- queue ----------------------------------------------------------------------------------------
    def _pool_cache(self, version: int, model) -> _PoolCache:
        with self._lock:
            cache = self._pool.get(version)
            after = int(cache.ids[-1]) if cache is not None and cache.ids.size else 0
            with self.session() as session:
                fresh = store.examples_by_origin(store.QUEUE_ORIGINS, session=session, after_id=after)
            if cache is None or fresh:
                ids = np.array([i for i, _ in fresh], dtype=np.int64)
                probs = model.predict_proba([t for _, t in fresh]) if fresh else np.empty((0, len(LABELS)))
                if cache is not None:
                    ids, probs = np.concatenate([cache.ids, ids]), np.vstack([cache.probs, probs])
                cache = _PoolCache(ids, probs, {})
                self._pool = {version: cache}  # scores of older versions are stale
            return cache

    def _ranked(self, cache: _PoolCache, version: int, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        name = strategy_name(strategy)
        with self._lock:
            if name not in cache.ranked:
                rng = np.random.default_rng([self.settings.random_seed, version])
                # the version's training size, so a warm-up strategy knows whether the model is past cold start
                context = QueryContext(labelled=int(self.registry.card(version)["training"]["rows"]))
                scores = get_strategy(name)(cache.probs, rng, context) if cache.ids.size else np.empty(0)
                cache.ranked[name] = (scores, top_k(scores, cache.ids.size, rng))
            return cache.ranked[name]

    def ranked_pool(self, strategy: str = "default", n: int | None = None) -> list[dict]:
        """Unlabelled pool items by uncertainty (highest first), without claiming them."""
        version, model = self.current_model()
        cache = self._pool_cache(version, model)
        scores, order = self._ranked(cache, version, strategy)
        with self.session() as session:
            blocked = store.human_labelled_ids(session=session)
            out = []
            for pos in order:
                if cache.ids[pos] in blocked:
                    continue
                out.append(self._item(session, cache, int(pos), version, float(scores[pos])))
                if n is not None and len(out) >= n:
                    break
            return out

    def _item(self, session: Session, cache: _PoolCache, pos: int, version: int, score: float | None) -> dict:
        example = store.get_example(int(cache.ids[pos]), session=session)
        probs = cache.probs[pos]
        best = int(np.argmax(probs))
        return {
            "example_id": example.id,
            "text": example.text,
            "score": score,
            "prediction": LABELS[best],
            "confidence": float(probs[best]),
            "model_version": version,
        }

    def next_item(self, annotator: str, strategy: str = "default") -> dict | None:
        """Claim the most uncertain pool item nobody holds for ``annotator``; None when the queue is empty."""
        annotator = _annotator(annotator)
        version, model = self.current_model()
        cache = self._pool_cache(version, model)
        scores, order = self._ranked(cache, version, strategy)
        with self.session() as session:
            claims.release_expired(session=session)
            session.commit()
            held = claims.active_claim(annotator, session=session)
            if held is not None and not store.queue_labelled(held.example_id, session=session):
                claim = held
            else:
                blocked = claims.blocked_ids(annotator, session=session)
                ranked = (int(cache.ids[p]) for p in order if int(cache.ids[p]) not in blocked)
                claim = claims.claim_first(annotator, ranked, self.settings.claim_minutes, session=session)
                if claim is None:
                    return None
            pos = int(np.searchsorted(cache.ids, claim.example_id))
            if pos < cache.ids.size and cache.ids[pos] == claim.example_id:
                item = self._item(session, cache, pos, version, float(scores[pos]))
            else:  # only a claim older than the pool cache can miss it; score it directly
                example = store.get_example(claim.example_id, session=session)
                guess = self.predict(example.text)
                item = {
                    "example_id": example.id,
                    "text": example.text,
                    "score": None,
                    "model_version": version,
                    "prediction": guess["label"],
                    "confidence": guess["confidence"],
                }
            item["claim_expires_at"] = claim.expires_at.isoformat(timespec="seconds")
            return item

    def submit_label(self, example_id: int, label: str | int, annotator: str) -> dict:
        """Label a queue item the annotator holds; an item is labelled once through the queue."""
        annotator, wanted = _annotator(annotator), label_id(label)
        with self._lock, self.session() as session:
            example = store.get_example(example_id, session=session)
            if store.queue_labelled(example.id, session=session):
                raise InvalidInputError(
                    f"Item {example_id} was already labelled through the queue; ask for the next item."
                )
            claims.check_claim(example.id, annotator, session=session)
            version, prediction, confidence = self._model_guess(example.text)
            row = store.add_label(
                example.id,
                wanted,
                annotator,
                "queue",
                session=session,
                model_version=version,
                model_prediction=prediction,
                model_confidence=confidence,
            )
            claims.release(example.id, session=session)
            session.commit()
            return self._label_result(session, row, example)

    def skip(self, example_id: int, annotator: str) -> dict:
        """Give a claimed item back to the queue; this annotator is not offered it again."""
        annotator = _annotator(annotator)
        with self._lock, self.session() as session:
            store.get_example(example_id, session=session)
            claims.check_claim(int(example_id), annotator, session=session)
            claims.add_skip(int(example_id), annotator, session=session)
            claims.release(int(example_id), session=session)
            session.commit()
            return {"example_id": int(example_id), "skipped": True}

    # -- import / export ------------------------------------------------------------------------------
    def import_texts(self, path: str | Path, progress: Progress = _no_progress) -> dict:
        """Add unlabelled texts from a CSV/JSONL file to the pool: counts of added, duplicate, rejected rows."""
        rows = read_texts(path)
        self.ensure_store()
        added, duplicates, rejected = 0, 0, []
        with self._lock, self.session() as session:
            for done, (number, value) in enumerate(rows, start=1):
                try:
                    if isinstance(value, HLoopError):
                        raise value
                    _example, new = store.add_example(value, "import", session=session)
                except HLoopError as exc:
                    rejected.append({"row": number, "reason": str(exc)})
                    continue
                added += new
                duplicates += not new
                if done % 500 == 0:
                    progress(done / len(rows), f"{done:,} of {len(rows):,} rows")
            session.commit()
        progress(1.0, "imported")
        return {
            "rows": len(rows),
            "added": added,
            "duplicates": duplicates,
            "rejected": len(rejected),
            "rejections": rejected[:100],
        }

    def export(self, path: str | Path, history: bool = False) -> dict:
        """Write the human labels (the counting ones, or every event with ``history``) as CSV or JSONL."""
        with self.session() as session:
            events = store.label_history(session=session)
        records = [label_record(lab, ex) for lab, ex in reversed(events)]
        if not history:
            latest: dict[int, dict] = {}
            for record in records:
                if record["undone_at"] is None:
                    latest[record["example_id"]] = record
            records = sorted(latest.values(), key=lambda r: r["label_id"])
        count = write_records(path, ({k: r[k] for k in EXPORT_COLUMNS} for r in records), EXPORT_COLUMNS)
        return {"path": str(path), "labels": count}

    # -- simulation -----------------------------------------------------------------------------------
    def simulate(
        self, config=None, *, out_dir: str | Path | None = None, target: float = 0.85, progress: Progress = _no_progress
    ) -> dict:
        """Simulate the loop on this dataset (the label store and the registry are never touched);
        ``config=None`` runs the small simulation of the app's "Simulate" button.

        Writes ``results.json``, ``curves.png`` and ``table.md`` to ``out_dir`` (default: a new folder under
        ``settings.runs_dir``) and returns {"out_dir", "results", "summary", "table"}.
        """
        from datetime import UTC, datetime

        from hloop.simulation import format_table, quick_config, save_figure, simulate, summary, write_results

        if config is None:  # the app's button: a small run from the app's own seed size
            config = quick_config(
                len(self.corpus().train_texts),
                self.settings.seed_size,
                self.settings.random_seed,
                self.settings.feedback_weight,
            )
        config = config.validated()  # before loading the dataset: a typo fails fast
        folder = (
            Path(out_dir) if out_dir else Path(self.settings.runs_dir) / datetime.now(UTC).strftime("sim-%Y%m%d-%H%M%S")
        )
        results = simulate(self.corpus(), config, human_labels_file=self.settings.human_labels_file, progress=progress)
        write_results(results, folder)
        save_figure(results, folder / "curves.png")
        rows = summary(results, target)
        table = format_table(rows, target)
        (folder / "table.md").write_text(table + "\n")
        return {"out_dir": str(folder), "results": results, "summary": rows, "table": table}

    def latest_simulation(self) -> dict | None:
        """The newest simulation's results under ``settings.runs_dir`` (with ``out_dir``); None if there is none."""
        import json

        found = sorted(Path(self.settings.runs_dir).glob("*/results.json"), key=lambda p: p.stat().st_mtime)
        for path in reversed(found):
            try:
                return {**json.loads(path.read_text()), "out_dir": str(path.parent)}
            except (OSError, json.JSONDecodeError):
                continue  # a run still being written, or a damaged file: show the one before it
        return None


def dataset_rows(corpus: Corpus, split: Split) -> tuple[list[tuple[str, str, int]], list[tuple[int, int]]]:
    """The store's (text, origin, dataset row) rows, eval first, and the seed's (dataset row, label) pairs."""
    seed = set(split.seed.tolist())
    rows = [(text.strip(), "eval", i) for i, text in enumerate(corpus.test_texts)]
    kept = kept_train_rows(corpus).tolist()
    rows += [(corpus.train_texts[i].strip(), "seed" if i in seed else "pool", i) for i in kept]
    seed_labels = [(i, int(corpus.train_labels[i])) for i in kept if i in seed]
    return rows, seed_labels


def prediction_record(row) -> dict:
    """A logged prediction in the shape of ``label_record`` (no example, no human label yet)."""
    return {
        "label_id": None,
        "example_id": None,
        "text": row.text,
        "label": None,
        "annotator": row.annotator or "",
        "source": "prediction",
        "model_version": row.model_version,
        "model_prediction": LABELS[row.label],
        "model_confidence": row.confidence,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "undone_at": None,
        "undone": False,
    }


def label_record(lab, ex) -> dict:
    """One label event with its example, as the API, the Correct tab and exports show it."""
    return {
        "label_id": lab.id,
        "example_id": ex.id,
        "text": ex.text,
        "label": LABELS[lab.label],
        "annotator": lab.annotator,
        "source": lab.source,
        "model_version": lab.model_version,
        "model_prediction": None if lab.model_prediction is None else LABELS[lab.model_prediction],
        "model_confidence": lab.model_confidence,
        "created_at": lab.created_at.isoformat(timespec="seconds"),
        "undone_at": None if lab.undone_at is None else lab.undone_at.isoformat(timespec="seconds"),
        "undone": lab.undone_at is not None,
    }


def _annotator(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > 100:
        raise InvalidInputError("Annotator name must be 1-100 characters; enter your name.")
    return cleaned
