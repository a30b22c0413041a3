"""A restore never leaves vectors keyed by ids that may now name other texts: the restored store gets a new
embeddings key, and its texts are embedded again (in the background, or by ``hloop embed``)."""

from __future__ import annotations

import shutil

from tests.services.test_embeddings import other_spec, services_with, spec  # noqa: F401 (fixtures)


def test_a_restore_in_place_of_the_old_store_rebuilds_its_embeddings(tmp_path, spec):  # noqa: F811
    services = services_with(tmp_path, spec)
    total = services.embed_texts()
    archive = tmp_path / "backup.zip"
    services.backup(archive)
    (tmp_path / "hloop.db").unlink()  # the store is lost, the embeddings folder beside it is not
    shutil.rmtree(tmp_path / "models", ignore_errors=True)  # no version was trained: maybe no folder
    restored = services_with(tmp_path, spec)
    restored.restore(archive, embed_after=False)
    assert restored.embeddings.index().size == 0  # the old folder's vectors are not read against the restored ids
    assert restored.embedding_status()["missing"] == total
    assert restored.embed_texts() == total


def test_a_restore_embeds_the_texts_in_the_background(tmp_path, spec):  # noqa: F811
    services = services_with(tmp_path / "a", spec)
    services.embed_texts()
    archive = tmp_path / "backup.zip"
    services.backup(archive)
    restored = services_with(tmp_path / "b", spec)
    restored.restore(archive)
    restored.embeddings.wait()
    status = restored.embedding_status()
    assert status["missing"] == 0 and status["stored"] == status["total"] > 0
