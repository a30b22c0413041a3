"""The Browse tab's handlers and the search and bulk endpoints: texts found by words and filters, a bulk batch
previewed, labelled and undone as one, refusals said in one line, more like this, and the cold-start seeding."""

from __future__ import annotations

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from hloop.services import Services
from hloop.ui import browse, browse_lines, seeding
from tests.conftest import corpus_of, settings_in
from tests.services.test_embeddings import spec  # noqa: F401 (fixture)

SPORTS = "goal"  # a topic word of the tiny corpus's "beta" texts


def fields(**given) -> dict:
    """The tab's filter values: "" (no filter) for every field not given."""
    return {name: given.get(name, "") for name in browse.FIELDS}


def labelled(services, label: str, **filters) -> int:
    return services.search(label=label, **filters).total


def test_a_search_finds_texts_by_words_and_pages_through_them(trained):
    rows, line, page = browse.search(trained, fields(query=SPORTS), 1, 20)
    total = trained.search(query=SPORTS).total
    assert rows and all(SPORTS in row[1] for row in rows) and page == 1
    assert line.startswith(f"**{total}** results (page 1 of 1), best matches first.")
    first, line, page = browse.search(trained, fields(query=SPORTS), 1, 2)
    second, line, page = browse.turn(trained, fields(query=SPORTS), page, 2, +1)
    assert page == 2 and f"(page 2 of {-(-total // 2)})" in line
    assert not {r[0] for r in first} & {r[0] for r in second}, "the next page shows other texts"
    last, _line, page = browse.search(trained, fields(query=SPORTS), 999, 2)
    assert page == -(-total // 2) and last, "past the last page: the last page"


@pytest.mark.parametrize(
    ("given", "check"),
    [
        ({"status": "labelled"}, lambda row: row[2] != ""),
        ({"status": "unlabelled"}, lambda row: row[2] == ""),
        ({"label": "beta"}, lambda row: row[2] == "beta"),
        ({"predicted": "gamma"}, lambda row: row[5] == "gamma"),
        ({"min_confidence": 0.5}, lambda row: row[6] >= 0.5),
        ({"source": "seed"}, lambda row: row[4] == "seed"),
        ({"labelled_by": "dataset"}, lambda row: row[3] == "dataset"),
    ],
)
def test_every_filter_narrows_the_results(trained, given, check):
    rows, line, _page = browse.search(trained, fields(**given), 1, 200)
    everything, _line, _page = browse.search(trained, fields(), 1, 200)
    assert rows and all(check(row) for row in rows), line
    assert len(rows) < len(everything)


@pytest.mark.parametrize(
    ("low", "high", "band"),
    [(0, 1, (None, None)), (0.2, 1, (0.2, None)), (0, 0.6, (None, 0.6)), (0.3, 0.7, (0.3, 0.7))],
)
def test_the_confidence_sliders_ends_are_no_filter(low, high, band):
    sliders = {"min_confidence": low, "max_confidence": high}
    chosen = browse.form_fields([sliders.get(name, "") for name in browse.FIELDS])
    assert (chosen["min_confidence"], chosen["max_confidence"]) == band and chosen["query"] == ""


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"since": "last week"}, "since must be a date"),
        ({"min_confidence": 0.9, "max_confidence": 0.2}, "swap them"),
        ({"status": "unlabelled", "label": "beta"}, "Unlabelled texts have no label"),
        ({"label": "omega"}, "Label: "),
    ],
)
def test_a_wrong_filter_is_refused_in_one_line(trained, given, message):
    with pytest.raises(gr.Error, match=message):
        browse.search(trained, fields(**given), 1, 20)


def test_a_bulk_batch_is_previewed_labelled_and_undone_as_one(trained):
    before = {name: labelled(trained, name) for name in ("beta", "gamma")}
    search = fields(query=SPORTS, status="unlabelled")
    expected = trained.search(query=SPORTS, status="unlabelled").total
    line, sample, previewed = browse.preview(trained, search, "gamma", "", False, "ana")
    assert line.startswith(f"Would label **{expected} texts** as **gamma**") and len(sample) == min(expected, 10)
    assert labelled(trained, "gamma") == before["gamma"], "a preview labels nothing"
    line, batch_id = browse.confirm(trained, previewed, "ana")
    assert line.startswith(f"Batch #{batch_id}: labelled {expected} texts as **gamma**")
    assert labelled(trained, "gamma", source="bulk") == expected == labelled(trained, "gamma") - before["gamma"]
    assert browse.batch_rows(trained.bulk_batches())[0][:4] == [batch_id, "gamma", "ana", expected]
    assert browse.undo(trained, batch_id).startswith(f"Undid batch #{batch_id}: its {expected} texts")
    assert {name: labelled(trained, name) for name in ("beta", "gamma")} == before
    assert labelled(trained, "gamma", source="bulk") == 0


