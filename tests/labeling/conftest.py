"""An in-memory store with a few examples (``postgres_url`` is in tests/conftest.py)."""

import pytest
from sqlmodel import Session

from labeling import store
from labeling.db import make_engine


@pytest.fixture
def engine():
    return make_engine("sqlite://")


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        store.bulk_add_examples(
            [
                ("seed text one", "seed", 0),
                ("pool text two", "pool", 1),
                ("pool text three", "pool", 2),
                ("eval text four", "eval", 0),
            ],
            session=session,
        )
        store.bulk_add_seed_labels([(0, 2)], session=session)
        session.commit()
        yield session
