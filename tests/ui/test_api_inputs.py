"""Every API argument is validated at the edge: a wrong type or range is a one-line error and changes nothing."""

from __future__ import annotations

import json

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import corpus_of, settings_in

ID_RULE = "Example id must be a whole number from 1 to 9223372036854775807"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """One app (tiny corpus, v1 trained) for the whole module; closed afterwards."""
    import app
    from hloop.services import Services

    services = Services(settings_in(tmp_path_factory.mktemp("api-inputs")), corpus=corpus_of(30))
    services.train()
    served = app.serve_in_background(app.build_demo(services), services.settings)
    yield served.url
    served.close()


@pytest.fixture(scope="module")
def app_client(app_url):
    return Client(app_url, verbose=False)


def raw_call(url: str, api_name: str, args: tuple) -> str:
    """Call an endpoint with ASCII-escaped JSON, as any HTTP client may (gradio_client cannot send surrogates)."""
    base = f"{url.rstrip('/')}/gradio_api/call{api_name}"
    posted = httpx.post(base, content=json.dumps({"data": list(args)}), headers={"content-type": "application/json"})
    return httpx.get(f"{base}/{posted.json()['event_id']}", timeout=60).text


BAD_CALLS = [
    ("/submit_label", (1.7, "alpha", "ana"), ID_RULE + "; got 1.7"),
    ("/submit_label", (2**64, "alpha", "ana"), ID_RULE),
    ("/submit_label", ("abc", "alpha", "ana"), "got 'abc'"),
    ("/submit_label", (None, "alpha", "ana"), "got None"),
    ("/submit_label", (True, "alpha", "ana"), "got True"),
    ("/submit_label", (-1, "alpha", "ana"), ID_RULE),
    ("/label", (1.7, "alpha", "ana"), ID_RULE),
    ("/label", (2**63, "alpha", "ana"), ID_RULE),
    ("/label", ("1; drop table", "alpha", "ana"), ID_RULE),
    ("/label", (1, None, "ana"), "Label must be a label name or index"),
    ("/label", (1, "alpha", 42), "Annotator name must be a string"),
    ("/skip", (0.5, "ana"), ID_RULE),
    ("/history", ("ten",), "Limit must be a whole number from 1 to 1000"),
    ("/history", (0,), "Limit"),
    ("/history", (5000,), "Limit"),
    ("/metrics", ("latest",), "Version must be a whole number"),
    ("/metrics", (1.5,), "Version"),
    ("/rollback", (-1,), "Version"),
    ("/rollback", (None,), "Version"),
    ("/retrain", ("heavy",), "Feedback weight must be a number from 0.001 to 100"),
    ("/retrain", (0,), "Feedback weight"),
    ("/retrain", (1000,), "Feedback weight"),
    ("/predict", (None,), "Text must be a string"),
    ("/predict", (12345,), "Text must be a string"),
    ("/explain", ([],), "Text must be a string"),
    ("/feedback", ({"text": 1}, "alpha", "ana"), "Text must be a string"),
    ("/feedback", ("a fine text", "alpha", ["ana"]), "Annotator name"),
    ("/next_item", ("ana", 3), "Strategy must be a string"),
    ("/undo", (None,), "Annotator name must be"),
]


@pytest.mark.parametrize(("api_name", "args", "message"), BAD_CALLS)
def test_bad_arguments_are_one_line_errors_and_store_nothing(app_client, api_name, args, message):
    with pytest.raises(AppError) as caught:
        app_client.predict(*args, api_name=api_name)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert app_client.predict(api_name="/counters")["labels_total"] == 0
    assert app_client.predict(api_name="/model_version")["versions"] == [1]


@pytest.mark.parametrize(
    ("api_name", "args"),
    [
        ("/predict", ("markets \ud800 rally",)),
        ("/explain", ("\udfff",)),
        ("/feedback", ("shares \ud83d profit", "gamma", "ana")),
        ("/feedback", ("shares profit", "gamma", "ana\udc80")),
        ("/label", (1, "alpha\ud800", "ana")),
    ],
)
def test_lone_surrogates_are_refused(app_url, app_client, api_name, args):
    events = raw_call(app_url, api_name, args)
    assert "event: error" in events and "contains an invalid character (lone surrogate U+" in events
    assert app_client.predict(api_name="/counters")["labels_total"] == 0


def test_a_numeric_string_id_is_accepted_and_a_float_never_labels_example_1(app_client):
    item = app_client.predict("ana", api_name="/next_item")
    with pytest.raises(AppError, match=ID_RULE):
        app_client.predict(item["example_id"] + 0.7, "alpha", "ana", api_name="/submit_label")
    saved = app_client.predict(str(item["example_id"]), "alpha", "ana", api_name="/submit_label")
    assert saved["example_id"] == item["example_id"]
    app_client.predict("ana", api_name="/undo")
    assert app_client.predict(api_name="/counters")["labels_total"] == 0
