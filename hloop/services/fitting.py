"""Use-cases of training: a new version (v1 at the end of the cold start, retrains by hand or automatically), the
gate on dev that decides whether it becomes current, and where it is fitted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from hloop.core import events
from hloop.core.cards import HELD_BACK, PROMOTED, GateVerdict, ModelCard
from hloop.core.errors import HLoopError, NothingToTrainError
from hloop.core.gate import GateDecision, paired_gate
from hloop.core.models import AUTO, EMBEDDING_FAMILIES
from hloop.services.coldstart import ColdStart
from hloop.services.models import Models
from hloop.services.project import Progress, Project, no_progress
from hloop.services.retraining import AutoRetrainer
from labeling import store
from training import linear_parts
from training.choice import FamilyChoice, calibration_error, needs_new_choice
from training.compute import LocalCompute, ModalCompute, background_processes, compute_backend
from training.families import embedding_steps
from training.pipeline import full_probabilities
from training.remote import warm_up
from training.trainer import train_artifact
from training.workers import end_worker_processes


def trained_event(card: ModelCard, decision: GateDecision, against: int | None, seconds: float, rows: int) -> None:
    """``retrain.finished`` for a saved version: the gate's verdict (``promoted`` or ``held_back``) on dev against
    the version that served, with its figures, and the version's accuracy and macro F1 on eval."""
    figures = {
        f"dev_{name}": None if value is None else round(float(value), 6)
        for name, value in (
            ("candidate_accuracy", decision.candidate_accuracy),
            ("current_accuracy", decision.current_accuracy),
            ("difference", decision.difference),
            ("p_value", decision.p_value),
        )
    }
    metrics = card.metrics
    events.emit(
        "retrain.finished",
        model_version=card.version,
        duration_seconds=seconds,
        verdict="promoted" if decision.promote else "held_back",
        reason=decision.reason,
        against=against,
        family=card.model_family,
        rows=rows,
        n_dev=decision.n_dev,
        **figures,
        eval_accuracy=None if metrics is None else round(float(metrics.accuracy), 6),
        eval_f1_macro=None if metrics is None else round(float(metrics.f1_macro), 6),
    )


