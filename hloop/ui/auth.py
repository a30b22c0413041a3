"""Login with a brake: repeated failures per user and per client address are refused for a growing time.

One ``Login`` checks every password, for the UI's login form and the REST API alike. Gradio calls
``Login.gradio_auth(user, password)`` without the client address, so ``ClientAddressMiddleware`` puts it in a
context variable for the request.
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from fastapi import HTTPException, status

log = logging.getLogger("hloop.auth")
CLIENT_ADDRESS: ContextVar[str] = ContextVar("hloop_client_address", default="unknown")
MAX_LOCKOUT_SECONDS = 3600.0


@dataclass
class _Record:
    """Failures of one user or one address since it was last forgotten."""

    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class LoginRefused(Exception):
    """Too many failed logins for this user or address; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Too many failed logins; try again in {math.ceil(retry_after)} s.")
        self.retry_after = retry_after


class LoginBrake:
    """Counts failed logins per user and per address in a bounded in-memory table; thread-safe.

    After ``max_failures`` failures a key is refused for ``lockout_seconds``, doubling with every further
    failure (up to an hour). A key with no failure for ``forget_after`` seconds (and no lockout) is forgotten;
    beyond ``max_entries`` keys the least recently failed ones are dropped.
    """

    def __init__(
        self,
        max_failures: int = 5,
        lockout_seconds: float = 30.0,
        *,
        forget_after: float = 900.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.lockout_seconds = max_failures, lockout_seconds
        self.forget_after, self.max_entries, self.clock = forget_after, max_entries, clock
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()
        self._lock = threading.Lock()

    def _live(self, key: tuple[str, str], now: float) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now >= record.locked_until and now - record.last_failure > self.forget_after:
            del self._records[key]
            return None
        return record

    def retry_after(self, user: str, address: str) -> float:
        """Seconds until ``user`` from ``address`` may try again; 0 when a login may be tried now."""
        now = self.clock()
        with self._lock:
            records = (self._live(("user", user), now), self._live(("address", address), now))
            return max([r.locked_until - now for r in records if r is not None] + [0.0])

    def failed(self, user: str, address: str) -> None:
        """Count a failed login against the user and the address."""
        now = self.clock()
        with self._lock:
            for key in (("user", user), ("address", address)):
                record = self._live(key, now) or _Record()
                record.failures += 1
                record.last_failure = now
                extra = record.failures - self.max_failures
                if extra >= 0:
                    record.locked_until = now + min(self.lockout_seconds * 2**extra, MAX_LOCKOUT_SECONDS)
                self._records[key] = record
                self._records.move_to_end(key)
            while len(self._records) > self.max_entries:
                self._records.popitem(last=False)

    def succeeded(self, user: str) -> None:
        """A successful login clears the user's failures (not the address's)."""
        with self._lock:
            self._records.pop(("user", user), None)


class Login:
    """The users of HLOOP_AUTH and the brake in front of their passwords."""

    def __init__(self, users: list[tuple[str, str]], brake: LoginBrake) -> None:
        self._passwords = {user: password.encode() for user, password in users}
        self.brake = brake

    def verify(self, user: str, password: str, address: str) -> bool:
        """True when the password is right; raises LoginRefused while the user or the address is locked out."""
        wait = self.brake.retry_after(user, address)
        if wait > 0:
            log.warning("login refused for user %r from %s: locked out for %.0f s more", user, address, wait)
            raise LoginRefused(wait)
        # compare against a dummy for unknown users so the answer takes as long
        expected = self._passwords.get(user, b"\0" * 32)
        if hmac.compare_digest(password.encode(), expected) and user in self._passwords:
            self.brake.succeeded(user)
            return True
        self.brake.failed(user, address)
        log.warning("login failed for user %r from %s", user, address)
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
