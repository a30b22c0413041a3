"""The logging-cost benchmark's own check of the log it wrote: every line JSON, no predicted text in it."""

import json

import pytest

from tests.conftest import load_benchmark

TEXT = "Stocks rallied after the central bank held its rate"


def _log(tmp_path, *lines: str):
    path = tmp_path / "app.log"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_clean_log_is_counted_by_event(tmp_path, monkeypatch):
    check = load_benchmark(monkeypatch, "bench_observe").check_log
    lines = [json.dumps({"event": "predict.done", "text_sha256": "ab"}), json.dumps({"event": "http.request"})]
    assert check(_log(tmp_path, *lines, lines[0]), [TEXT]) == {
        "lines": 3, "by_name": {"predict.done": 2, "http.request": 1},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("line", "message"),
    [("INFO uvicorn started", "log line 2 is not JSON"), (json.dumps({"event": "x", "t": TEXT}), "predicted texts")],
)
def test_a_plain_line_or_a_leaked_text_stops_the_benchmark(line, message, tmp_path, monkeypatch):
    check = load_benchmark(monkeypatch, "bench_observe").check_log
    with pytest.raises(SystemExit, match=message):
        check(_log(tmp_path, json.dumps({"event": "app.started"}), line), [TEXT])
