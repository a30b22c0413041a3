"""Schema migrations: a new store is at the newest revision; a store from before migrations keeps every row."""

import multiprocessing as mp

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlmodel import Session, SQLModel

from hloop.core.errors import StoreMismatchError
from labeling import claims, store
from labeling.db import make_engine
from labeling.schema import current_revision, head_revision
from labeling.search_index import is_index_part


def all_rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key."""
    with engine.connect() as connection:
        return {
            t.name: connection.execute(select(t).order_by(*t.primary_key.columns)).all()
            for t in SQLModel.metadata.sorted_tables
        }


def fill(engine) -> None:
    """Examples, seed and human labels (one undone), a claim, a skip, a prediction and store facts."""
    with Session(engine) as session:
        rows = [("seed one", "seed", 0), ("pool two", "pool", 1), ("pool three", "pool", 2), ("pool four", "pool", 3)]
        store.bulk_add_examples(rows, session=session)
        store.bulk_add_seed_labels([(0, 1)], session=session)
        model = {"model_version": 1, "model_prediction": 2, "model_confidence": 0.4}
        store.add_label(2, 3, "ana", "queue", session=session, **model)
        store.add_label(3, 0, "ana", "correction", session=session)
        store.undo_last("ana", session=session)
        store.add_prediction("a shown text", 2, 0.75, 1, session=session, annotator="bo")
        store.set_info({"data_fingerprint": "abc", "seed_size": "1"}, session=session)
        claims.claim_first("bo", [3], 5.0, session=session)
        claims.add_skip(4, "bo", session=session)
        session.commit()


def _revision(engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def test_a_new_store_is_at_the_newest_revision_and_matches_the_tables():
    engine = make_engine("sqlite://")
    assert _revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_the_search_index})
        assert compare_metadata(context, SQLModel.metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert {"example_fts", "example_fts_state"} <= tables  # the search index is there, beside the tables


def _not_the_search_index(name, type_, parent_names) -> bool:
    return not is_index_part(name)


def as_before_migrations(engine) -> None:
    """Drop what revisions after the baseline added, so the store is as the release before migrations left it."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE label DROP COLUMN labels")
        connection.exec_driver_sql("DROP INDEX ix_label_batch_id")
        connection.exec_driver_sql("ALTER TABLE label DROP COLUMN batch_id")
        connection.exec_driver_sql("DROP TABLE labelbatch")


def test_a_store_from_before_migrations_is_upgraded_without_losing_a_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    SQLModel.metadata.create_all(old)  # what the release before migrations did at start
    fill(old)
    before = all_rows(old)
    as_before_migrations(old)
    old.dispose()
    counts = [len(before[t]) for t in ("example", "label", "claim", "skip", "prediction", "storeinfo")]
    assert counts == [4, 3, 1, 1, 1, 2]
    assert sum(row.undone_at is not None for row in before["label"]) == 1

    engine = make_engine(url)
    assert _revision(engine) == head_revision()
    assert all_rows(engine) == before
    make_engine(url)  # a second start changes nothing
    assert all_rows(engine) == before


def test_a_store_at_revision_0002_gets_the_label_set_column_and_keeps_every_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    engine = make_engine(url)
    fill(engine)
    before = all_rows(engine)
    engine.dispose()
    with create_engine(url).begin() as connection:  # as the release with search and bulk labelling left it
        connection.exec_driver_sql("ALTER TABLE label DROP COLUMN labels")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    engine = make_engine(url)
    assert _revision(engine) == head_revision() == "0003"
    assert all_rows(engine) == before
    assert all(row.labels is None for row in before["label"])  # single-label rows stay single labels


def test_a_store_with_only_some_tables_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    with create_engine(url).begin() as connection:
        connection.execute(text("CREATE TABLE example (id INTEGER PRIMARY KEY)"))
    with pytest.raises(StoreMismatchError, match="only some of its tables"):
        make_engine(url)


def test_a_store_from_a_newer_release_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    make_engine(url)
    with create_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fffffffffff'"))
    with pytest.raises(StoreMismatchError, match="does not know"):
        make_engine(url)


def _start(url: str, out) -> None:
    try:
        engine = make_engine(url)
        out.put(_revision(engine))
    except Exception as exc:  # report to the test instead of leaving it waiting
        out.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_at_once_on_a_new_store_all_succeed(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_start, args=(url, out)) for _ in range(4)]
    for w in workers:
        w.start()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == [head_revision()] * 4
    engine = make_engine(url)
    assert all(rows == [] for rows in all_rows(engine).values())
    engine.dispose()


def test_postgresql_store_from_before_migrations_is_upgraded(postgres_url):
    old = create_engine(postgres_url)
    SQLModel.metadata.create_all(old)
    fill(old)
    before = all_rows(old)
    as_before_migrations(old)
    old.dispose()
    engine = make_engine(postgres_url)
    assert _revision(engine) == head_revision()
    assert all_rows(engine) == before
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_the_search_index})
        assert compare_metadata(context, SQLModel.metadata) == []
        indexes = {i["name"] for i in inspect(connection).get_indexes("example")}
    assert "ix_example_text_search" in indexes  # the search index (GIN), beside the tables' own
    engine.dispose()


@pytest.mark.parametrize(
    ("table", "column"), [("label", "undone_at"), ("example", "dataset_row"), ("claim", "annotator")]
)
def test_an_old_store_missing_a_column_is_refused_and_not_stamped(tmp_path, table, column):
    from hloop.core.errors import StoreBrokenError

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    SQLModel.metadata.create_all(old)  # the tables of a release before migrations, then one column gone
    as_before_migrations(old)
    with old.begin() as connection:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{table}_{column}")
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    with pytest.raises(StoreBrokenError, match=rf"lacks {table}\.{column}.*Restore a backup"):
        make_engine(url)
    assert _revision(old) is None  # not stamped current: the next start says the same, nothing was changed
    with pytest.raises(StoreBrokenError, match=rf"{table}\.{column}"):
        make_engine(url)


def test_a_stamped_store_missing_a_column_is_refused_at_every_start(tmp_path):
    from hloop.core.errors import StoreBrokenError

    url = f"sqlite:///{tmp_path / 'new.db'}"
    make_engine(url).dispose()
    with create_engine(url).begin() as connection:  # stamped at head, then changed by hand
        connection.exec_driver_sql("ALTER TABLE prediction DROP COLUMN annotator")
    with pytest.raises(StoreBrokenError, match=r"lacks prediction\.annotator"):
        make_engine(url)
