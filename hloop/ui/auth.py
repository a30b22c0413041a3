"""Login with a brake: repeated failures per user and per client address are refused for a growing time.

One ``Login`` checks every password, for the UI's login form and the REST API alike. Gradio calls
``Login.gradio_auth(user, password)`` without the client address, so ``ClientAddressMiddleware`` puts it in a
context variable for the request. Every refusal is a ``login.refused`` event (``reason``: bad_credentials,
locked_out, saturated) and a failure that locks a user or an address out a ``login.locked_out`` one; never with
the password.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from fastapi import HTTPException, status

from hloop.core import events

CLIENT_ADDRESS: ContextVar[str] = ContextVar("hloop_client_address", default="unknown")
MAX_LOCKOUT_SECONDS = 3600.0
KNOWN_GOOD_SECONDS = 30 * 86400.0  # an address that logged in as a user stays known-good for 30 days
SATURATED = "Too many failed logins from many places at once; known clients can still log in"


@dataclass(slots=True)
class _Record:
    """Failures of one user, one address or one known-good (user, address) pair since it was last forgotten."""

    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


@dataclass(slots=True)
class _KnownGood:
    """A (user, address) pair that logged in: when it last did, and its own failures since."""

    last_success: float
    record: _Record = field(default_factory=_Record)


class LoginRefused(Exception):
    """Too many failed logins for this user or address; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, message: str = "Too many failed logins") -> None:
        super().__init__(f"{message}; try again in {math.ceil(retry_after)} s.")
        self.retry_after = retry_after


