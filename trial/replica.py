"""An optional read replica (DATABASE_REPLICA_URL) for pages that only read: the dashboards.

Reads go to the primary unless a view asked for the replica (`@replica_reads`), and even then
a read goes to the primary when it may have to see a write of the same user: the request
itself writes (not GET/HEAD), the user wrote in the last REPLICA_PIN_SECONDS (a cookie set by
ReplicaPinningMiddleware after every write, on every node), or the read is inside a
transaction on the primary. A replica lags the primary by up to a few seconds: a user who saves
a form and opens a dashboard sees what they saved.

Exports stay on the primary: a worker cannot tell how far the replica lags behind the
request that queued the export.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "ecrf_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)
_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


def pinned_to_primary(*, method: str, pinned_until: float | None, now: float) -> bool:
    """Whether a request must read from the primary to see its user's own writes.

    `pinned_until` is the time (seconds since the epoch) the user's last write pins them to
    the primary, or None; the pin is over at exactly that time.
    """
    if method.upper() not in SAFE_METHODS:
        return True
    return pinned_until is not None and now < pinned_until


def read_database(*, replica_configured: bool, allowed: bool, pinned: bool, in_transaction: bool):
    """The alias a read goes to: the replica only when configured, asked for, not pinned, and
    outside any transaction on the primary (which may hold uncommitted writes)."""
    if replica_configured and allowed and not pinned and not in_transaction:
        return REPLICA
    return PRIMARY


def parse_pin(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def replica_reads(view):
    """Let the view's reads go to the replica (the router still decides, read by read)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _replica_allowed.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _replica_allowed.reset(token)

    wrapped.reads_replica = True
    return wrapped


class ReplicaRouter:
    """Writes and migrations on the primary; reads as `read_database` says."""

    def db_for_read(self, model, **hints):
        from django.conf import settings
        from django.db import connections

        return read_database(
            replica_configured=REPLICA in settings.DATABASES,
            allowed=_replica_allowed.get(),
            pinned=_pinned.get(),
            in_transaction=connections[PRIMARY].in_atomic_block,
        )

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaPinningMiddleware:
    """Pins a user to the primary for REPLICA_PIN_SECONDS after each request that writes,
    with a cookie, so that whichever node serves the next request honours the pin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings

        now = time.time()
        pinned = pinned_to_primary(
            method=request.method,
            pinned_until=parse_pin(request.COOKIES.get(PIN_COOKIE)),
            now=now,
        )
        token = _pinned.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if request.method.upper() not in SAFE_METHODS and REPLICA in settings.DATABASES:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{now + seconds:.3f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
