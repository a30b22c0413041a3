"""Relabelling outside the queue never takes over another annotator's claim."""

from datetime import timedelta

import pytest

from hloop.core.errors import ClaimError
from hloop.core.values import parse_annotator
from labeling import claims, store
from labeling.tables import utcnow


def _held_by_ana(session):
    ids = [i for i, _ in store.examples_by_origin(store.QUEUE_ORIGINS, session=session)]
    return claims.claim_first("ana", ids, 5, session=session)


def test_an_item_held_by_someone_else_is_refused_naming_when_the_claim_ends(session):
    claim = _held_by_ana(session)
    with pytest.raises(ClaimError, match=f"held by another annotator until {claim.expires_at:%H:%M:%S} UTC"):
        claims.refuse_if_held_by_other(claim.example_id, "bob", session=session)
    claims.refuse_if_held_by_other(claim.example_id, "ana", session=session)
    claims.refuse_if_held_by_other(claim.example_id, parse_annotator("  ana "), session=session)


def test_unclaimed_and_expired_items_are_free(session):
    claim = _held_by_ana(session)
    other = [i for i, _ in store.examples_by_origin(store.QUEUE_ORIGINS, session=session) if i != claim.example_id]
    claims.refuse_if_held_by_other(other[0], "bob", session=session)
    claim.expires_at = utcnow() - timedelta(seconds=1)
    session.add(claim)
    session.commit()
    claims.refuse_if_held_by_other(claim.example_id, "bob", session=session)


def test_release_own_never_drops_someone_elses_claim(session):
    claim = _held_by_ana(session)
    assert claims.release_own(claim.example_id, "bob", session=session) == 0
    session.commit()
    assert claims.check_claim(claim.example_id, "ana", session=session).annotator == "ana"
    assert claims.release_own(claim.example_id, "ana", session=session) == 1
    session.commit()
    with pytest.raises(ClaimError, match="do not hold"):
        claims.check_claim(claim.example_id, "ana", session=session)
