"""After undoing a queue label the annotator gets that item back (the one they held returns to the queue), unless
someone else has labelled or taken it meanwhile."""

from __future__ import annotations

from labeling.tables import Claim


def _holder(services, example_id: int) -> str | None:
    with services.project.session() as session:
        claim = session.get(Claim, example_id)
        return None if claim is None else claim.annotator


def test_the_undone_item_comes_back_and_the_held_one_returns_to_the_queue(trained):
    first = trained.next_item("ana")
    trained.submit_label(first.example_id, first.prediction, "ana")
    second = trained.next_item("ana")
    trained.undo("ana")
    back = trained.take_back(first.example_id, "ana")
    assert back is not None and back.example_id == first.example_id and back.text == first.text
    assert back.claim_expires_at is not None and back.prediction is not None
    assert _holder(trained, first.example_id) == "ana" and _holder(trained, second.example_id) is None
    assert trained.next_item("ana").example_id == first.example_id, "the queue gives ana the item back again"
    trained.submit_label(first.example_id, back.prediction, "ana")  # and it can be labelled again


def test_an_item_someone_else_labelled_meanwhile_is_not_taken_back(trained):
    first = trained.next_item("ana")
    trained.submit_label(first.example_id, first.prediction, "ana")
    second = trained.next_item("ana")
    trained.undo("ana")
    other = trained.next_item("bob")
    assert other.example_id == first.example_id, "the freed item is the most uncertain one again"
    trained.submit_label(other.example_id, other.prediction, "bob")
    assert trained.take_back(first.example_id, "ana") is None
    assert _holder(trained, second.example_id) == "ana", "ana keeps the item she holds"
