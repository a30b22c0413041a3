"""An in-memory store with a few examples."""

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


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test (dropped after); skipped without HLOOP_TEST_POSTGRES_URL."""
    import os
    import uuid

    from sqlalchemy import create_engine, make_url, text

    base = os.environ.get("HLOOP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set HLOOP_TEST_POSTGRES_URL (CI starts PostgreSQL and sets it) to test PostgreSQL")
    name = f"hloop_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