def test_chosen_ids_relabel_only_when_asked(trained):
    seed = [row[0] for row in browse.search(trained, fields(label="beta"), 1, 3)[0]]
    typed = ", ".join(str(i) for i in seed)
    line, _sample, previewed = browse.preview(trained, fields(label="beta"), "gamma", typed, False, "ana")
    assert (
        previewed is None
        and line == f"Nothing to label as **gamma**; skips {len(seed)} already labelled (ask to relabel)."
    )
    line, _sample, previewed = browse.preview(trained, fields(label="beta"), "gamma", typed, True, "ana")
    assert previewed["ids"] == seed and line.startswith(f"Would label **{len(seed)} texts** as **gamma**")
    _line, batch_id = browse.confirm(trained, previewed, "ana")
    assert {h.example_id for h in trained.search(label="gamma", source="bulk").hits} == set(seed)
    browse.undo(trained, batch_id)
    assert {h.example_id for h in trained.search(label="beta", source="seed", per_page=200).hits} >= set(seed)


def test_a_confirm_needs_a_preview_of_the_selection_as_it_is(trained):
    with pytest.raises(gr.Error, match="Preview first"):
        browse.confirm(trained, None, "ana")
    _line, _sample, previewed = browse.preview(
        trained, fields(query=SPORTS, status="unlabelled"), "beta", "", False, "ana"
    )
    someone = trained.search(query=SPORTS, status="unlabelled").hits[0].example_id
    trained.label(someone, "beta", "bo", "correction")  # the selection shrinks after the preview
    with pytest.raises(gr.Error, match=f"not {previewed['expected']} as previewed"):
        browse.confirm(trained, previewed, "ana")
    assert labelled(trained, "beta", source="bulk") == 0, "nothing was labelled"


@pytest.mark.parametrize(
    ("label", "ids", "who", "message"),
    [
        (None, "", "ana", "Pick the label to give first"),
        ("beta", "3, x", "ana", "Example id must be a whole number"),
        ("omega", "", "ana", "omega"),
        ("beta", "", "", "enter your name"),
    ],
)
def test_a_wrong_bulk_request_is_refused_in_one_line(trained, label, ids, who, message):
    with pytest.raises(gr.Error, match=message):
        browse.preview(trained, fields(query=SPORTS), label, ids, False, who)


def test_an_undo_needs_a_batch_that_was_not_undone(trained):
    with pytest.raises(gr.Error, match="batch to undo"):
        browse.undo(trained, None)
    _line, _sample, previewed = browse.preview(trained, fields(query=SPORTS), "beta", "", False, "ana")
    _line, batch_id = browse.confirm(trained, previewed, "ana")
    browse.undo(trained, batch_id)
    with pytest.raises(gr.Error, match=f"Bulk batch {batch_id} was undone already"):
        browse.undo(trained, batch_id)


def test_more_like_this_works_by_words_without_embeddings(tmp_path):
    services = Services(settings_in(tmp_path, embeddings="none"), corpus=corpus_of(12))
    first = services.search(query=SPORTS).hits[0]
    rows, line = browse.more_like_this(services, first.example_id)
    assert rows and first.example_id not in [r[0] for r in rows] and line.startswith(f"{len(rows)} texts most like")
    assert rows[0][1] >= rows[-1][1], "most relevant first"
    assert browse.more_like_this(services, None)[1].startswith("Type an example id or a text")
    typed, said = browse.more_like_this(services, f"  {first.text}  ")
    assert typed and said.startswith(f"{len(typed)} texts most like the text")
    assert first.example_id not in [r[0] for r in typed], "a stored text is not like itself"
    missing = browse.more_like_this(services, 10**9)[1]
    assert missing.startswith("**No similar texts:**") and "not a pool or labelled text" in missing


def test_more_like_this_lists_the_nearest_texts(tmp_path, spec):  # noqa: F811
    services = Services(settings_in(tmp_path, embeddings=spec, scoring_processes=0), corpus=corpus_of(12))
    services.embed_texts()
    first = services.search(query=SPORTS).hits[0].example_id
    rows, line = browse.more_like_this(services, first)
    assert len(rows) == 10 and first not in [r[0] for r in rows] and line.startswith(f"10 texts most like item {first}")
    assert rows[0][1] >= rows[-1][1], "most similar first"


def test_a_cold_start_lists_the_labels_lacking_examples_and_searches_for_one(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=0), corpus=corpus_of(12))
    lacking = browse_lines.lacking_labels(services)
    assert set(lacking) == set(services.label_set.names) and all(n > 0 for n in lacking.values())
    visible, line, picker = browse_lines.seeding(services)
    assert visible["visible"] and picker["choices"] == list(lacking) and picker["value"] == "alpha"
    assert line.startswith("**No model yet.**") and all(f"{name} (" in line for name in lacking)
    rows, _line, _page = browse.search(services, {**fields(), "query": "alpha"}, 1, 20)  # what "Search for it" does
    assert rows == [], "the label's name is the query (the tiny corpus never says it)"


def test_with_a_model_no_label_lacks_examples(trained):
    visible, line, _picker = browse_lines.seeding(trained)
    assert browse_lines.lacking_labels(trained) == {} and not visible["visible"] and line == ""
    assert not any(part.get("visible") for part in seeding.refresh(trained, 2) if isinstance(part, dict))


