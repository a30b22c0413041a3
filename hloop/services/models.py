"""Use-cases of model versions: which one serves (around a damaged current one), cards, rollback, promotion."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hloop.core import events
from hloop.core.cards import OVERRIDE, ModelCard
from hloop.core.errors import HLoopError, InvalidInputError, ModelIntegrityError, NoModelError, StoreMismatchError
from hloop.services.coldstart import ColdStart
from hloop.services.project import Project


class Models:
    """The saved versions and the one that serves. ``model_notice`` says why the current version does not serve
    (its files are damaged) until a rollback, a retrain or a restore makes a sound version current again."""

    def __init__(self, project: Project, cold_start: ColdStart) -> None:
        self.project = project
        self.cold_start = cold_start
        self.model_notice = ""

    def current_version(self) -> int | None:
        """The version the current pointer names (None before v1); ``serving_version`` says which one answers."""
        return self.project.registry.current_version()

    def version_numbers(self) -> list[int]:
        """Every version number, oldest first."""
        return self.project.registry.versions()

    def legacy_versions(self) -> list[int]:
        """The versions still saved in the old pickle format."""
        return self.project.registry.legacy_versions()

    def trust_legacy(self, version: int) -> ModelCard:
        """Convert a pickled version to the safe format (the user vouches for the file); returns its card."""
        return self.project.registry.trust_legacy(version)

    def check_card(self, card: ModelCard) -> None:
        """Refuse a version made for another label set."""
        made_for, label_set = card.labels, self.project.label_set
        if made_for is not None and list(made_for) != label_set.to_list():
            raise StoreMismatchError(
                f"v{card.version} was trained for the labels [{', '.join(made_for)}], and this project's labels "
                f"are [{', '.join(label_set.names)}]. Point HLOOP_MODELS_DIR at this project's models, or train."
            )

    def current_model(self):
        """(version, pipeline) of the model that serves: the current version, or, when its files are damaged, the
        newest intact version (``model_notice`` says why). A read: the current pointer and every file stay as they
        are; only ``rollback``, ``promote`` and training make another version current."""
        registry = self.project.registry
        version = registry.current_version()
        if version is None:
            readiness = self.cold_start.readiness() or "No model yet: run `python -m hloop train`."
            raise NoModelError(f"{self.model_notice} {readiness}".strip())
        try:
            self.check_card(registry.card(version))
            model = registry.load(version)
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
            return self.project.registry.card(version).is_legacy
        except HLoopError:
            return False

    def newest_intact(self, other_than: int | None = None) -> tuple[int, object] | None:
        """(version, pipeline) of the newest version, other than ``other_than``, that is made for this project's
        labels and loads intact; None when there is none. Writes nothing."""
        registry = self.project.registry
        for candidate in reversed(registry.versions()):
            if candidate == other_than:
                continue
            try:
                self.check_card(registry.card(candidate))
                return candidate, registry.load(candidate)
            except HLoopError:
                continue
        return None

    def check_current(self) -> str:
        """At start: load the model that serves (see ``current_model``); returns the notice to show ("" when the
        current version serves). Moves no pointer: a damaged current version stays current until a rollback."""
        if self.project.registry.current_version() is not None:
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

    def last_label_id(self) -> int:
        """The id of the last label the newest version (current or held back) was trained on; 0 before v1."""
        registry = self.project.registry
        versions = registry.versions()
        return registry.card(versions[-1]).last_label_id if versions else 0

    def card(self, version: int | None = None) -> ModelCard:
        """The card of ``version`` (None or 0 = current)."""
        registry = self.project.registry
        if not version:
            chosen = registry.current_version()
            if chosen is None:
                raise NoModelError(self.cold_start.readiness() or "No model yet: run `python -m hloop train`.")
        else:
            chosen = int(version)
        return replace(registry.card(chosen), current=chosen == registry.current_version())

    def versions(self) -> list[ModelCard]:
        """Every version's card, oldest first."""
        return self.project.registry.cards()

    def rollback(self, version: int) -> ModelCard:
        """Make ``version`` current again; returns its card."""
        before = self.project.registry.current_version()
        card = self._make_current(int(version))
        events.emit("model.rolled_back", model_version=card.version, from_version=before, override=card.overridden)
        return card

    def _make_current(self, version: int) -> ModelCard:
        registry = self.project.registry
        card = registry.card(version)
        self.check_card(card)
        registry.load(version)  # refuse to point at a corrupt artifact
        if card.held_back:  # made current anyway: a manual override
            when = datetime.now(UTC).isoformat(timespec="seconds")
            registry.update_card(replace(card, status=OVERRIDE, override_at=when))
        registry.set_current(version)
        return self.card(version)

    def promote(self, version: int) -> ModelCard:
        """Make a held-back ``version`` current anyway; recorded on its card as a manual override."""
        card = self.project.registry.card(int(version))
        if not card.held_back:
            raise InvalidInputError(
                f"v{version} is not held back (status: {card.promotion_status}); "
                "use `python -m hloop rollback N` to make another version current."
            )
        before = self.project.registry.current_version()
        promoted = self._make_current(int(version))
        events.emit("model.promoted", model_version=promoted.version, from_version=before, override=True)
        return promoted
