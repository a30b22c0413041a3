"""HLOOP_AUTH turns on login, and the logged-in user is the annotator whatever name a call passes."""

from __future__ import annotations

import pytest
from gradio_client import Client

import app


def test_auth_pairs_parse_and_reject_malformed_entries():
    assert app.auth_pairs("") is None
    assert app.auth_pairs("ana:pw1, ben:p:w2") == [("ana", "pw1"), ("ben", "p:w2")]
    with pytest.raises(SystemExit, match="'ana' is not user:password; write HLOOP_AUTH as user:password,"):
        app.auth_pairs("ana")
    with pytest.raises(SystemExit, match="empty user name"):
        app.auth_pairs(":pw")


def test_login_required_and_user_is_the_annotator(launch, trained, settings):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained)
    with pytest.raises(Exception, match="(?i)login|auth|401|403"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match="(?i)login|auth|401|403|incorrect"):
        Client(url, auth=("ana", "wrong"), verbose=False)

    client = Client(url, auth=("ben", "secret2"), verbose=False)
    saved = client.predict("a new text about the league", "beta", "mallory", api_name="/feedback")
    assert saved["annotator"] == "ben"
    item = client.predict("mallory", api_name="/next_item")
    labelled = client.predict(item["example_id"], "alpha", "", api_name="/submit_label")
    assert labelled["annotator"] == "ben"
    assert {e.annotator for e in trained.history()} == {"ben"}
