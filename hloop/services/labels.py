"""Use-cases of human labels: corrections, relabelling, undo, history and counters."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from hloop.core import events
from hloop.core.errors import InvalidInputError
from hloop.core.labels import clean_text
from hloop.core.records import LabelEvent, LabelResult
from hloop.core.values import parse_annotator
from hloop.services.fitting import Fitting
from hloop.services.models import Models
from hloop.services.predictions import Predictions
from hloop.services.project import Project
from hloop.services.records import label_record, prediction_record
from labeling import claims, label_queries, store
from labeling.tables import utcnow

HELD_OUT = {  # the splits a human label may never reach, and why
    "eval": "the held-out eval split, which is never trained on",
    "dev": "the dev split, which chooses between model versions and is never trained on",
}
NOT_STORED = "its label was not stored. Try another text."
PACE_MINUTES = 10  # the window an annotator's pace (labels per minute) is measured over


class Labels:
    """Storing human labels outside the queue (corrections, relabels, reviews), undo, history and counters."""

    def __init__(self, project: Project, models: Models, predictions: Predictions, fitting: Fitting) -> None:
        self.project = project
        self.models = models
        self.predictions = predictions
        self.fitting = fitting

    def result(self, session: Session, row, example) -> LabelResult:
        """What a stored label event returns: the event with its example, and the counters after it."""
        return LabelResult(label_record(row, example, self.project.label_set), **self._counters(session))

    def _counters(self, session: Session) -> dict[str, int]:
        return {
            "labels_total": store.count_human_labels(session=session),
            "labels_since_retrain": store.count_human_labels(session=session, after_id=self.models.last_label_id()),
        }

    def counters(self) -> dict:
        """Human labels in total and since the newest version was trained."""
        with self.project.session() as session:
            return self._counters(session)

    def progress(self, annotator: str = "") -> dict:
        """An annotator's day: labels today (UTC) by them and by everyone, per annotator, their pace over the last
        ``PACE_MINUTES`` minutes (labels per minute), and the session goal (``HLOOP_SESSION_GOAL``, 0 = none)."""
        now = utcnow()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        with self.project.session() as session:
            today = store.human_labels_by_annotator(session=session, since=midnight)
            window = now - timedelta(minutes=PACE_MINUTES)
            recent = store.human_labels_by_annotator(session=session, since=window)
            name = annotator.strip()
            first = label_queries.first_label_at(name, session=session, since=window) if name else None
        # the pace over the time since their first label in the window (at least a minute): 4 labels in the first
        # 30 seconds are 4/min, not 0.4/min
        minutes = PACE_MINUTES if first is None else max(1.0, (now - first).total_seconds() / 60)
        return {
            "annotator": name,
            "today": today.get(name, 0),
            "today_all": sum(today.values()),
            "today_by_annotator": today,
            "per_minute": round(recent.get(name, 0) / minutes, 1),
            "goal": self.project.settings.session_goal,
        }

    def after_label(self, result: LabelResult) -> LabelResult:
        """After a label is stored (committed): its ``label.saved`` event, then train v1 by itself when the cold
        start is over (says so in the result)."""
        saved = result.event
        events.emit(
            "label.saved",
            user=saved.annotator,
            model_version=saved.model_version,  # the version whose guess was stored with it
            ids=[] if saved.example_id is None else [saved.example_id],
            texts=[saved.text],
            source=saved.source,
            label=saved.label,
        )
        card = self.fitting.train_first_if_ready()
        self.fitting.maybe_auto_retrain()  # a background retrain once HLOOP_AUTO_RETRAIN_EVERY labels arrived
        return result if card is None else replace(result, trained_version=card.version)

    def text_of(self, example_id: int) -> str:
        """The stored text of an example (NotFoundError when there is none)."""
        with self.project.session() as session:
            return store.get_example(example_id, session=session).text

    @staticmethod
    def store_label(session: Session, example, wanted: int, annotator: str, source: str, guess: tuple):
        """Append the label with ``guess``, the model's (version, prediction, confidence) computed beforehand,
        outside the lock: a model load or an inference never holds up another user's label."""
        version, prediction, confidence = guess
        return store.add_label(
            example.id,
            wanted,
            annotator,
            source,
            session=session,
            model_version=version,
            model_prediction=prediction,
            model_confidence=confidence,
        )

    def feedback(self, text: str, label: str | int, annotator: str) -> LabelResult:
        """A correction from the Predict tab: store the text (if new) and the right label with the model's guess."""
        cleaned, wanted, who = clean_text(text), self.project.label_set.index(label), parse_annotator(annotator)
        self.project.ensure_store()
        split = self.project.guarded_split(cleaned)
        if split:
            raise InvalidInputError(f"That text is (a near-copy of) a text of {HELD_OUT[split]}; {NOT_STORED}")
        guess = self.predictions.model_guess(
            cleaned
        )  # the stored text is this one (an exact duplicate is the same row)
        with self.project.lock, self.project.session() as session:
            example, _new = store.add_example(cleaned, "user", session=session)
            if example.origin in HELD_OUT:
                raise InvalidInputError(f"That text belongs to {HELD_OUT[example.origin]}; {NOT_STORED}")
            row = self.store_label(session, example, wanted, who, "correction", guess)
            session.commit()
            result = self.result(session, row, example)
        return self.after_label(result)

    def label(self, example_id: int, label: str | int, annotator: str, source: str = "cli") -> LabelResult:
        """Label (or relabel) a stored example outside the queue; history is kept."""
        wanted, who = self.project.label_set.index(label), parse_annotator(annotator)
        self.project.ensure_store()
        guess = self.predictions.model_guess(self.text_of(example_id))
        with self.project.lock, self.project.session() as session:
            example = store.get_example(example_id, session=session)
            if example.origin in HELD_OUT:
                raise InvalidInputError(
                    f"Example {example_id} is in {HELD_OUT[example.origin]}; it cannot be labelled."
                )
            claims.refuse_if_held_by_other(example.id, who, session=session)
            row = self.store_label(session, example, wanted, who, source, guess)
            claims.release_own(example.id, who, session=session)
            session.commit()
            result = self.result(session, row, example)
        return self.after_label(result)

    def undo(self, annotator: str) -> LabelResult:
        """Undo the annotator's latest label (kept in history as undone); returns what was undone."""
        with self.project.lock, self.project.session() as session:
            row = store.undo_last(parse_annotator(annotator), session=session)
            example = store.get_example(row.example_id, session=session)
            session.commit()
            result = self.result(session, row, example)
        undone = result.event
        events.emit(
            "label.undone", user=undone.annotator, ids=[undone.example_id], source=undone.source, label=undone.label
        )
        return replace(result, event=replace(undone, undone=True))

    def history(self, limit: int = 50) -> list[LabelEvent]:
        """The newest human label events (undone ones included) for the Correct tab."""
        with self.project.session() as session:
            events = store.label_history(session=session, limit=limit)
            return [label_record(lab, ex, self.project.label_set) for lab, ex in events]

    def recent_activity(self, limit: int = 50) -> list[LabelEvent]:
        """Predictions shown in the app (not yet labelled; none of an eval or dev text) and human label events,
        newest first."""
        labels = self.project.label_set
        with self.project.session() as session:
            events = [
                (lab.created_at, label_record(lab, ex, labels))
                for lab, ex in store.label_history(session=session, limit=limit)
            ]
            events += [  # a prediction of an eval or dev text can never be saved as a correction: not listed
                (p.created_at, prediction_record(p, labels))
                for p in store.recent_predictions(limit, session=session)
                if not self.project.guarded_split(p.text)
            ]
        events.sort(key=lambda pair: pair[0], reverse=True)
        return [record for _when, record in events[:limit]]
