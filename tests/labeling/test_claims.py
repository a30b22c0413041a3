"""Claims: one holder at a time, expiry, skips, and what the queue must not offer."""

from datetime import timedelta

import pytest

from hloop.core.errors import ClaimError
from labeling import claims, store
from labeling.tables import Claim, utcnow


def _pool_ids(session):
    return [i for i, _ in store.examples_by_origin(store.QUEUE_ORIGINS, session=session)]


def test_two_annotators_never_hold_the_same_item(session):
    ids = _pool_ids(session)
    a = claims.claim_first("ana", ids, 5, session=session)
    b = claims.claim_first("bob", ids, 5, session=session)
    assert a.example_id == ids[0] and b.example_id == ids[1]
    assert claims.claim_first("cy", ids, 5, session=session) is None
    assert claims.blocked_ids("ana", session=session) == {ids[1]}


def test_expired_claim_is_refused_and_released(session):
    ids = _pool_ids(session)
    claim = claims.claim_first("ana", ids, 5, session=session)
    claim.expires_at = utcnow() - timedelta(seconds=1)
    session.add(claim)
    session.commit()
    with pytest.raises(ClaimError, match="expired"):
        claims.check_claim(claim.example_id, "ana", session=session)
    assert claims.release_expired(session=session) == 1
    session.commit()
    assert claims.claim_first("bob", ids, 5, session=session).example_id == claim.example_id


def test_someone_elses_claim_is_refused(session):
    ids = _pool_ids(session)
    claims.claim_first("ana", ids, 5, session=session)
    with pytest.raises(ClaimError, match="do not hold"):
        claims.check_claim(ids[0], "bob", session=session)
    assert claims.check_claim(ids[0], "ana", session=session).annotator == "ana"


def test_labelled_and_skipped_items_are_blocked(session):
    ids = _pool_ids(session)
    store.add_label(ids[0], 0, "bob", "queue", session=session)
    claims.add_skip(ids[1], "ana", session=session)
    session.commit()
    assert claims.blocked_ids("ana", session=session) == {ids[0], ids[1]}
    assert claims.blocked_ids("bob", session=session) == {ids[0]}


def test_release_drops_the_claim(session):
    ids = _pool_ids(session)
    claims.claim_first("ana", ids, 5, session=session)
    claims.release(ids[0], session=session)
    session.commit()
    assert session.get(Claim, ids[0]) is None
    assert claims.active_claim("ana", session=session) is None


def test_only_the_holders_live_claim_is_taken_at_submit_and_only_once(session):
    """A claim that ends during a submit (expired, or passed to someone else) is not taken: the submit fails."""
    ids = _pool_ids(session)
    mine = claims.claim_first("ana", ids, 5, session=session)
    assert not claims.take_own_live_claim(mine.example_id, "bob", session=session), "someone else's claim"
    assert claims.take_own_live_claim(mine.example_id, "ana", session=session)
    assert not claims.take_own_live_claim(mine.example_id, "ana", session=session), "taken once only"
    expired = claims.claim_first("ana", ids, 5, session=session)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    session.add(expired)
    session.commit()
    assert not claims.take_own_live_claim(expired.example_id, "ana", session=session), "an expired claim"
