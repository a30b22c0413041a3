"""`hloop search` prints hits with filters (or JSON); `hloop bulk-label` previews, then labels with --yes, and
`hloop undo-bulk` undoes the batch; `hloop similar` finds texts like one by words when there are no embeddings;
bad requests are one line and exit 2."""

from __future__ import annotations

import json

import pytest

from hloop.cli import main
from tests.conftest import set_project_environment, write_tiny_dataset


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    data = write_tiny_dataset(tmp_path / "data")
    return set_project_environment(
        monkeypatch, tmp_path, dataset=data, labels="alpha,beta,gamma,delta", embeddings="none", model="tfidf-lr"
    )


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_bulk_label_and_undo(cli_env, capsys):
    code, out, _ = run(capsys, "search", "goal", "--json")
    page = json.loads(out)
    assert code == 0 and page["total"] > 0 and all("goal" in h["text"] for h in page["hits"])
    code, out, _ = run(capsys, "search", "goal", "--status", "unlabelled", "--per-page", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4 and "texts found; page 1 of" in lines[-1]
    unlabelled = int(lines[-1].split()[0].replace(",", ""))

    code, out, _ = run(capsys, "bulk-label", "beta", "goal")  # a preview: nothing stored
    assert code == 0 and f"Would label {unlabelled} texts as beta" in out and "Nothing was stored" in out
    code, out, _ = run(capsys, "search", "--source", "bulk", "--json")
    assert json.loads(out)["total"] == 0

    code, out, _ = run(capsys, "bulk-label", "beta", "goal", "--yes", "--json")
    batch = json.loads(out)
    assert code == 0 and batch["size"] == unlabelled and batch["label"] == "beta"
    code, out, _ = run(capsys, "search", "--source", "bulk", "--label", "beta", "--json")
    assert json.loads(out)["total"] == unlabelled
    code, out, _ = run(capsys, "bulk-batches")
    assert code == 0 and "live" in out and str(batch["batch_id"]) in out

    code, out, _ = run(capsys, "undo-bulk", str(batch["batch_id"]))
    assert code == 0 and f"Batch {batch['batch_id']} undone" in out
    code, out, _ = run(capsys, "search", "--source", "bulk", "--json")
    assert json.loads(out)["total"] == 0


def test_similar_by_words_without_embeddings(cli_env, capsys):
    code, out, _ = run(capsys, "similar", "a late goal won the match", "--k", "3", "--json")
    hits = json.loads(out)["results"]
    assert code == 0 and len(hits) == 3 and all(h["score"] > 0 for h in hits)
    assert all({"goal", "match"} & set(h["text"].split()) for h in hits)
    code, out, _ = run(capsys, "similar", "--id", str(hits[0]["example_id"]), "--status", "unlabelled", "--k", "2")
    assert code == 0 and len(out.splitlines()) == 2 and str(hits[0]["example_id"]) not in out.split()[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "--min-confidence", "2"], "min_confidence must be a number from 0 to 1"),
        (["search", "--since", "soon"], "since must be a date"),
        (["search", "--label", "Cooking"], "Unknown label 'Cooking'"),
        (["bulk-label", "Cooking", "goal"], "Unknown label 'Cooking'"),
        (["undo-bulk", "7"], "No bulk batch 7"),
        (["similar", "!!!"], "no words to search by"),
    ],
)
def test_bad_search_requests_exit_2(cli_env, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