class LoginBrake:
    """Counts failed logins in bounded in-memory tables; thread-safe.

    After ``max_failures`` failures a key is refused for ``lockout_seconds``, doubling with every further
    failure (up to an hour). A stranger's failures count per user and per address; a lock on either refuses
    strangers. A known-good client, an address that logged in as that user in the last ``known_good_seconds``,
    is judged only by its own failures as that user, so guesses from elsewhere never lock it out. A key is
    forgotten ``forget_after`` seconds after its last failure or the end of its lockout, whichever is later.
    Beyond ``max_entries`` keys the least recently failed key *below* the threshold is dropped; keys at or past
    it are kept until forgotten, so a flood cannot erase a lockout. When the table holds nothing but those, the
    brake is saturated: strangers without a record are refused until one is forgotten (known-good clients still
    get in).
    """

    def __init__(
        self,
        max_failures: int = 5,
        lockout_seconds: float = 30.0,
        *,
        forget_after: float = 900.0,
        max_entries: int = 10_000,
        known_good_seconds: float = KNOWN_GOOD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.lockout_seconds = max_failures, lockout_seconds
        self.forget_after, self.max_entries, self.clock = forget_after, max_entries, clock
        self.known_good_seconds = known_good_seconds
        self._counting: OrderedDict[tuple[str, str], _Record] = OrderedDict()  # below the threshold, oldest first
        self._braked: dict[tuple[str, str], _Record] = {}  # at or past it: never evicted, only forgotten
        self._known: OrderedDict[tuple[str, str], _KnownGood] = OrderedDict()  # oldest success first
        self._next_forget = 0.0  # no braked key can be forgotten before this time
        self._lock = threading.Lock()

    def _forgettable(self, record: _Record, now: float) -> bool:
        return now > self._forget_time(record)

    def _live(self, key: tuple[str, str], now: float) -> _Record | None:
        record = self._counting.get(key) or self._braked.get(key)
        if record is not None and self._forgettable(record, now):
            self._counting.pop(key, None)
            self._braked.pop(key, None)
            return None
        return record

    def _known_good(self, user: str, address: str, now: float) -> _KnownGood | None:
        known = self._known.get((user, address))
        if known is not None and now - known.last_success > self.known_good_seconds:
            del self._known[(user, address)]
            return None
        if known is not None and self._forgettable(known.record, now):
            known.record = _Record()
        return known

    def _full(self, now: float) -> bool:
        """Whether a new key has no room: the table is full, none below the threshold, none forgettable."""
        if len(self._counting) + len(self._braked) < self.max_entries or self._counting:
            return False
        if now >= self._next_forget:  # one scan, then none until the earliest braked key can be forgotten
            for key in [k for k, r in self._braked.items() if self._forgettable(r, now)]:
                del self._braked[key]
            self._next_forget = min((self._forget_time(r) for r in self._braked.values()), default=now)
        return len(self._braked) >= self.max_entries

    def _forget_time(self, record: _Record) -> float:
        return max(record.locked_until, record.last_failure) + self.forget_after

    def _lock_out(self, record: _Record, now: float) -> None:
        record.failures += 1
        record.last_failure = now
        extra = record.failures - self.max_failures
        if extra >= 0:
            record.locked_until = now + min(self.lockout_seconds * 2**extra, MAX_LOCKOUT_SECONDS)

    def retry_after(self, user: str, address: str) -> float:
        """Seconds until ``user`` from ``address`` may try again; 0 when a login may be tried now."""
        now = self.clock()
        with self._lock:
            known = self._known_good(user, address, now)
            if known is not None:
                return max(known.record.locked_until - now, 0.0)
            records = [self._live(("user", user), now), self._live(("address", address), now)]
            wait = max([r.locked_until - now for r in records if r is not None] + [0.0])
            if wait == 0 and None in records and self._full(now):
                raise LoginRefused(max(self._next_forget - now, 1.0), SATURATED)
            return wait

    def failed(self, user: str, address: str) -> None:
        """Count a failed login: against the pair for a known-good client, else against the user and the address."""
        now = self.clock()
        with self._lock:
            known = self._known_good(user, address, now)
            if known is not None:
                self._lock_out(known.record, now)
                return
            for key in (("user", user), ("address", address)):
                record = self._live(key, now)
                if record is None:
                    if self._full(now):
                        continue  # saturated: retry_after refuses strangers without a record meanwhile
                    if len(self._counting) + len(self._braked) >= self.max_entries:
                        self._counting.popitem(last=False)
                    record = self._counting[key] = _Record()
                self._lock_out(record, now)
                if key in self._counting:
                    self._counting.move_to_end(key)
                    if record.failures >= self.max_failures:
                        self._braked[key] = self._counting.pop(key)
                        self._next_forget = min(self._next_forget, self._forget_time(record))

    def succeeded(self, user: str, address: str) -> None:
        """A successful login makes (user, address) known-good and clears its failures, and the user's count below
        the threshold; a lockout earned by failures from elsewhere stays (it no longer concerns this client)."""
        now = self.clock()
        with self._lock:
            self._known.pop((user, address), None)
            self._known[(user, address)] = _KnownGood(now)
            while len(self._known) > self.max_entries:
                self._known.popitem(last=False)
            self._counting.pop(("user", user), None)


class Login:
    """The users of HLOOP_AUTH and the brake in front of their passwords."""

    def __init__(self, users: list[tuple[str, str]], brake: LoginBrake) -> None:
        self._passwords = {user: password.encode() for user, password in users}
        self.brake = brake

    def verify(self, user: str, password: str, address: str) -> bool:
        """True when the password is right; raises LoginRefused while the user or the address is locked out."""
        try:
            wait = self.brake.retry_after(user, address)
        except LoginRefused as exc:
            events.emit("login.refused", user=user, reason="saturated", address=address,
                        retry_after_seconds=math.ceil(exc.retry_after))  # fmt: skip
            raise
        if wait > 0:
            events.emit("login.refused", user=user, reason="locked_out", address=address,
                        retry_after_seconds=math.ceil(wait))  # fmt: skip
            raise LoginRefused(wait)
        # compare against a dummy for unknown users so the answer takes as long
        expected = self._passwords.get(user, b"\0" * 32)
        if hmac.compare_digest(password.encode(), expected) and user in self._passwords:
            self.brake.succeeded(user, address)
            return True
        self.brake.failed(user, address)
        events.emit("login.refused", user=user, reason="bad_credentials", address=address)  # never the password
        try:
            locked = self.brake.retry_after(user, address)
        except LoginRefused as exc:
            locked = exc.retry_after
        if locked > 0:  # this failure locked the user or the address out
            events.emit("login.locked_out", user=user, address=address, retry_after_seconds=math.ceil(locked))
        return False

    def gradio_auth(self, user: str, password: str) -> bool:
        """Gradio's ``auth`` callable: the address comes from ClientAddressMiddleware; locked out is HTTP 429."""
        try:
            return self.verify(user, password, CLIENT_ADDRESS.get())
        except LoginRefused as exc:
            raise too_many(exc) from exc


def too_many(exc: LoginRefused) -> HTTPException:
    """HTTP 429 with Retry-After for a refused login."""
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": str(math.ceil(exc.retry_after))}
    )


class ClientAddressMiddleware:
    """ASGI middleware: the client's address is in CLIENT_ADDRESS while a request is served."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Set the address for HTTP requests, then pass the request on."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = CLIENT_ADDRESS.set(client[0] if client else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)