class Fitting:
    """Training new versions, one at a time, and the background retrain."""

    def __init__(self, project: Project, cold_start: ColdStart, models: Models) -> None:
        self.project = project
        self.cold_start = cold_start
        self.models = models
        self.auto_retrainer = AutoRetrainer(project.settings.auto_retrain_every)
        self._train_lock = threading.Lock()  # one training at a time
        self._fit_worker = None  # the process new versions are fitted in (HLOOP_FIT_IN_WORKER), made on first use
        # texts (and their example ids) -> the texts with their stored embeddings; ``Services`` sets the
        # embeddings part's; without one, the fit embeds the texts itself
        self.embed: Callable[[list[str], list[int] | None], Sequence[str]] = lambda texts, _ids=None: texts

    def train_first_if_ready(self) -> ModelCard | None:
        """Train v1 when there is no model and every label has enough labels; returns its card, else None."""
        registry = self.project.registry
        if registry.versions() or any(self.cold_start.labels_needed().values()):
            return None
        with self._train_lock:
            if registry.versions():  # another thread trained it meanwhile
                return None
            return self._train_locked(self.project.settings.feedback_weight, False, no_progress)

    def train(
        self, feedback_weight: float | None = None, *, require_new: bool = False, progress: Progress = no_progress
    ) -> ModelCard:
        """Train a new version on the seed labels and every human label; returns its card."""
        weight = self.project.settings.feedback_weight if feedback_weight is None else float(feedback_weight)
        progress(0.05, "loading the dataset")
        self.project.ensure_store()
        with self._train_lock:
            return self._train_locked(weight, require_new, progress)

    def retrain(
        self, feedback_weight: float | None = None, *, force: bool = False, progress: Progress = no_progress
    ) -> ModelCard:
        """A new version from seed + human labels; refuses when no human label arrived since the last one."""
        return self.train(feedback_weight, require_new=not force, progress=progress)

    def _train_locked(self, weight: float, require_new: bool, progress: Progress) -> ModelCard:
        timer, project, registry = events.Timer(), self.project, self.project.registry
        corpus = project.corpus()
        newest = registry.versions()[-1] if registry.versions() else None
        with project.session() as session:
            snapshot = store.last_label_id(session=session)
            if require_new and newest is not None:
                if store.count_human_labels(session=session, after_id=self.models.last_label_id()) == 0:
                    raise NothingToTrainError(
                        f"No new human labels since v{newest}; label some queue items or correct predictions first."
                    )
        rows, held = self.cold_start.training_rows(up_to_id=snapshot)
        if len({r.label for r in rows}) < 2:
            raise NothingToTrainError(
                f"Nothing to train on yet: {len(rows)} labelled texts, of {len({r.label for r in rows})} label(s); "
                f"a model needs labels of at least two kinds. {self.cold_start.readiness()}".strip()
            )
        if project.held_out_by_humans():
            held = [r for r in held if not project.is_dev(r.text)]
            eval_texts, eval_labels = [r.text for r in held], [r.label for r in held]
        else:
            eval_texts, eval_labels = list(corpus.eval_texts), corpus.eval_labels
        compute = self.fit_backend()
        family, kept = self.family_for(rows)
        what = "choosing the model family, then training" if family == AUTO else f"training {family}"
        progress(0.2, f"{what} on {len(rows):,} labelled texts ({compute.name})")
        embeddings = project.settings.embeddings
        if family == AUTO or family in EMBEDDING_FAMILIES:
            texts = self.embedded([r.text for r in rows], [r.example_id for r in rows])
            eval_texts = self.embedded(eval_texts)
        else:
            texts = [r.text for r in rows]
        artifact, card = train_artifact(
            texts,
            [r.label for r in rows],
            [r.human for r in rows],
            feedback_weight=weight,
            eval_texts=eval_texts,
            eval_labels=eval_labels,
            label_set=project.label_set,
            eval_origin=corpus.eval_origin,
            parent=self.models.serving_version() or registry.current_version(),  # a damaged current: its stand-in
            data_fingerprint=corpus.fingerprint,
            random_state=project.settings.random_seed,
            compute=compute,
            last_label_id=snapshot,
            family=family,
            embeddings=embeddings,
            choice=kept,
            bulk=[r.bulk for r in rows],
            bulk_weight=project.settings.bulk_weight,
        )
        progress(0.8, "comparing with the current version on dev")
        decision, against, calibration = self.gate(artifact.pipeline, snapshot)
        status = PROMOTED if decision.promote else HELD_BACK
        card = replace(card, status=status, gate=GateVerdict(decision, against), calibration=calibration)
        progress(0.9, "saving the new version")
        saved = registry.save_artifact(artifact, card, make_current=decision.promote)  # local or Modal
        progress(1.0, f"v{saved.version} ready ({saved.promotion_status})")
        trained_event(saved, decision, against, timer.seconds, len(rows))
        return replace(saved, current=decision.promote)

    def family_for(self, rows: list) -> tuple[str, dict | None]:
        """(the family to fit, the earlier choice that fixed it): ``HLOOP_MODEL`` when it names a family; with
        ``auto``, the family of the newest ``auto`` choice while ``needs_new_choice`` allows (the choice is kept on
        the new card, naming the version it was made for), else ``auto`` (the families are compared again)."""
        settings = self.project.settings
        if settings.model != AUTO:
            return settings.model, None
        newest = self._newest_choice()
        if newest is None:
            return AUTO, None
        version, choice = newest
        previous = FamilyChoice.from_dict(choice)
        switched_off = previous.family in EMBEDDING_FAMILIES and settings.embeddings == "none"
        if switched_off or needs_new_choice(previous, len(rows), len({r.label for r in rows})):
            return AUTO, None
        return previous.family, {**choice, "made_for": choice.get("made_for", version)}

    def _newest_choice(self) -> tuple[int, dict] | None:
        """(version, choice) of the newest card that records an ``auto`` choice (an unreadable card is passed over)."""
        registry = self.project.registry
        for version in reversed(registry.versions()):
            try:
                card = registry.card(version)
            except HLoopError:
                continue
            if card.choice:
                return version, dict(card.choice)
        return None

    def embedded(self, texts: list[str], ids: list[int] | None = None):
        """``texts`` with their embeddings when the project keeps them (else the texts: the fit embeds them)."""
        return self.embed(texts, ids)

    def gate(self, candidate, up_to_id: int | None = None) -> tuple[GateDecision, int | None, dict | None]:
        """(the gate's decision on ``candidate`` on dev against the model that serves, that model's version, the
        candidate's calibration on dev): the current version, or the newest intact one while the current version is
        damaged. The calibration is the expected calibration error (confidence against accuracy in 10 bins: what
        the queue's and the suspects' probabilities are worth), None without dev texts. Dev is read, embedded and
        predicted by the candidate once for both."""
        s, current = self.project.settings, self.project.registry.current_version()
        dev = self.cold_start.dev_set(up_to_id)
        texts, labels = dev if dev is not None else ([], [])
        served = serving = None
        unusable: HLoopError | None = None
        if current is not None and dev is not None:
            try:
                serving, served = self.models.current_model()
            except HLoopError as exc:  # nothing sound to compare with: the candidate replaces it
                unusable = exc
        if texts and (embedding_steps(candidate) or (served is not None and embedding_steps(served))):
            texts = self.embedded(texts)
        truth = np.asarray(labels)
        calibration, right_new = None, []
        if texts:
            probabilities = full_probabilities(candidate, texts, len(self.project.label_set))
            calibration = {"dev_ece": round(calibration_error(probabilities, truth), 4), "n_dev": len(labels)}
            right_new = (probabilities.argmax(axis=1) == truth).tolist()
        if current is None:
            return paired_gate(None, [], margin=s.gate_margin, alpha=s.gate_alpha), None, calibration
        if dev is None:
            reason = "no dev split: this label store was made before dev splits, so the gate cannot judge; promoted"
            return GateDecision(True, reason, margin=s.gate_margin, alpha=s.gate_alpha), current, calibration
        if served is None:
            return GateDecision(True, f"current v{current} is unusable ({unusable}); promoted"), current, calibration
        right_now = (linear_parts.predict(served, texts) == truth).tolist() if texts else []
        decision = paired_gate(right_now, right_new, margin=s.gate_margin, alpha=s.gate_alpha)
        return decision, serving, calibration

    def fit_backend(self) -> LocalCompute | ModalCompute:
        """Where new versions are fitted (``HLOOP_COMPUTE``); locally, with ``HLOOP_FIT_IN_WORKER``, in one
        lower-priority worker process kept for the next retrain, so no request waits for a fit's CPU or GIL."""
        settings = self.project.settings
        if settings.compute != "local" or not settings.fit_in_worker:
            return compute_backend(settings.compute)
        with self.project.lock:
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

    # -- automatic retraining ----------------------------------------------------------------------------
    def labels_since_newest(self) -> int:
        """Human labels stored after the newest version (current or held back) was trained."""
        with self.project.session() as session:
            return store.count_human_labels(session=session, after_id=self.models.last_label_id())

    def maybe_auto_retrain(self) -> bool:
        """Start a background retrain when ``HLOOP_AUTO_RETRAIN_EVERY`` new labels arrived; True if it started."""
        every, registry = self.auto_retrainer.every, self.project.registry
        if not every or not registry.versions() or self.auto_retrainer.running():
            return False
        if self.labels_since_newest() < every:
            return False
        return self.auto_retrainer.start(registry.next_version(), self.retrain)

    def auto_retrain_status(self) -> dict:
        """What the Model tab shows: the setting, labels since the newest version, a running retrain's progress."""
        version, fraction, desc = self.auto_retrainer.progress()
        running = self.auto_retrainer.running()
        return {
            "every": self.auto_retrainer.every,
            "labels_since": self.labels_since_newest() if self.project.registry.versions() else 0,
            "running": running,
            "version": version if running else None,
            "fraction": fraction if running else None,
            "step": desc if running else "",
            "last": self.auto_retrainer.last(),
        }

    def wait_for_auto_retrain(self, timeout: float | None = None) -> dict:
        """Wait until a background retrain (if any) ends; returns what the last one did."""
        return self.auto_retrainer.wait(timeout)
