"""Repeated failed logins are refused for a growing time, per user and per client address, in the UI and REST."""

from __future__ import annotations

import httpx
import pytest

from hloop.core import events
from hloop.ui.auth import KNOWN_GOOD_SECONDS, Login, LoginBrake, LoginRefused


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
    brake.failed("ben", "10.0.0.2")
    for n in range(4):
        brake.failed(f"user{n}", f"10.0.1.{n}")
    assert brake.retry_after("ana", "10.0.0.1") == 10.0  # a lockout is never dropped to make room...
    brake.failed("ben", "10.0.0.2")
    assert brake.retry_after("ben", "10.0.0.2") == 0  # ...the oldest counts below the threshold are: ben's first


def test_a_flood_of_junk_failures_never_resets_a_lockout(clock):
    """The issue's attack: 5,200 failures with junk user names from rotating addresses against a 10,000 table."""
    brake = LoginBrake(5, 30.0, clock=clock)
    for _ in range(12):  # ana's lockout at its cap: an hour
        brake.failed("ana", "10.0.0.1")
        clock.now += 1
    assert brake.retry_after("ana", "10.9.9.9") > 3500
    for n in range(5200):
        brake.failed(f"junk{n}", f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
    assert brake.retry_after("ana", "10.9.9.9") > 3500
    clock.now += 3601
    brake.failed("ana", "10.0.0.2")  # the count was kept: one more failure is another hour
    assert brake.retry_after("ana", "10.9.9.9") == 3600


def test_a_table_full_of_lockouts_refuses_strangers_and_lets_known_clients_in(clock):
    login = Login([("ana", "secret1"), ("ben", "secret2")], LoginBrake(2, 10.0, max_entries=4, clock=clock))
    assert login.verify("ana", "secret1", "10.0.0.1") is True  # known-good from here
    for n in range(2):  # two users and two addresses locked: the table is full of lockouts
        for _ in range(2):
            assert login.verify(f"mallory{n}", "guess", f"10.6.6.{n}") is False
    with pytest.raises(LoginRefused, match="known clients can still log in") as refused:
        login.verify("ben", "secret2", "10.0.0.2")  # no room to count a stranger's failure: refused, not unbraked
    assert refused.value.retry_after >= 1
    with pytest.raises(LoginRefused):
        login.verify("mallory0", "guess", "10.6.6.0")  # and nobody was unlocked
    assert login.verify("ana", "secret1", "10.0.0.1") is True
    clock.now += 10 + 901  # forgotten 15 minutes after the lockouts end: room again
    assert login.verify("ben", "secret2", "10.0.0.2") is True


def test_a_known_good_address_gets_in_while_the_user_is_locked_from_elsewhere(clock):
    login = Login([("ana", "secret1")], LoginBrake(3, 10.0, clock=clock))
    assert login.verify("ana", "secret1", "10.0.0.1") is True
    for _ in range(15):  # an attacker guesses whenever the lockout ends: it reaches its cap, an hour, and stays
        clock.now += login.brake.retry_after("ana", "10.6.6.6") + 0.5
        assert login.verify("ana", "guess", "10.6.6.6") is False
    assert login.brake.retry_after("ana", "10.6.6.6") == 3600
    with pytest.raises(LoginRefused):
        login.verify("ana", "secret1", "10.0.0.9")  # a stranger's address is refused, right password or not
    assert login.verify("ana", "secret1", "10.0.0.1") is True  # ana's own address still gets in

    for _ in range(3):  # guesses from the known-good address lock only that address for ana
        assert login.verify("ana", "guess", "10.0.0.1") is False
    with pytest.raises(LoginRefused) as refused:
        login.verify("ana", "secret1", "10.0.0.1")
    assert refused.value.retry_after == 10.0
    clock.now += 10.5
    assert login.verify("ana", "secret1", "10.0.0.1") is True
    clock.now += KNOWN_GOOD_SECONDS + 1  # known-good for a while only
    for _ in range(3):
        assert login.verify("ana", "guess", "10.6.6.6") is False
    with pytest.raises(LoginRefused):
        login.verify("ana", "secret1", "10.0.0.1")  # no longer known-good: the user's lockout applies again


def test_unknown_users_never_log_in(clock):
    login = Login([("ana", "secret1")], LoginBrake(5, 10.0, clock=clock))
    assert login.verify("nobody", "secret1", "10.0.0.1") is False
    assert login.verify("ana", "", "10.0.0.1") is False


def _from(address: str, url: str) -> httpx.Client:
    """An HTTP client whose requests come from ``address`` (any 127.x address reaches the local server)."""
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _ui_login(http: httpx.Client, user: str, password: str) -> httpx.Response:
    return http.post("/login", data={"username": user, "password": password})


def test_ui_login_and_rest_share_the_brake(launch, trained, settings, clock):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained, brake=LoginBrake(3, 60.0, clock=clock))
    seen: list[events.Event] = []
    stop = events.subscribe(seen.append)
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

    stop()
    refusals = [e.to_dict() for e in seen if e.name == "login.refused"]
    failures = [e for e in refusals if e["reason"] == "bad_credentials"]
    assert len(failures) == 3 and all(e["user"] == "ana" and e["address"] == "127.0.0.1" for e in failures)
    assert [e["reason"] for e in refusals[3:]] == ["locked_out"] * 3  # the UI login, then both API calls
    assert [(e.user, e.fields["retry_after_seconds"]) for e in seen if e.name == "login.locked_out"] == [("ana", 60)]
    assert not any("guess" in str(e.to_dict()) or "secret" in str(e.to_dict()) for e in seen)


def test_rest_failures_lock_the_ui_login_too(launch, trained, settings, clock):
    settings.auth = "ana:secret1,ben:secret2"
    url = launch(trained, brake=LoginBrake(3, 60.0, clock=clock))
    with _from("127.0.0.3", url) as http, _from("127.0.0.4", url) as other:
        statuses = [http.post("/api/predict", json={"text": "x"}, auth=("ben", "nope")).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert _ui_login(other, "ben", "secret2").status_code == 429  # ben is locked from any address
        assert _ui_login(other, "ana", "secret1").status_code == 200


def test_a_session_and_a_known_address_keep_working_while_the_user_is_locked(launch, trained, settings, clock):
    settings.auth = "ana:secret1"
    url = launch(trained, brake=LoginBrake(3, 60.0, clock=clock))
    with _from("127.0.0.5", url) as ana, _from("127.0.0.6", url) as mallory, _from("127.0.0.7", url) as stranger:
        assert _ui_login(ana, "ana", "secret1").status_code == 200  # a session cookie, from a now known address
        guesses = [mallory.get("/api/model/version", auth=("ana", f"guess{n}")).status_code for n in range(4)]
        assert guesses == [401, 401, 401, 429]
        assert stranger.get("/api/model/version", auth=("ana", "secret1")).status_code == 429
        assert _ui_login(stranger, "ana", "secret1").status_code == 429

        assert ana.get("/config").status_code == 200  # the UI session goes on
        assert ana.get("/api/model/version", auth=("ana", "secret1")).status_code == 200  # REST from ana's address
        with _from("127.0.0.5", url) as ana_again:  # a new session from ana's address logs in too
            assert ana_again.get("/config").status_code == 401
            assert _ui_login(ana_again, "ana", "secret1").status_code == 200
