"""Claims are respected by relabelling, the prediction log stays bounded, lone surrogates are refused."""

import pytest

from hloop.core.errors import ClaimError, InvalidInputError
from labeling import store
from tests.conftest import settings_in


def test_relabelling_an_item_someone_else_holds_is_refused_and_their_submit_still_works(trained):
    item = trained.next_item("ana")
    with pytest.raises(ClaimError, match=r"held by another annotator until \d\d:\d\d:\d\d UTC"):
        trained.label(item.example_id, "alpha", "bob", source="correction")
    assert trained.counters()["labels_total"] == 0
    saved = trained.submit_label(item.example_id, "beta", "ana")
    assert saved.event.example_id == item.example_id and saved.event.annotator == "ana"


def test_relabelling_an_item_you_hold_releases_only_your_claim(trained):
    item = trained.next_item("ana")
    trained.label(item.example_id, "alpha", "ana", source="correction")
    assert trained.counters()["labels_total"] == 1
    assert trained.next_item("bob").example_id != item.example_id


def test_the_prediction_log_keeps_the_newest_rows(tmp_path, tiny_corpus):
    from hloop.services import Services

    services = Services(settings_in(tmp_path, prediction_log_limit=3), corpus=tiny_corpus)
    services.train()
    for i in range(7):
        services.predict(f"shares profit market story {i}", record_for="")
    with services.project.session() as session:
        assert store.count_predictions(session=session) == 3


@pytest.mark.parametrize("call", ["predict", "feedback"])
def test_lone_surrogates_are_refused_by_services(trained, call):
    with pytest.raises(InvalidInputError, match="lone surrogate"):
        if call == "predict":
            trained.predict("markets \ud800 rally", record_for="ana")
        else:
            trained.feedback("markets \ud800 rally", "gamma", "ana")
    assert trained.counters()["labels_total"] == 0
