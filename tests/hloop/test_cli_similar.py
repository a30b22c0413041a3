"""`hloop embed` fills the embedding store (in a worker process, as the app does); `hloop similar` prints the
nearest pool or labelled texts, or JSON; bad requests are one line and exit 2."""

from __future__ import annotations

import json

import pytest

from hloop.cli import main
from tests.conftest import set_project_environment, write_tiny_dataset
from tests.services.test_embeddings import other_spec, spec  # noqa: F401 (fixtures)


@pytest.fixture
def cli_env(tmp_path, monkeypatch, spec):  # noqa: F811
    data = write_tiny_dataset(tmp_path / "data")
    return set_project_environment(
        monkeypatch, tmp_path, dataset=data, labels="alpha,beta,gamma,delta", embeddings=spec
    )


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_embed_then_similar(cli_env, capsys):
    code, out, _ = run(capsys, "similar", "match goal team")
    assert code == 0 and "0 of" in out and "texts embedded so far" in out  # nothing embedded yet: nothing found
    code, out, _ = run(capsys, "embed", "--json")  # HLOOP_SCORING_PROCESSES=1: a worker process embeds
    report = json.loads(out)
    assert code == 0 and report["added"] == report["stored"] == report["total"] > 0 and report["missing"] == 0
    code, out, _ = run(capsys, "embed")
    assert code == 0 and out.startswith("0 texts embedded;")
    code, out, _ = run(capsys, "similar", "match goal team", "--k", "4", "--json")
    found = json.loads(out)
    assert code == 0 and len(found["results"]) == 4 and found["embedded"] == found["texts"]
    assert all(hit["origin"] not in ("eval", "dev") for hit in found["results"])
    first = found["results"][0]["example_id"]
    code, out, _ = run(capsys, "similar", "--id", str(first), "--among", "pool", "--k", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and all(not line.split()[0] == str(first) for line in lines)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["similar"], "Give a text or an example id"),
        (["similar", "x", "--k", "0"], "k must be a whole number from 1 to 1000"),
        (["similar", "x", "--id", "3"], "not both"),
    ],
)
def test_bad_similar_requests_exit_2(cli_env, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