def test_the_predict_and_queue_offers_point_to_browse_before_v1(tmp_path):
    services = Services(settings_in(tmp_path, seed_size=0), corpus=corpus_of(12))
    shown = seeding.refresh(services, 2)
    assert len(shown) == 6 and shown[0]["visible"] and shown[3]["visible"]
    assert "find its texts in the Browse tab" in shown[1] and "label them below" not in shown[1]
    assert shown[2]["choices"] == list(browse_lines.lacking_labels(services))


def test_a_seeding_search_from_another_tab_comes_before_the_browse_tab_was_filled(tmp_path):
    """The Label queue's offer opens Browse with a search: in a page whose Browse tab was never refreshed, the
    label picked is still a choice of Browse's own dropdown (a dropdown refuses a value outside its choices)."""
    import app

    services = Services(settings_in(tmp_path, seed_size=0, embeddings="none"), corpus=corpus_of(12))
    served = app.serve_in_background(app.build_demo(services), services.settings, services)
    try:
        # the label, per page, then the filters as the tab shows them: query, status, label, predicted, confidence
        # from and to, labelled by, source, since, until, order
        given = ("beta", 20, "", "any", "", "", 0, 1, "", "", "", "", "")
        client = Client(served.url, verbose=False)
        client.predict(api_name="/ui_seed_queue")  # the page shows the Label queue: its offer lists the labels
        shown = client.predict(*given, api_name="/ui_queue_seed_search")
    finally:
        served.close()
    picked, query, seeded, _rows, line, page = shown
    assert picked["value"] == query == seeded == "beta" and ["beta", "beta"] in picked["choices"]
    assert page == 1 and "results" in line


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """One app over a trained tiny store for the endpoint tests."""
    import app

    services = Services(settings_in(tmp_path_factory.mktemp("browse-api"), embeddings="none"), corpus=corpus_of(12))
    services.train()
    served = app.serve_in_background(app.build_demo(services), services.settings, services)
    yield served.url, services
    served.close()


def test_the_endpoints_search_and_label_in_bulk(app_url):
    url, services = app_url
    client = Client(url, verbose=False)
    found = client.predict(SPORTS, api_name="/search")
    assert found["total"] == services.search(query=SPORTS).total > 0 and found["order"] == "relevance"
    assert all(SPORTS in hit["text"] for hit in found["hits"])
    assert client.predict(query=SPORTS, labelled_by="dataset", api_name="/search")["total"] < found["total"]
    before = services.search(label="delta").total
    shown = client.predict("delta", "ana", query=SPORTS, status="unlabelled", api_name="/bulk_preview")
    assert shown["batch_id"] is None and shown["size"] > 0 and services.search(label="delta").total == before
    with pytest.raises(AppError, match="as previewed"):
        client.predict("delta", "ana", shown["size"] + 1, SPORTS, status="unlabelled", api_name="/bulk_label")
    batch = client.predict("delta", "ana", shown["size"], SPORTS, status="unlabelled", api_name="/bulk_label")
    assert batch["size"] == shown["size"] == services.search(label="delta", source="bulk").total
    assert client.predict(api_name="/bulk_batches")[0]["batch_id"] == batch["batch_id"]
    assert client.predict(batch["batch_id"], api_name="/undo_bulk")["undone_at"]
    assert services.search(label="delta", source="bulk").total == 0 and services.search(label="delta").total == before


@pytest.mark.parametrize(
    ("endpoint", "args", "kwargs", "message"),
    [
        ("/search", (), {"status": "bogus"}, "Status must be one of any, unlabelled, labelled"),
        ("/search", (), {"per_page": 0}, "per_page must be a whole number from 1 to 200"),
        ("/bulk_preview", ("beta", "ana"), {"label": "omega"}, "Label: "),
        ("/bulk_preview", ("beta", ""), {}, "enter your name"),
        ("/bulk_label", ("beta", "ana"), {"ids": []}, "ids must be a non-empty list"),
        ("/undo_bulk", (10**6,), {}, "No bulk batch 1000000"),
        ("/bulk_batches", (0,), {}, "Limit must be a whole number from 1 to 1000"),
    ],
)
def test_a_wrong_endpoint_call_is_refused_in_one_line(app_url, endpoint, args, kwargs, message):
    with pytest.raises(AppError, match=message):
        Client(app_url[0], verbose=False).predict(*args, api_name=endpoint, **kwargs)


def test_the_browse_tab_has_its_parts(tmp_path):
    import app

    services = Services(settings_in(tmp_path, embeddings="none"), corpus=corpus_of(12))
    ids = {block.elem_id for block in app.build_demo(services).blocks.values()}
    wanted = {"browse-query", "browse-search", "browse-results", "browse-status", "browse-bulk-label"}
    wanted |= {"browse-bulk-preview", "browse-bulk-confirm", "browse-undo", "browse-more-like-this"}
    assert wanted <= ids
