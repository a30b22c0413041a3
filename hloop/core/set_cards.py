"""The card of a multi-label model version: what it was trained on, the family and why, each label's threshold
(tuned on dev), its metrics on eval (with intervals) and on dev, and the gate's verdict. A typed value, read by its
fields; ``to_dict``/``from_dict`` are its JSON form (``training.set_registry`` keeps it beside the model file)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class SetTraining:
    """The label sets a version was fitted on, and how human ones were weighted."""

    seed_labels: int
    human_labels: int
    dev_texts: int
    feedback_weight: float = 1.0
    label_state: str = ""  # the store's newest label event and undo count when it was trained (what changed since)


@dataclass(frozen=True)
class SetCard:
    """One multi-label version. ``metrics`` and ``dev_metrics`` are ``multilabel_metrics`` dicts (micro- and
    macro-F1 with intervals, exact-set accuracy, Hamming loss, cardinalities, per label); ``gate`` is the
    ``SetGateDecision`` as a dict; ``choice`` the family chosen, every candidate's dev score and why."""

    model_family: str
    embeddings: str
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    training: SetTraining
    dev_metrics: dict
    metrics: dict | None
    gate: dict
    choice: dict = field(default_factory=dict)
    allow_empty: bool = False
    created_at: str = ""
    version: int = 0
    sha256: str = ""
    current: bool = False

    @property
    def promoted(self) -> bool:
        """Whether the gate let it serve."""
        return bool(self.gate.get("promote"))

    def saved(self, version: int, sha256: str) -> SetCard:
        """This card as saved: with its version and its file's sha256."""
        return replace(self, version=version, sha256=sha256)

    def serving(self, current: bool) -> SetCard:
        return replace(self, current=current)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SetCard:
        values = dict(data)
        values["labels"] = tuple(values["labels"])
        values["training"] = SetTraining(**values["training"])
        return cls(**values)
