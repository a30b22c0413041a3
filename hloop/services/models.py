"""Use-cases of model versions: train (with cold start), predict, explain, cards, rollback."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from hloop.core.errors import (
    HLoopError,
    InvalidInputError,
    ModelIntegrityError,
    NoModelError,
    NothingToTrainError,
    StoreMismatchError,
)
from hloop.core.gate import GateDecision, paired_gate
from hloop.core.labels import clean_text
from hloop.core.values import parse_annotator
from hloop.services.project import Progress, Project, no_progress
from hloop.services.retraining import AutoRetrainer
from labeling import store
from training.compute import LocalCompute, ModalCompute, background_processes, compute_backend
from training.pipeline import explain, full_probabilities, highlight
from training.remote import warm_up
from training.trainer import train_artifact
from training.workers import end_worker_processes


class Models(Project):
    """Training, predicting and managing model versions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.auto_retrainer = AutoRetrainer(self.settings.auto_retrain_every)

    # -- cold start --------------------------------------------------------------------------------------
    def training_rows(self, up_to_id: int | None = None) -> tuple[list, list]:
        """(rows to train on, held-out human rows used as eval when there are no gold labels)."""
        with self.session() as session:
            rows = store.latest_labels(session=session, up_to_id=up_to_id)
        train = [r for r in rows if not (r.human and self.is_held_out(r.text))]
        return train, [r for r in rows if r.human and self.is_held_out(r.text)]

    def labels_needed(self) -> dict[str, int]:
        """For each label, how many more training labels v1 waits for (``HLOOP_MIN_PER_LABEL`` each)."""
        self.ensure_store()
        train, _ = self.training_rows()
        counts = np.bincount([r.label for r in train], minlength=len(self.label_set))
        wanted = self.settings.min_per_label
        return {name: max(0, wanted - int(counts[i])) for i, name in enumerate(self.label_set.names)}

    def has_seed_labels(self) -> bool:
        """Whether the store holds labels from the dataset (a seed of two or more kinds), so v1 can train now."""
        train, _ = self.training_rows()
        return len({r.label for r in train if not r.human}) >= 2

    def readiness(self) -> str:
        """A sentence on what v1 still waits for (empty when a model exists)."""
        if self.registry.current_version() is not None:
            return ""
        if self.has_seed_labels():
            return "No model yet: run `python -m hloop train` (or start the app, which trains v1)."
        needed = {name: n for name, n in self.labels_needed().items() if n}
        if not needed:
            return "Enough labels for v1: it trains with the next label (or press Retrain)."
        shown = ", ".join(f"{n} more {name}" for name, n in list(needed.items())[:8])
        more = f" and {len(needed) - 8} more labels" if len(needed) > 8 else ""
        return (
            f"No model yet: v1 trains by itself once every label has {self.settings.min_per_label} human labels "
            f"(still needed: {shown}{more}). Label queue items (served in random order until then)."
        )

    def train_first_if_ready(self) -> dict | None:
        """Train v1 when there is no model and every label has enough labels; returns its card, else None."""
        if self.registry.versions() or any(self.labels_needed().values()):
            return None
        with self._train_lock:
            if self.registry.versions():  # another thread trained it meanwhile
                return None
            return self._train_locked(self.settings.feedback_weight, False, no_progress)

    # -- models ------------------------------------------------------------------------------------------
    def check_card(self, card: dict) -> None:
        """Refuse a version made for another label set."""
        made_for = card.get("labels")
        if made_for is not None and made_for != self.label_set.to_list():
            raise StoreMismatchError(
                f"v{card['version']} was trained for the labels [{', '.join(made_for)}], and this project's labels "
                f"are [{', '.join(self.label_set.names)}]. Point HLOOP_MODELS_DIR at this project's models, or train."
            )

    def current_model(self):
        """(version, pipeline) of the model that serves: the current version, or, when its files are damaged, the
        newest intact version (``model_notice`` says why). A read: the current pointer and every file stay as they
        are; only ``rollback``, ``promote`` and training make another version current."""
        version = self.registry.current_version()
        if version is None:
            raise NoModelError(
                f"{self.model_notice} {self.readiness() or 'No model yet: run `python -m hloop train`.'}".strip()
            )
        try:
            self.check_card(self.registry.card(version))
            model = self.registry.load(version)
        except ModelIntegrityError as exc:
            if self._is_legacy(version):
                raise  # an old pickle is not damaged: the message names the explicit step that trusts it
            fallback = self.newest_intact(other_than=version)
            serves = (
                f"v{fallback[0]} serves instead until a rollback (the Model tab, or `python -m hloop rollback N`) "
                "makes an intact version current"
                if fallback
                else "no intact version is left, so there is no model"
            )
            self.model_notice = f"v{version} is damaged and was not loaded ({exc}); {serves}."
            if fallback is None:
                raise NoModelError(f"{self.model_notice} Retrain to make a new version.") from exc
            return fallback
        self.model_notice = ""  # the current version serves again (rolled back, retrained or restored)
        return version, model

    def _is_legacy(self, version: int) -> bool:
        """Whether ``version``'s (readable) card is of the old pickle format."""
        try:
            return "format" not in self.registry.card(version)
        except HLoopError:
            return False

    def newest_intact(self, other_than: int | None = None) -> tuple[int, object] | None:
        """(version, pipeline) of the newest version, other than ``other_than``, that is made for this project's
        labels and loads intact; None when there is none. Writes nothing."""
        for candidate in reversed(self.registry.versions()):
            if candidate == other_than:
                continue
            try:
                self.check_card(self.registry.card(candidate))
                return candidate, self.registry.load(candidate)
            except HLoopError:
                continue
        return None

    def check_current(self) -> str:
        """At start: load the model that serves (see ``current_model``); returns the notice to show ("" when the
        current version serves). Moves no pointer: a damaged current version stays current until a rollback."""
        if self.registry.current_version() is not None:
            try:
                self.current_model()
            except HLoopError as exc:  # no intact version left, or an old pickle to trust first
                return self.model_notice or str(exc)
        return self.model_notice

    def serving_model(self):
        """(version, pipeline) of the model that serves, or (0, None) when there is none (cold start, or every
        version damaged): the queue and labels keep working either way."""
        try:
            return self.current_model()
        except HLoopError:
            return 0, None

    def serving_version(self) -> int:
        """The version that serves (see ``current_model``), 0 when none does."""
        return self.serving_model()[0]

    def train(
        self, feedback_weight: float | None = None, *, require_new: bool = False, progress: Progress = no_progress
    ) -> dict:
        """Train a new version on the seed labels and every human label; returns its card."""
        weight = self.settings.feedback_weight if feedback_weight is None else float(feedback_weight)
        progress(0.05, "loading the dataset")
        self.ensure_store()
        with self._train_lock:
            return self._train_locked(weight, require_new, progress)

    def _train_locked(self, weight: float, require_new: bool, progress: Progress) -> dict:
        corpus = self.corpus()
        newest = self.registry.versions()[-1] if self.registry.versions() else None
        with self.session() as session:
            snapshot = store.last_label_id(session=session)
            if require_new and newest is not None:
                since = self.registry.card(newest)["training"].get("last_label_id", 0)
                if store.count_human_labels(session=session, after_id=since) == 0:
                    raise NothingToTrainError(
                        f"No new human labels since v{newest}; label some queue items or correct predictions first."
                    )
        rows, held = self.training_rows(up_to_id=snapshot)
        if len({r.label for r in rows}) < 2:
            raise NothingToTrainError(
                f"Nothing to train on yet: {len(rows)} labelled texts, of {len({r.label for r in rows})} label(s); "
                f"a model needs labels of at least two kinds. {self.readiness()}".strip()
            )
        if self.held_out_by_humans():
            held = [r for r in held if not self.is_dev(r.text)]
            eval_texts, eval_labels = [r.text for r in held], [r.label for r in held]
        else:
            eval_texts, eval_labels = list(corpus.eval_texts), corpus.eval_labels
        compute = self.fit_backend()
        progress(0.2, f"training on {len(rows):,} labelled texts ({compute.name})")
        artifact, card = train_artifact(
            [r.text for r in rows],
            [r.label for r in rows],
            [r.human for r in rows],
            feedback_weight=weight,
            eval_texts=eval_texts,
            eval_labels=eval_labels,
            label_set=self.label_set,
            eval_origin=corpus.eval_origin,
            parent=self.serving_version() or self.registry.current_version(),  # a damaged current: its stand-in
            data_fingerprint=corpus.fingerprint,
            random_state=self.settings.random_seed,
            compute=compute,
        )
        card["training"]["last_label_id"] = snapshot
        progress(0.8, "comparing with the current version on dev")
        decision, against = self.gate(artifact.pipeline, snapshot)
        card["status"] = "promoted" if decision.promote else "held back"
        card["gate"] = {**decision.to_dict(), "against": against}
        progress(0.9, "saving the new version")
        saved = self.registry.save_artifact(artifact, card, make_current=decision.promote)  # local or Modal
        progress(1.0, f"v{saved['version']} ready ({saved['status']})")
        return {**saved, "current": decision.promote}

    def fit_backend(self) -> LocalCompute | ModalCompute:
        """Where new versions are fitted (``HLOOP_COMPUTE``); locally, with ``HLOOP_FIT_IN_WORKER``, in one
        lower-priority worker process kept for the next retrain, so no request waits for a fit's CPU or GIL."""
        if self.settings.compute != "local" or not self.settings.fit_in_worker:
            return compute_backend(self.settings.compute)
        with self._lock:
            if self._fit_worker is None:
                self._fit_worker = background_processes(1)
            return LocalCompute(self._fit_worker)

    def warm_fit_worker(self) -> None:
        """Start the fit worker process now (the app does at start), so the first retrain does not wait for it."""
        backend = self.fit_backend()
        if isinstance(backend, LocalCompute) and backend.worker is not None:
            backend.worker.submit(warm_up).result()

    @staticmethod
    def end_workers() -> None:
        """End every worker process this process started (fit worker, pool scoring, simulations) now, work in
        progress included; the app calls it when it stops, so its exit never waits for a fit nobody will read.
        A process that dies without calling it (kill -9, SIGTERM) loses its workers all the same: see
        ``training.workers``."""
        end_worker_processes()

    # -- the promotion gate ------------------------------------------------------------------------------
    def dev_set(self, up_to_id: int | None = None) -> tuple[list[str], list[int]] | None:
        """The dev texts and labels every choice is made on; None when the store was made without a dev split."""
        if self.held_out_by_humans():
            _train, held = self.training_rows(up_to_id=up_to_id)
            dev = [r for r in held if self.is_dev(r.text)]
            return [r.text for r in dev], [r.label for r in dev]
        return self.gold_dev()

    def gate(self, candidate, up_to_id: int | None = None) -> tuple[GateDecision, int | None]:
        """(the gate's decision on ``candidate`` on dev against the model that serves, that model's version): the
        current version, or the newest intact one while the current version is damaged."""
        s, current = self.settings, self.registry.current_version()
        dev = self.dev_set(up_to_id)
        if current is None:
            return paired_gate(None, [], margin=s.gate_margin, alpha=s.gate_alpha), None
        if dev is None:
            reason = "no dev split: this label store was made before dev splits, so the gate cannot judge; promoted"
            return GateDecision(True, reason, margin=s.gate_margin, alpha=s.gate_alpha), current
        texts, labels = dev
        try:
            serving, served = self.current_model()
        except HLoopError as exc:  # nothing sound to compare with: the candidate replaces it
            return GateDecision(True, f"current v{current} is unusable ({exc}); promoted"), current
        truth = np.asarray(labels)
        right_now = (np.asarray(served.predict(texts)) == truth).tolist() if texts else []
        right_new = (np.asarray(candidate.predict(texts)) == truth).tolist() if texts else []
        return paired_gate(right_now, right_new, margin=s.gate_margin, alpha=s.gate_alpha), serving

    def promote(self, version: int) -> dict:
        """Make a held-back ``version`` current anyway; recorded on its card as a manual override."""
        card = self.registry.card(int(version))
        if card.get("status") != "held back":
            raise InvalidInputError(
                f"v{version} is not held back (status: {card.get('status', 'promoted')}); "
                "use `python -m hloop rollback N` to make another version current."
            )
        return self.rollback(int(version))

    def _record_override(self, version: int) -> None:
        """Mark a held-back version that is made current as a manual override of the gate."""
        if self.registry.card(version).get("status") == "held back":
            when = datetime.now(UTC).isoformat(timespec="seconds")
            self.registry.update_card(version, {"status": "override", "override_at": when})

    # -- automatic retraining ----------------------------------------------------------------------------
    def labels_since_newest(self) -> int:
        """Human labels stored after the newest version (current or held back) was trained."""
        versions = self.registry.versions()
        since = self.registry.card(versions[-1])["training"].get("last_label_id", 0) if versions else 0
        with self.session() as session:
            return store.count_human_labels(session=session, after_id=since)

    def maybe_auto_retrain(self) -> bool:
        """Start a background retrain when ``HLOOP_AUTO_RETRAIN_EVERY`` new labels arrived; True if it started."""
        every = self.auto_retrainer.every
        if not every or not self.registry.versions() or self.auto_retrainer.running():
            return False
        if self.labels_since_newest() < every:
            return False
        return self.auto_retrainer.start(self.registry.next_version(), self.retrain)

    def auto_retrain_status(self) -> dict:
        """What the Model tab shows: the setting, labels since the newest version, a running retrain's progress."""
        version, fraction, desc = self.auto_retrainer.progress()
        running = self.auto_retrainer.running()
        return {
            "every": self.auto_retrainer.every,
            "labels_since": self.labels_since_newest() if self.registry.versions() else 0,
            "running": running,
            "version": version if running else None,
            "fraction": fraction if running else None,
            "step": desc if running else "",
            "last": self.auto_retrainer.last(),
        }

    def wait_for_auto_retrain(self, timeout: float | None = None) -> dict:
        """Wait until a background retrain (if any) ends; returns what the last one did."""
        return self.auto_retrainer.wait(timeout)

    def retrain(
        self, feedback_weight: float | None = None, *, force: bool = False, progress: Progress = no_progress
    ) -> dict:
        """A new version from seed + human labels; refuses when no human label arrived since the last one."""
        return self.train(feedback_weight, require_new=not force, progress=progress)

    def card(self, version: int | None = None) -> dict:
        """The card of ``version`` (None or 0 = current)."""
        if not version:
            chosen = self.registry.current_version()
            if chosen is None:
                raise NoModelError(self.readiness() or "No model yet: run `python -m hloop train`.")
        else:
            chosen = int(version)
        return {**self.registry.card(chosen), "current": chosen == self.registry.current_version()}

    def versions(self) -> list[dict]:
        """Every version's card, oldest first."""
        return self.registry.cards()

    def rollback(self, version: int) -> dict:
        """Make ``version`` current again; returns its card."""
        self.check_card(self.registry.card(int(version)))
        self.registry.load(int(version))  # refuse to point at a corrupt artifact
        self._record_override(int(version))
        self.registry.set_current(int(version))
        return self.card(int(version))

    # -- prediction --------------------------------------------------------------------------------------
    def probabilities(self, texts: list[str]) -> tuple[int, np.ndarray]:
        """(version, one row of label probabilities per text) from the current model."""
        version, model = self.current_model()
        return version, full_probabilities(model, texts, len(self.label_set))

    def predict(self, text: str, *, record_for: str | None = None) -> dict:
        """The label, the confidence of every label and the model version for ``text``.

        ``record_for`` (an annotator name, or "" for anonymous) logs the prediction for the Correct tab.
        """
        cleaned = clean_text(text)
        record_for = None if record_for is None else parse_annotator(record_for, optional=True)
        version, probs = self.probabilities([cleaned])
        confidences = {name: float(p) for name, p in zip(self.label_set.names, probs[0], strict=True)}
        best = int(np.argmax(probs[0]))
        if record_for is not None:
            with self._lock, self.session() as session:
                store.add_prediction(
                    cleaned,
                    best,
                    float(probs[0][best]),
                    version,
                    session=session,
                    annotator=record_for,
                    keep=self.settings.prediction_log_limit,
                )
                session.commit()
        return {
            "label": self.label_set.names[best],
            "confidence": float(probs[0][best]),
            "confidences": confidences,
            "model_version": version,
        }

    def explain(self, text: str, top: int = 10) -> dict:
        """The prediction's most influential words (signed) and highlight spans of the text."""
        cleaned = clean_text(text)
        version, model = self.current_model()
        predicted, contributions = explain(model, cleaned, top=top)
        return {
            "label": self.label_set.names[predicted],
            "model_version": version,
            "contributions": [{"feature": c.feature, "weight": c.weight} for c in contributions],
            "highlights": highlight(cleaned, contributions),
        }

    def model_guess(self, text: str) -> tuple[int | None, int | None, float | None]:
        """(version, predicted label index, confidence) of the current model, or Nones without one."""
        if self.registry.current_version() is None:
            return None, None, None
        try:
            version, probs = self.probabilities([text])
        except HLoopError:  # no model that loads: the label is stored, with the model's guess unknown
            return None, None, None
        best = int(np.argmax(probs[0]))
        return version, best, float(probs[0][best])

    def example_texts(self, n: int = 4) -> list[str]:
        """A few texts of this dataset for the Predict tab (eval texts, else train texts), one per label first."""
        corpus = self.corpus()
        texts, labels = (
            (corpus.eval_texts, corpus.eval_labels)
            if corpus.eval_texts
            else (
                corpus.train_texts,
                corpus.train_labels,
            )
        )
        picked: list[str] = []
        for label in range(len(self.label_set)):
            hits = np.flatnonzero(np.asarray(labels) == label)
            if hits.size and len(picked) < n:
                picked.append(texts[int(hits[0])])
        picked += [t for t in texts[: n * 2] if t not in picked][: n - len(picked)]
        return [t if len(t) <= 300 else t[:297] + "..." for t in picked]
