"""A multi-label project (``HLOOP_MULTI_LABEL``): its dataset as label sets, the store filled with them, the queue
of the pool texts the model is least sure about (``hloop.core.multilabel_strategies``), labels given as sets, and
model versions (``hloop.services.set_models``, ``training.set_registry``). What the CLI of a multi-label project
runs; the single-label ``Services`` is unchanged."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from hloop.config import Settings
from hloop.core.errors import InvalidInputError, NoModelError, NothingToTrainError, StoreMismatchError
from hloop.core.labels import LabelSet
from hloop.core.multilabel_strategies import DEFAULT_SET_STRATEGY, get_set_strategy
from hloop.core.set_cards import SetCard, SetTraining
from hloop.data.set_corpus import SetCorpus, load_set_corpus, rarest_labels
from hloop.data.splits import Split, carve_dev, split_train
from hloop.services.dataset import dataset_spec
from hloop.services.project_kind import KIND, KIND_KEY
from hloop.services.set_models import card_of, fit_version, probabilities
from labeling import claims, store
from labeling.db import make_engine
from labeling.label_sets import EMPTY_SET, add_label_set, encode_label_set, latest_label_sets
from labeling.tables import Example, Label, utcnow
from training.set_registry import SetRegistry


def _label_state(session: Session) -> str:
    """The newest label event and how many are undone: changes with every label, correction and undo."""
    undone = session.exec(select(func.count()).select_from(Label).where(col(Label.undone_at).is_not(None))).one()
    return f"{store.last_label_id(session=session)}:{undone}"


class SetProject:
    """A multi-label project over ``settings``: fill, train, retrain, versions, queue, label, skip, undo, export."""

    def __init__(self, settings: Settings, corpus: SetCorpus | None = None) -> None:
        self.settings = settings
        self._corpus = corpus
        self.registry = SetRegistry(settings.models_dir)

    @cached_property
    def corpus(self) -> SetCorpus:
        return self._corpus or load_set_corpus(dataset_spec(self.settings), self.settings.label_separator)

    @property
    def label_set(self) -> LabelSet:
        return self.corpus.label_set

    @cached_property
    def engine(self):
        return make_engine(self.settings.database_url, self.settings.db_timeout)

    def session(self) -> Session:
        return Session(self.engine)

    # -- the store -----------------------------------------------------------------------------------------
    def _rows(self) -> tuple[list[tuple[str, str, int]], dict[int, np.ndarray]]:
        """The store's (text, origin, dataset row) rows (eval first) and the seed rows' sets, by train row."""
        c, s = self.corpus, self.settings
        strata = rarest_labels(c.train_sets, c.train_labelled)  # -1: unlabelled, always in the pool
        split = split_train(strata, s.seed_size, s.random_seed)
        split, dev = carve_dev(strata, split, s.dev_share, s.dev_max, s.random_seed)
        if not dev.size and s.dev_share > 0:  # every labelled row is seed ("all"): dev comes out of the seed
            seed_only = Split(np.empty(0, np.int64), split.seed)
            rest, dev = carve_dev(strata, seed_only, s.dev_share, s.dev_max, s.random_seed)
            split = Split(rest.pool, split.pool)
        rows = [(t, "eval", i) for i, t in enumerate(c.eval_texts)]
        origin = {**{int(i): "seed" for i in split.seed}, **{int(i): "dev" for i in dev}}
        rows += [(t, origin.get(i, "pool"), i) for i, t in enumerate(c.train_texts)]
        return rows, {int(i): c.train_sets[i] for i in split.seed}

    def fill(self) -> dict:
        """Fill a new store with the dataset (once); a store of another dataset or a single-label one is refused."""
        with self.session() as session:
            info = store.get_info(session=session)
            if info:
                if info.get(KIND_KEY) != KIND or info.get("data_fingerprint") != self.corpus.fingerprint:
                    raise StoreMismatchError(
                        "HLOOP_DATABASE_URL holds a store of another project (single-label, or another dataset); "
                        "point it at a new store for this multi-label project."
                    )
                return info
            rows, seed = self._rows()
            store.bulk_add_examples(rows, session=session)
            ids = {(o, r): e for e, o, r in session.exec(select(Example.id, Example.origin, Example.dataset_row))}
            now, n = utcnow(), len(self.label_set)
            payload = []
            for row, indicator in seed.items():
                labels = np.flatnonzero(indicator).tolist()
                payload.append({"example_id": ids[("seed", row)], "label": labels[0] if labels else EMPTY_SET,
                                "labels": encode_label_set(labels, n, allow_empty=True), "annotator": "seed",
                                "source": "seed", "created_at": now})  # fmt: skip
            if payload:
                session.execute(insert(Label), payload)
            info = {KIND_KEY: KIND, "data_fingerprint": self.corpus.fingerprint, "seed_size": str(len(seed))}
            store.set_info(info, session=session)
            session.commit()
            return info

    def _gold(self, origin: str) -> tuple[list[str], np.ndarray]:
        """The texts of ``origin`` (eval or dev) with their gold sets from the dataset."""
        sets = self.corpus.eval_sets if origin == "eval" else self.corpus.train_sets
        with self.session() as session:
            rows = session.exec(
                select(Example.text, Example.dataset_row).where(Example.origin == origin).order_by(Example.id)
            ).all()
        gold = np.array([sets[r] for _, r in rows], dtype=bool).reshape(len(rows), len(self.label_set))
        return [t for t, _ in rows], gold

    # -- versions ------------------------------------------------------------------------------------------
    def retrain(self, force: bool = False) -> SetCard:
        """A new version on the seed and human label sets, refused when no label changed since the newest version
        (unless ``force``, which also makes it current whatever the gate says)."""
        self.fill()
        versions = self.registry.versions()
        if versions and not force:
            with self.session() as session:
                state = _label_state(session)
            if state == self.registry.card(versions[-1]).training.label_state:
                raise NothingToTrainError(
                    f"No label given or undone since v{versions[-1]} was trained: label more, or use --force."
                )
        return self.train(force=force)

    def train(self, force: bool = False) -> SetCard:
        """Fill the store if needed and train a new version; it serves if it is the first or passes the gate on
        dev (or ``force``). Returns its card."""
        self.fill()
        s = self.settings
        with self.session() as session:
            latest = latest_label_sets(session=session)
            state = _label_state(session)
        texts = [x.text for x in latest]
        y = np.zeros((len(latest), len(self.label_set)), dtype=bool)
        for i, x in enumerate(latest):
            y[i, list(x.labels)] = True
        weights = np.array([(s.bulk_weight if x.bulk else s.feedback_weight) if x.human else 1.0 for x in latest])
        dev = self._gold("dev")
        model, choice = fit_version(
            (texts, y, weights), dev, self.label_set, model=s.model, embeddings=s.embeddings,
            allow_empty=s.allow_empty, random_state=s.random_seed,
        )  # fmt: skip
        current_version = self.registry.current_version()
        current = None if current_version is None else self.registry.load(current_version, self.label_set.names)
        counts = SetTraining(sum(not x.human for x in latest), sum(x.human for x in latest), len(dev[0]),
                             s.feedback_weight, state)  # fmt: skip
        card = card_of(
            model, choice, eval_set=self._gold("eval"), dev_set=dev, current=current, label_set=self.label_set,
            embeddings=s.embeddings, allow_empty=s.allow_empty, counts=counts, margin=s.gate_margin,
            alpha=s.gate_alpha,
        )  # fmt: skip
        return self.registry.save(model, card, make_current=card.promoted or force)

    def versions(self) -> list[SetCard]:
        return self.registry.cards()

    def card(self, version: int | None = None) -> SetCard:
        version = self.registry.current_version() if version is None else version
        if version is None:
            raise NoModelError("No multi-label model yet: run `python -m hloop train`.")
        return self.registry.card(version)

    def promote(self, version: int) -> SetCard:
        self.registry.set_current(version)
        return self.registry.card(version)

    # -- the queue and labels ------------------------------------------------------------------------------
    def ranked_pool(self, strategy: str = DEFAULT_SET_STRATEGY, n: int = 10) -> list[dict]:
        """The ``n`` unlabelled pool texts to label first, with the current model's suggested set."""
        self.fill()
        with self.session() as session:
            done = store.human_labelled_ids(session=session)
            pool = [(i, t) for i, t in store.examples_by_origin(store.QUEUE_ORIGINS, session=session) if i not in done]
            labelled = latest_label_sets(session=session)
        version = self.registry.current_version()
        if version is None or not pool:
            rng = np.random.default_rng(self.settings.random_seed)
            return [{"example_id": i, "text": t, "score": None, "suggested": []} for i, t in
                    [pool[j] for j in rng.permutation(len(pool))[:n]]]  # fmt: skip
        model = self.registry.load(version, self.label_set.names)
        p = probabilities(model, [t for _, t in pool], self.settings.embeddings)
        cardinality = float(np.mean([len(x.labels) for x in labelled])) if labelled else 1.0
        rng = np.random.default_rng(self.settings.random_seed)
        scores = get_set_strategy(strategy)(p, model.thresholds, cardinality, rng)
        order = np.argsort(-scores, kind="stable")[:n]
        names = self.label_set.names
        return [
            {"example_id": pool[j][0], "text": pool[j][1], "score": float(scores[j]),
             "suggested": [names[k] for k in np.flatnonzero(p[j] >= model.thresholds)],
             "probabilities": {names[k]: round(float(p[j, k]), 4) for k in range(len(names))}}
            for j in order
        ]  # fmt: skip

    def parse_names(self, names: str | list[str]) -> list[int]:
        """Label names (a list, or one string of names joined by commas or the project's separator) as indices."""
        if isinstance(names, str):
            separators = {",", self.settings.label_separator} - {""}
            parts = [names]
            for sep in separators:
                parts = [piece for part in parts for piece in part.split(sep)]
            names = [p for p in (part.strip() for part in parts) if p]
        return sorted({self.label_set.index(name) for name in names})

    def label(self, example_id: int, names: str | list[str], annotator: str, source: str = "cli") -> dict:
        """Give ``example_id`` the set ``names`` (not an eval or dev text, not held by someone else)."""
        self.fill()
        indices = self.parse_names(names)
        with self.session() as session:
            example = store.get_example(example_id, session=session)
            if example.origin in ("eval", "dev"):
                raise InvalidInputError(f"Example {example_id} is an {example.origin} text: it is never labelled.")
            claims.refuse_if_held_by_other(example_id, annotator, session=session)
            row = add_label_set(example_id, indices, annotator, source, session=session, n_labels=len(self.label_set),
                                allow_empty=self.settings.allow_empty)  # fmt: skip
            claims.release_own(example_id, annotator, session=session)
            session.commit()
            return self._event(row)

    def undo(self, annotator: str) -> dict:
        """Undo the annotator's latest label set (kept in the history as undone)."""
        with self.session() as session:
            row = store.undo_last(annotator, session=session)
            session.commit()
            return self._event(row)

    def _event(self, row: Label) -> dict:
        labels = json.loads(row.labels) if row.labels is not None else [row.label]
        return {"label_id": row.id, "example_id": row.example_id, "labels": [self.label_set.names[i] for i in labels],
                "annotator": row.annotator, "source": row.source}  # fmt: skip

    def export(self, path: str | Path) -> dict:
        """Every live human label set to ``path``: JSONL with the labels as a list, or CSV with them joined by the
        project's separator (``|`` when none is set)."""
        path = Path(path)
        if path.suffix.lower() not in (".jsonl", ".csv"):
            raise InvalidInputError(f"Export to a .jsonl or .csv file, not {path.name!r}.")
        names = self.label_set.names
        with self.session() as session:
            rows = [x for x in latest_label_sets(session=session) if x.human]
        records = [{"example_id": x.example_id, "text": x.text, "labels": [names[i] for i in x.labels]} for x in rows]
        temporary = path.with_name(f".{path.name}.tmp")
        if path.suffix.lower() == ".jsonl":
            temporary.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        else:
            import pandas as pd

            joined = self.settings.label_separator or "|"
            frame = pd.DataFrame([{**r, "labels": joined.join(r["labels"])} for r in records],
                                 columns=["example_id", "text", "labels"])  # fmt: skip
            frame.to_csv(temporary, index=False)
        temporary.replace(path)
        return {"labels": len(records), "path": str(path)}
