"""Real, messy data (issue 15 part 1): every split gets the same hygiene, counted and reported, and the loop runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hloop.cli import main
from hloop.core.errors import DatasetUnavailableError
from hloop.core.labels import MAX_TEXT_CHARS
from hloop.data.corpus import DatasetSpec, load_corpus
from hloop.data.hygiene import dedupe
from hloop.services import Services
from labeling import store
from tests.conftest import set_project_environment, settings_in
from tests.data.messy import (
    EXPECTED,
    LABEL,
    MERGED,
    MULTI_LINE,
    PROPERTIES,
    TEXT,
    write_messy,
    write_repeating_test_split,
)


@pytest.fixture(scope="module")
def messy_dir(tmp_path_factory):
    return write_messy(tmp_path_factory.mktemp("messy"))


def _services(folder, data, **overrides):
    return Services(settings_in(folder, dataset=str(data), text_column=TEXT, label_column=LABEL, **overrides))


def test_labels_that_differ_in_case_or_spacing_are_one_label_named_as_most_rows_write_it(messy_dir):
    corpus = load_corpus(DatasetSpec(str(messy_dir), text_column=TEXT, label_column=LABEL))
    assert corpus.label_set.names == ("computers", "cooking", "sports")
    assert corpus.hygiene.to_dict()["merged_labels"] == MERGED
    assert corpus.train_labels[:3].tolist() == [0, 0, 0]  # " COMPUTERS ", " COMPUTERS ", "Computers"


def test_only_the_labels_setting_keeps_case_variants_apart(messy_dir):
    spec = DatasetSpec(
        str(messy_dir),
        text_column=TEXT,
        label_column=LABEL,
        labels=("computers", "COMPUTERS", "Computers", "cooking", "sports"),
    )
    corpus = load_corpus(spec)
    assert corpus.train_labels[:4].tolist() == [1, 1, 2, 0] and not corpus.hygiene.merged_labels
    ambiguous = DatasetSpec(
        str(messy_dir), text_column=TEXT, label_column=LABEL, labels=("computers", "COMPUTERS", "cooking", "sports")
    )
    with pytest.raises(DatasetUnavailableError, match="'Computers' of column 'topic' differs only in case or spacing"):
        load_corpus(ambiguous)


def test_texts_are_cleaned_and_long_and_multi_line_texts_survive(messy_dir):
    corpus = load_corpus(DatasetSpec(str(messy_dir), text_column=TEXT, label_column=LABEL))
    texts = corpus.train_texts + corpus.eval_texts
    assert not any(c in t for t in texts for c in "\x08\x1b\r")
    assert "chip internet software with a backspace" in corpus.train_texts
    assert max(len(t) for t in texts) == MAX_TEXT_CHARS
    assert MULTI_LINE in corpus.train_texts
    assert len(corpus.eval_texts) == len(set(corpus.eval_texts))  # the test split's repeats are kept once


def test_the_services_fill_the_store_report_the_hygiene_then_label_and_retrain(tmp_path, messy_dir):
    services = _services(tmp_path, messy_dir)
    v1 = services.train()
    report = services.project_summary()["hygiene"]
    assert {k: report[k] for k in EXPECTED} == EXPECTED and report["merged_labels"] == MERGED
    with services.project.session() as session:
        origins = ("seed", "pool", "dev", "eval")
        texts = {t: o for o in origins for _id, t in store.examples_by_origin([o], session=session)}
        assert store.get_info(session=session)["hygiene"]  # kept with the store, for any caller
    assert "tied copy" not in " ".join(texts)  # copies that tie on the label are dropped
    assert texts["laptop server browser chip software majority copy"] in ("seed", "pool", "dev")
    assert any("\n" in t for t, origin in texts.items() if origin != "eval")
    item = services.next_item("ana")
    services.submit_label(item.example_id, "Computers", "ana")  # any case, as the label is written
    v2 = services.retrain()
    assert v1.version == 1 and v2.version == 2 and v2.training.human_labels == 1


@pytest.mark.parametrize("messy", list(PROPERTIES))
def test_a_dataset_with_each_messy_property_trains_labels_and_retrains(tmp_path, messy):
    services = _services(tmp_path, write_messy(tmp_path / "data", [messy]))
    services.train()
    report = services.project_summary()["hygiene"]
    assert {k: v for k, v in report.items() if v and k != "merged_labels"} == PROPERTIES[messy]
    assert report["merged_labels"] == (MERGED if messy == "label spellings" else {})
    item = services.next_item("ana")
    services.submit_label(item.example_id, services.label_set.names[0], "ana")
    assert services.retrain().version == 2


def test_hloop_train_on_a_test_split_that_repeats_texts_says_what_was_dropped(tmp_path, monkeypatch, capsys):
    data = write_repeating_test_split(tmp_path / "data")
    set_project_environment(monkeypatch, tmp_path, dataset=data, text_column="question", label_column="kind")
    code = main(["train"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "eval: the dataset's eval split (30 texts)" in out
    assert "data: 3 repeated texts dropped (each text is kept once per split)" in out and "v1" in out
    assert main(["queue", "--n", "1", "--json"]) == 0
    example = json.loads(capsys.readouterr().out)[0]["example_id"]
    assert main(["label", "--example", str(example), "--label", "Sports", "--annotator", "ana"]) == 0
    assert main(["retrain"]) == 0 and "v2" in capsys.readouterr().out


def test_the_majority_label_wins_and_a_tie_drops_the_text():
    texts = ("a b", "A B!", "a b.", "c d", "C D", "e f", "e f")
    kept = dedupe(texts, np.array([0, 1, 0, 1, 2, -1, 3]), key=lambda t: "".join(c for c in t.lower() if c.isalpha()))
    assert kept.rows.tolist() == [0, 5] and kept.labels.tolist() == [0, 3]
    assert (kept.hygiene.repeats, kept.hygiene.conflicts, kept.hygiene.tied) == (4, 1, 1)


def test_hygiene_keeps_the_data_fingerprint_of_datasets_already_in_use(ag_news_dir, trec_dir):
    """Stores record the fingerprint; the cleaning must not change it for data that loaded before (so they open)."""
    ag_news = load_corpus(DatasetSpec(str(ag_news_dir)))
    trec = load_corpus(DatasetSpec(str(trec_dir), label_column="coarse_label"))
    assert ag_news.fingerprint == "6dc98f8da28369109db8ad7726a2377ba4581e314a5cf253c3c11e35ed63da6a"
    assert trec.fingerprint == "bd611a9f62e1ca96df6830b038380f65233fde5f4f4ce31e1367f07001ee4c39"
