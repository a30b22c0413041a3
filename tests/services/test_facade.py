"""The façade's shape: composed, not inherited; a pinned list of public names, each answered by a real part."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import hloop.services as services_package
from hloop.services import FACADE, Services
from tests.conftest import corpus_of, settings_in

SERVICES_DIR = Path(services_package.__file__).parent

# What the edges may call. Adding or removing a name is a change of the façade: edit this list on purpose.
PINNED = {
    "agreement", "annotators", "auto_retrain_status", "backup", "bulk_batches", "bulk_label", "bulk_preview",
    "card", "check_current", "corpus", "counters", "current_model", "current_version", "dev_set", "disagreements",
    "embed_texts", "embedding_status", "end_workers", "ensure_store", "example_texts", "explain", "export",
    "export_model", "export_model_archive", "feedback", "guidance", "has_seed_labels", "history", "hygiene",
    "import_texts", "index_lag", "is_dev", "keep_label", "label", "label_set", "labels_needed", "legacy_versions",
    "live_quality", "maybe_auto_retrain", "model_notice", "more_like_this", "next_item", "predict", "predict_file",
    "predict_texts", "prediction_columns", "probabilities", "probabilities_of", "progress", "project_summary",
    "promote", "queue_status", "ranked_pool", "readiness", "recent_activity", "relabel", "restore", "retrain",
    "rollback", "search", "serving_version", "settings", "similar", "skip", "store_problem", "submit_label",
    "suspects", "take_back", "train", "trust_legacy", "undo", "undo_bulk", "update_index", "version_numbers",
    "versions", "wait_for_auto_retrain", "wait_for_scoring", "warm_queue",
    "monitor", "monitor_flags",
}  # fmt: skip


def test_the_facade_offers_exactly_the_pinned_names():
    assert set(FACADE) == PINNED
    public = {n for n in dir(Services) if not n.startswith("_")}
    assert public == PINNED, "a public name of Services that is not in FACADE (or the other way round)"


def test_every_forwarded_name_is_answered_by_its_part(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(12))
    for name, part in FACADE.items():
        owner = services if part == "services" else getattr(services, part)
        assert hasattr(owner, name), f"{name} forwards to {part}, which has no {name}"
        if part != "services" and callable(getattr(owner, name)):
            assert getattr(services, name) == getattr(owner, name)


def test_forwarding_reaches_the_parts_state(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(12))
    services.train()
    assert services.current_version() == 1 and services.models.current_version() == 1
    services.models.model_notice = "a notice"
    assert services.model_notice == "a notice"  # a value, read at each use, not copied at construction


def _service_classes() -> dict[str, list[str]]:
    """Every class defined under hloop/services, with the names of its bases."""
    found = {}
    for path in sorted(SERVICES_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                found[node.name] = [ast.unparse(b) for b in node.bases]
    return found


def inherited_within(classes: dict[str, list[str]]) -> list[str]:
    """``Child(Parent)`` pairs where both classes are defined under hloop/services."""
    return [f"{c}({b})" for c, bases in classes.items() for b in bases if b.split(".")[-1] in classes]


def test_no_class_of_the_services_inherits_from_another():
    assert inherited_within(_service_classes()) == []


def test_the_check_above_would_catch_inheritance():
    assert inherited_within({"Queue": ["Labels"], "Labels": [], "Job": ["threading.Thread"]}) == ["Queue(Labels)"]


@pytest.mark.parametrize("part", sorted(set(FACADE.values()) - {"services"}))
def test_each_part_receives_what_it_needs(part, tmp_path):
    """Each part is built from the project and other parts only: no part builds another or reads the environment."""
    services = Services(settings_in(tmp_path), corpus=corpus_of(12))
    obj = getattr(services, part)
    params = list(inspect.signature(type(obj)).parameters)
    if part == "project":
        assert params == ["settings", "corpus"]
    else:
        assert params[0] == "project" and all(hasattr(services, p) for p in params[1:]), params
