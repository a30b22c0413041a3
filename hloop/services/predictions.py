"""Use-cases of prediction: a text's label with every label's confidence, why, and the model's guess on a label."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from hloop.core import events
from hloop.core.errors import HLoopError
from hloop.core.labels import clean_text
from hloop.core.values import parse_annotator
from hloop.services.models import Models
from hloop.services.project import Project
from labeling import store
from training.explain import explain_family
from training.pipeline import full_probabilities, highlight

NEIGHBOURS = 3  # the labelled texts shown beside a prediction that rests on embeddings
RECENT_TEXTS = 64  # single texts whose probabilities are kept: the queue explains an item, then stores its guess


def label_answer(names: tuple[str, ...] | list[str], row: np.ndarray) -> dict:
    """What a prediction says of one text: the label, its confidence and every label's confidence."""
    best = int(np.argmax(row))
    confidences = {name: float(p) for name, p in zip(names, row, strict=True)}
    return {"label": names[best], "confidence": float(row[best]), "confidences": confidences}


class Predictions:
    """What the model that serves says of texts."""

    def __init__(self, project: Project, models: Models) -> None:
        self.project = project
        self.models = models
        # (text, k) -> the k most similar labelled texts ({"text", "label", "similarity", ...}); ``Services`` sets the
        # embeddings part's; without one, no neighbours are shown
        self.neighbours: Callable[[str, int], list[dict]] = lambda _text, _k: []
        # (version, text) -> (the model, its probabilities of the text)
        self._recent: OrderedDict[tuple[int, str], tuple[object, np.ndarray]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def probabilities(self, texts: list[str]) -> tuple[int, np.ndarray]:
        """(version, one row of label probabilities per text) from the current model."""
        version, model = self.models.current_model()
        return version, full_probabilities(model, texts, len(self.project.label_set))

    def probabilities_of(self, text: str) -> tuple[int, np.ndarray]:
        """(version, label probabilities) of one text by the current model."""
        version, model = self.models.current_model()
        return version, self._row(version, model, text)

    def _row(self, version: int, model, text: str) -> np.ndarray:
        """The label probabilities of ``text`` by ``model`` (``version``); the last ``RECENT_TEXTS`` texts' are
        kept per version (a version's model never changes), so explaining a queue item and then storing the
        model's guess with its label run the model once."""
        with self._recent_lock:
            kept = self._recent.get((version, text))
            if kept is not None and kept[0] is model:  # the same loaded model, not only the same number
                self._recent.move_to_end((version, text))
                return kept[1]
        row = full_probabilities(model, [text], len(self.project.label_set))[0]
        row.setflags(write=False)
        with self._recent_lock:
            self._recent[(version, text)] = (model, row)
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return row

    def predict(self, text: str, *, record_for: str | None = None) -> dict:
        """The label, the confidence of every label and the model version for ``text``.

        ``record_for`` (an annotator name, or "" for anonymous) logs the prediction for the Correct tab.
        """
        project, names, timer = self.project, self.project.label_set.names, events.Timer()
        cleaned = clean_text(text)
        record_for = None if record_for is None else parse_annotator(record_for, optional=True)
        version, row = self.probabilities_of(cleaned)
        answer = label_answer(names, row)
        best = int(np.argmax(row))
        if record_for is not None:
            with project.lock, project.session() as session:
                store.add_prediction(
                    cleaned,
                    best,
                    float(row[best]),
                    version,
                    session=session,
                    annotator=record_for,
                    keep=project.settings.prediction_log_limit,
                )
                session.commit()
        events.emit(
            "predict.done",
            user=record_for or None,
            model_version=version,
            duration_seconds=timer.seconds,
            texts=[cleaned],
            payload={"texts": [cleaned], "probabilities": row[None, :]},  # for the monitor, never logged
            label=answer["label"],
            confidence=round(answer["confidence"], 6),
        )
        return {**answer, "model_version": version}

    def explain(self, text: str, top: int = 10) -> dict:
        """Why the model said what it did: the most influential words (signed) with highlight spans of the text and
        the share of the decision they carry; for a model that decides (partly) by embeddings, the
        ``NEIGHBOURS`` most similar labelled texts too, with their labels and similarity."""
        cleaned = clean_text(text)
        version, model = self.models.current_model()
        row = self._row(version, model, cleaned)
        family = self.project.registry.card(version).model_family
        why = explain_family(model, family, cleaned, top=top, probabilities=row[np.asarray(model.classes_)])
        neighbours = self.neighbours(cleaned, NEIGHBOURS) if why.by_neighbours else []
        return {
            "label": self.project.label_set.names[why.predicted],
            "model_version": version,
            "family": family,
            "contributions": [{"feature": c.feature, "weight": c.weight} for c in why.contributions],
            "highlights": highlight(cleaned, why.contributions),
            "words_share": round(why.words_share, 4),
            "neighbours": neighbours,
        }

    def model_guess(self, text: str) -> tuple[int | None, int | None, float | None]:
        """(version, predicted label index, confidence) of the current model, or Nones without one."""
        if self.project.registry.current_version() is None:
            return None, None, None
        try:
            version, row = self.probabilities_of(text)
        except HLoopError:  # no model that loads: the label is stored, with the model's guess unknown
            return None, None, None
        best = int(np.argmax(row))
        return version, best, float(row[best])

    def example_texts(self, n: int = 4) -> list[str]:
        """A few texts of this dataset for the Predict tab (eval texts, else train texts), one per label first."""
        corpus = self.project.corpus()
        if corpus.eval_texts:
            texts, labels = corpus.eval_texts, corpus.eval_labels
        else:
            texts, labels = corpus.train_texts, corpus.train_labels
        picked: list[str] = []
        for label in range(len(self.project.label_set)):
            hits = np.flatnonzero(np.asarray(labels) == label)
            if hits.size and len(picked) < n:
                picked.append(texts[int(hits[0])])
        picked += [t for t in texts[: n * 2] if t not in picked][: n - len(picked)]
        return [t if len(t) <= 300 else t[:297] + "..." for t in picked]
