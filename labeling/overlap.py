"""Store functions for overlap: queue items labelled once, offered to a second annotator to measure agreement.

An item is chosen for overlap by the hash of its text (so every process agrees), labelled a second time with the
source ``overlap``, and offered to nobody who already labelled it. The latest live label still counts for training.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from labeling.claims import claim_first
from labeling.tables import Claim, Example, Label, utcnow


def chosen_for_overlap(text_hash: str, share: float) -> bool:
    """Whether an item (by its stored text hash) is offered to a second annotator, with probability ``share``."""
    return share > 0 and int(text_hash[:12], 16) / 16**12 < share


def overlap_open(example_id: int, annotator: str, *, session: Session) -> bool:
    """Whether the item has a live queue label by someone else, none by ``annotator`` and no overlap label yet."""
    rows = session.exec(
        select(Label.annotator, Label.source).where(Label.example_id == example_id, col(Label.undone_at).is_(None))
    ).all()
    return (
        any(src == "queue" and who != annotator for who, src in rows)
        and not any(src == "overlap" for _who, src in rows)
        and not any(who == annotator for who, _src in rows)
    )


def overlap_candidates(annotator: str, share: float, *, session: Session, limit: int = 200) -> list[int]:
    """Ids of items open for ``annotator``'s overlap label, oldest queue label first, chosen by ``share``."""
    if share <= 0:
        return []
    mine = select(Label.example_id).where(Label.annotator == annotator, col(Label.undone_at).is_(None))
    doubled = select(Label.example_id).where(Label.source == "overlap", col(Label.undone_at).is_(None))
    held = select(Claim.example_id).where(Claim.annotator != annotator, col(Claim.expires_at) > utcnow())
    stmt = (
        select(Label.example_id, Example.text_hash)
        .join(Example, Example.id == Label.example_id)
        .where(
            Label.source == "queue",
            col(Label.undone_at).is_(None),
            Label.annotator != annotator,
            col(Label.example_id).not_in(mine),
            col(Label.example_id).not_in(doubled),
            col(Label.example_id).not_in(held),
        )
        .order_by(col(Label.id))
    )
    chosen = [eid for eid, digest in session.exec(stmt) if chosen_for_overlap(digest, share)]
    return chosen[:limit]


def claim_overlap(annotator: str, share: float, minutes: float, *, session: Session) -> Claim | None:
    """Claim the first open overlap item for ``annotator`` (commits); None when there is none. An item that
    stopped being open after the candidates were read (labelled meanwhile) is given back, as in the queue."""
    candidates = overlap_candidates(annotator, share, session=session)
    return claim_first(
        annotator,
        candidates,
        minutes,
        session=session,
        still_open=lambda eid: overlap_open(eid, annotator, session=session),
    )
