"""The use-cases of HumanLoopML, one module each, composed into the one ``Services`` façade that the CLI, the
Gradio app and the REST routes receive:

- ``project``: settings, dataset, label set, store filling and checks;
- ``models``: training (with the cold start), prediction, cards, rollback;
- ``labels``: corrections, relabelling, undo, history, counters;
- ``queue``: ranking the pool, claims, submit and skip;
- ``transfer``: imports and exports;
- ``backups``: one archive of the store and the models, and back;
- ``review``: suspect labels to review, agreement between annotators, live quality.
"""

from hloop.services.project import Progress, dataset_rows, dataset_spec
from hloop.services.records import EXPORT_COLUMNS, label_record, prediction_record
from hloop.services.review import Review


class Services(Review):
    """Everything a user can do, over one settings object; safe to share between threads. The edges (UI, CLI,
    REST) call only these methods: the registry, the engine and sessions stay inside (tests/test_architecture.py).
    """

    def current_version(self) -> int | None:
        """The version the current pointer names (None before v1); ``serving_version`` says which one answers."""
        return self.registry.current_version()

    def version_numbers(self) -> list[int]:
        """Every version number, oldest first."""
        return self.registry.versions()

    def legacy_versions(self) -> list[int]:
        """The versions still saved in the old pickle format."""
        return self.registry.legacy_versions()

    def trust_legacy(self, version: int) -> dict:
        """Convert a pickled version to the safe format (the user vouches for the file); returns its card."""
        return self.registry.trust_legacy(version)

    def project_summary(self) -> dict:
        """The dataset, the label set, where the eval metrics come from, and what v1 waits for."""
        corpus = self.corpus()
        return {
            "title": self.settings.title,
            "dataset": corpus.source,
            "labels": self.label_set.to_list(),
            "eval_origin": corpus.eval_origin,
            "eval_texts": len(corpus.eval_texts),
            "train_texts": len(corpus.train_texts),
            "dropped_empty": corpus.dropped_empty,
            "hygiene": self.hygiene().to_dict(),
            "hygiene_lines": list(self.hygiene().lines()),
            "readiness": self.readiness(),
        }


__all__ = [
    "EXPORT_COLUMNS",
    "Progress",
    "Services",
    "dataset_rows",
    "dataset_spec",
    "label_record",
    "prediction_record",
]
