"""Repeated failed logins are refused for a growing time, per user and per client address, in the UI and REST."""

from __future__ import annotations

import logging

import httpx
import pytest

from hloop.ui.auth import Login, LoginBrake, LoginRefused


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_failures_lock_the_user_and_the_address_and_the_lockout_grows(clock):
    login = Login([("ana", "secret1"), ("ben", "secret2")], LoginBrake(3, 10.0, clock=clock))
    for _ in range(3):
        assert login.verify("ana", "wrong", "10.0.0.1") is False
    with pytest.raises(LoginRefused) as refused:
        login.verify("ana", "secret1", "10.0.0.9")  # the user is locked, whatever the address
    assert refused.value.retry_after == 10.0
    with pytest.raises(LoginRefused):
        login.verify("ben", "secret2", "10.0.0.1")  # the address is locked, whatever the user
    assert login.verify("ben", "secret2", "10.0.0.2") is True

    clock.now += 10.5
    assert login.verify("ana", "wrong", "10.0.0.3") is False  # a 4th failure doubles the lockout
    with pytest.raises(LoginRefused) as refused:
        login.verify("ana", "secret1", "10.0.0.4")
    assert refused.value.retry_after == 20.0
    clock.now += 20.5
    assert login.verify("ana", "secret1", "10.0.0.4") is True
    assert login.verify("ana", "wrong", "10.0.0.4") is False  # success cleared ana's count: no lockout
    assert login.verify("ana", "secret1", "10.0.0.4") is True


def test_failures_are_forgotten_and_the_table_is_bounded(clock):
    brake = LoginBrake(2, 10.0, forget_after=60.0, max_entries=4, clock=clock)
    brake.failed("ana", "10.0.0.1")
    clock.now += 61
    brake.failed("ana", "10.0.0.1")
    assert brake.retry_after("ana", "10.0.0.1") == 0  # the first failure was forgotten
    brake.failed("ana", "10.0.0.1")
    assert brake.retry_after("ana", "10.0.0.1") == 10.0
    for n in range(4):
        brake.failed(f"user{n}", f"10.0.1.{n}")
    assert brake.retry_after("ana", "10.0.0.1") == 0  # the oldest entries were dropped to keep 4


def test_unknown_users_never_log_in(clock):
    login = Login([("ana", "secret1")], LoginBrake(5, 10.0, clock=clock))
    assert login.verify("nobody", "secret1", "10.0.0.1") is False
    assert login.verify("ana", "", "10.0.0.1") is False


def _from(address: str, url: str) -> httpx.Client:
    """An HTTP client whose requests come from ``address`` (any 127.x address reaches the local server)."""
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _ui_login(http: httpx.Client, user: str, password: str) -> httpx.Response:
    return http.post("/login", data={"username": user, "password": password})


def test_ui_login_and_rest_share_the_brake(launch, trained, settings, clock, caplog):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained, brake=LoginBrake(3, 60.0, clock=clock))
    caplog.set_level(logging.WARNING, logger="hloop.auth")
    with _from("127.0.0.1", url) as mallory, _from("127.0.0.2", url) as ben:
        assert [_ui_login(mallory, "ana", f"guess{n}").status_code for n in range(3)] == [400, 400, 400]
        refused = _ui_login(mallory, "ana", "secret1")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 60
        assert mallory.get("/api/model/version", auth=("ana", "secret1")).status_code == 429
        assert mallory.get("/api/model/version", auth=("ben", "secret2")).status_code == 429  # same address

        assert _ui_login(ben, "ben", "secret2").status_code == 200  # another user from another address
        assert ben.get("/api/model/version", auth=("ben", "secret2")).status_code == 200

        clock.now += 61
        assert _ui_login(mallory, "ana", "secret1").status_code == 200
        assert mallory.get("/api/model/version", auth=("ana", "secret1")).status_code == 200

    failures = [r.getMessage() for r in caplog.records if "login failed" in r.getMessage()]
    assert len(failures) == 3 and all("'ana'" in m and "127.0.0.1" in m for m in failures)
    assert not any("guess" in r.getMessage() or "secret" in r.getMessage() for r in caplog.records)


def test_rest_failures_lock_the_ui_login_too(launch, trained, settings, clock):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained, brake=LoginBrake(3, 60.0, clock=clock))
    with _from("127.0.0.3", url) as http, _from("127.0.0.4", url) as other:
        statuses = [http.post("/api/predict", json={"text": "x"}, auth=("ben", "nope")).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert _ui_login(other, "ben", "secret2").status_code == 429  # ben is locked from any address
        assert _ui_login(other, "ana", "secret1").status_code == 200
