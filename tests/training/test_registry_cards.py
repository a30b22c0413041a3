"""The registry is the cards' file edge: it reads card.json into a ModelCard and writes one back, key for key."""

import copy
import dataclasses
import json

import pytest

from hloop.core.cards import ModelCard
from hloop.core.errors import ModelIntegrityError
from tests.core.test_cards import OLD_CARD, OLD_METRICS
from training.registry import CARD, Registry


def _write(root, version: int, card: dict) -> None:
    (root / f"v{version}").mkdir(parents=True)
    (root / f"v{version}" / CARD).write_text(json.dumps(card))


def test_a_saved_card_is_the_card_its_file_holds(tmp_path, fitted):
    registry = Registry(tmp_path)
    saved = registry.save(fitted, {"parent": None})
    assert isinstance(saved, ModelCard) and saved == registry.card(1)
    assert (saved.version, saved.format, saved.compute) == (1, "skops", "local") and saved.probe is not None
    assert saved.to_dict() == json.loads((tmp_path / "v1" / CARD).read_text())
    registry.save(fitted, saved)  # a card read back saves as a new version
    assert [(c.version, c.is_current) for c in registry.cards()] == [(1, False), (2, True)]
    assert "current" not in json.loads((tmp_path / "v2" / CARD).read_text()), "current is never stored"


def test_a_card_of_the_first_release_loads_typed_and_an_update_keeps_its_other_keys(tmp_path):
    _write(tmp_path, 1, OLD_CARD)
    card = Registry(tmp_path).card(1)
    assert card.is_legacy and card.promotion_status == "promoted" and card.gate is None
    assert card.metrics is not None and card.metrics.accuracy == 0.85 and card.label_names == ("alpha", "beta")
    when = "2026-12-02T09:00:00+00:00"
    updated = Registry(tmp_path).update_card(dataclasses.replace(card, status="override", override_at=when))
    on_disk = json.loads((tmp_path / "v1" / CARD).read_text())
    assert on_disk == {**OLD_CARD, "status": "override", "override_at": when} == updated.to_dict()


def test_a_malformed_card_is_an_integrity_error_naming_the_version_and_the_field(tmp_path):
    altered = copy.deepcopy(OLD_CARD)
    altered["metrics"] = {**OLD_METRICS, "accuracy": "high"}
    _write(tmp_path, 1, altered)
    with pytest.raises(ModelIntegrityError, match=r"^v1: The card's metrics\.accuracy must be a number"):
        Registry(tmp_path).card(1)
