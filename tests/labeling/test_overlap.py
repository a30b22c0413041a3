"""Overlap claims: an item offered to a second annotator goes through the same claim loop as the queue."""

from labeling import claims, overlap, store
from labeling.tables import Claim


def _queue_labelled_by_ana(session) -> int:
    pool = [i for i, _ in store.examples_by_origin(store.QUEUE_ORIGINS, session=session)]
    store.add_label(pool[0], 0, "ana", "queue", session=session)
    session.commit()
    return pool[0]


def test_an_item_doubled_meanwhile_is_not_offered_for_overlap(session, monkeypatch):
    """Labelled a second time by someone else between the candidate read and the claim: given back, not held."""
    item = _queue_labelled_by_ana(session)
    stale = overlap.overlap_candidates("bob", 1.0, session=session)
    assert stale == [item]
    store.add_label(item, 1, "cy", "overlap", session=session)  # cy's overlap label lands after bob's read
    session.commit()
    monkeypatch.setattr(overlap, "overlap_candidates", lambda *args, **kwargs: list(stale))
    assert overlap.claim_overlap("bob", 1.0, 5, session=session) is None
    assert session.get(Claim, item) is None, "the claim was given back"


def test_an_open_overlap_item_is_claimed_once(session):
    item = _queue_labelled_by_ana(session)
    claim = overlap.claim_overlap("bob", 1.0, 5, session=session)
    assert (claim.example_id, claim.annotator) == (item, "bob")
    assert overlap.claim_overlap("cy", 1.0, 5, session=session) is None, "bob holds it"
    assert overlap.claim_overlap("ana", 1.0, 5, session=session) is None, "ana labelled it"


def test_a_queue_item_labelled_meanwhile_is_given_back(session):
    """The queue path's re-check: an id read as open but labelled before the claim is skipped and released."""
    pool = [i for i, _ in store.examples_by_origin(store.QUEUE_ORIGINS, session=session)]
    store.add_label(pool[0], 0, "ana", "queue", session=session)  # after the caller read its ranking
    session.commit()
    claim = claims.claim_first("bob", pool, 5, session=session)
    assert claim.example_id == pool[1]
    assert session.get(Claim, pool[0]) is None
