"""The event seam: subscribers get every event with the request id of the request being served; a failing
subscriber never fails the action that emitted."""

from __future__ import annotations

import threading

from hloop.core import events


def test_a_subscriber_gets_each_event_with_its_fields_until_it_stops():
    seen = []
    stop = events.subscribe(seen.append)
    try:
        events.emit("label.saved", user="ana", model_version=2, ids=[7], texts=["secret"], source="human")
    finally:
        stop()
    events.emit("label.saved", user="bo")
    assert [e.name for e in seen] == ["label.saved"]
    shown = seen[0].to_dict()
    assert shown["user"] == "ana" and shown["model_version"] == 2 and shown["ids"] == [7] and shown["source"] == "human"
    assert shown["time"].endswith("Z") and "secret" not in str(shown) and seen[0].texts == ("secret",)


def test_events_carry_the_request_id_of_their_scope_only():
    seen = []
    stop = events.subscribe(seen.append)
    try:
        with events.request_scope("abc123") as rid:
            events.emit("predict.done")
            inner = threading.Thread(target=events.emit, args=("other.thread",))  # a new thread: no request
            inner.start()
            inner.join()
        events.emit("outside")
    finally:
        stop()
    assert rid == "abc123"
    assert [(e.name, e.request_id) for e in seen] == [
        ("predict.done", "abc123"),
        ("other.thread", None),
        ("outside", None),
    ]


def test_a_failing_subscriber_is_reported_and_skipped(capsys):
    seen = []

    def broken(event):
        raise RuntimeError("disk full")

    stops = [events.subscribe(broken), events.subscribe(seen.append)]
    try:
        events.emit("one")
        events.emit("two")
    finally:
        for stop in stops:
            stop()
    assert [e.name for e in seen] == ["one", "two"]
    assert capsys.readouterr().err.count("disk full") == 1


def test_a_method_subscribed_while_alive_does_not_keep_its_object():
    import gc
    import weakref

    class Counter:
        def __init__(self):
            self.seen = []

        def count(self, event):
            self.seen.append(event.name)

    counter = Counter()
    stop = events.subscribe_while_alive(counter.count)
    events.emit("one")
    assert counter.seen == ["one"]
    gone = weakref.ref(counter)
    del counter
    gc.collect()
    assert gone() is None  # the subscription held no strong reference
    events.emit("two")  # and its listener is gone with it (no error, nothing called)
    stop()  # stopping again is harmless
