"""The labelling queue's claims: at most one annotator holds an item at a time, and a claim expires.

Ranking is the caller's job (services score the pool with the current model); this module turns a ranked
list of example ids into a claim, skipping items that are labelled, claimed by someone else or skipped.
Annotator names arrive parsed (``hloop.core.values.parse_annotator``, at the services) and are trusted here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hloop.core.errors import ClaimError
from hloop.core.values import Annotator
from labeling.store import human_labelled_ids
from labeling.tables import Claim, Skip, utcnow


def release_expired(*, session: Session, now: datetime | None = None) -> int:
    """Delete claims whose time ran out; returns how many."""
    result = session.execute(delete(Claim).where(col(Claim.expires_at) <= (now or utcnow())))
    return result.rowcount or 0


def active_claim(annotator: Annotator, *, session: Session) -> Claim | None:
    """The annotator's newest unexpired claim, if any."""
    stmt = (
        select(Claim)
        .where(Claim.annotator == annotator, col(Claim.expires_at) > utcnow())
        .order_by(col(Claim.created_at).desc())
    )
    return session.exec(stmt).first()


def blocked_ids(annotator: Annotator, *, session: Session) -> set[int]:
    """Items the queue must not offer this annotator: human-labelled, claimed by others, or skipped."""
    blocked = human_labelled_ids(session=session)
    others = select(Claim.example_id).where(Claim.annotator != annotator, col(Claim.expires_at) > utcnow())
    blocked.update(session.exec(others).all())
    blocked.update(session.exec(select(Skip.example_id).where(Skip.annotator == annotator)).all())
    return blocked


def claim_first(
    annotator: Annotator,
    ranked_ids: Iterable[int],
    minutes: float,
    *,
    session: Session,
    still_open: Callable[[int], bool] | None = None,
) -> Claim | None:
    """Claim the first id of ``ranked_ids`` nobody holds and that is still open once the claim is written
    (``still_open``; by default: no person labelled it); commits the claim. None when all are taken."""
    for example_id in map(int, ranked_ids):
        if not _insert_claim(example_id, annotator, minutes, session=session):
            continue
        if not (still_open(example_id) if still_open else example_id not in human_labelled_ids(session=session)):
            # labelled and released by someone else after the caller read its candidates: give it back
            release(example_id, session=session)
            session.commit()
            continue
        return session.get(Claim, example_id, populate_existing=True)
    return None


def _insert_claim(example_id: int, annotator: Annotator, minutes: float, *, session: Session) -> bool:
    """Write a claim and commit it; False when another annotator holds the item."""
    now = utcnow()
    values = {
        "example_id": example_id,
        "annotator": annotator,
        "created_at": now,
        "expires_at": now + timedelta(minutes=minutes),
    }
    try:
        # a plain INSERT: the primary key makes a concurrent claim of the same item fail, not overwrite
        session.execute(insert(Claim).values(**values))
        session.commit()
    except IntegrityError:  # another annotator claimed it between our read and our write
        session.rollback()
        return False
    return True


def check_claim(example_id: int, annotator: Annotator, *, session: Session) -> Claim:
    """The annotator's live claim on the item; ClaimError says what happened otherwise."""
    claim = session.get(Claim, int(example_id))
    if claim is None or claim.annotator != annotator:
        holder = "" if claim is None else " and is now held by another annotator"
        raise ClaimError(
            f"You ({annotator}) do not hold item {example_id}: its claim expired{holder}, or it was never "
            "yours. Ask for the next item."
        )
    if claim.expires_at <= utcnow():
        raise ClaimError(
            f"Your claim on item {example_id} expired at {claim.expires_at:%H:%M:%S} UTC; the item went back "
            "to the queue. Ask for the next item."
        )
    return claim


def refuse_if_held_by_other(example_id: int, annotator: Annotator, *, session: Session) -> None:
    """ClaimError when another annotator holds a live claim on the item, naming when that claim ends."""
    claim = session.get(Claim, int(example_id), populate_existing=True)
    if claim is None or claim.annotator == annotator:
        return
    if claim.expires_at > utcnow():
        raise ClaimError(
            f"Item {example_id} is held by another annotator until {claim.expires_at:%H:%M:%S} UTC; "
            "label it after that, or ask for the next item."
        )


def release_own(example_id: int, annotator: Annotator, *, session: Session) -> int:
    """Drop the annotator's own claim on the item (never someone else's); returns how many were dropped."""
    result = session.execute(delete(Claim).where(Claim.example_id == int(example_id), Claim.annotator == annotator))
    return result.rowcount or 0


def take_own_live_claim(example_id: int, annotator: Annotator, *, session: Session) -> bool:
    """Drop the annotator's own claim on the item if it has not expired; whether it did. The one statement is
    the arbiter when a claim ends during a submit: a claim that expired, or passed to someone else, is not
    taken, so its holder's label is refused rather than stored beside the next holder's."""
    result = session.execute(
        delete(Claim).where(
            Claim.example_id == int(example_id),
            Claim.annotator == annotator,
            Claim.expires_at > utcnow(),
        )
    )
    return (result.rowcount or 0) == 1


def release(example_id: int, *, session: Session) -> None:
    """Drop the claim on an item (after it is labelled or skipped)."""
    session.execute(delete(Claim).where(Claim.example_id == int(example_id)))


def add_skip(example_id: int, annotator: Annotator, *, session: Session) -> Skip:
    """Remember that the annotator skipped the item."""
    skip = Skip(example_id=int(example_id), annotator=annotator)
    session.add(skip)
    session.flush()
    return skip


def holders(example_ids: Iterable[int], *, session: Session) -> dict[int, str]:
    """Who holds a live claim on each of these items (items nobody holds are left out)."""
    ids = [int(i) for i in example_ids]
    stmt = select(Claim.example_id, Claim.annotator).where(col(Claim.example_id).in_(ids), Claim.expires_at > utcnow())
    return {int(i): str(name) for i, name in session.exec(stmt).all()} if ids else {}
