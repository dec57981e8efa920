"""Transactions that survive contention: a service whose transaction loses a deadlock or a
serialisation check, or finds SQLite's write lock taken past its timeout, runs again from the start.

    @retrying_atomic
    def inspection_submit(*, actor, inspection, ...):
        inspection = lock(...)         # re-read under the lock: a retry starts from the database
        ...

Only the outermost transaction is retried: a service called inside another one (a test's
transaction, or a service calling a service) runs as a plain `transaction.atomic` block and the
failure rises to the outermost `retrying_atomic`, which replays the whole unit of work. Rolled-back
attempts leave nothing behind: their rows, audit events and `on_commit` callbacks go with them.

When the retries are spent the service raises `DatabaseBusy`; `DatabaseBusyMiddleware` answers it
(and any "database is locked" that reaches a view outside a retrying service) with 503 and a
`Retry-After` header, never 500. A phone retrying with the same client id then gets the record the
first attempt made, or makes it now.

Lock order (docs/architecture.md, "Writes"): the subject row first (`select_for_update(of=("self",))`
so joined rows are not locked with it), then the rows it leads to, and the audit-chain head
(`core.audit.record_event`) last.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import JsonResponse

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable)

ATTEMPTS = 5
# Seconds before retry n (1-based) is roughly BACKOFF * 2**(n-1), with jitter so that two
# transactions that deadlocked each other do not collide again at once.
BACKOFF = 0.02
RETRY_AFTER_SECONDS = 1

# PostgreSQL SQLSTATEs worth another attempt: serialization_failure, deadlock_detected,
# lock_not_available.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")


class DatabaseBusy(Exception):
    """The database stayed contended through every retry: the caller should try again shortly."""


def is_retryable(exc: BaseException) -> bool:
    """Whether a database error is contention (deadlock, serialisation, a lock not granted, SQLite
    busy) rather than a fault in the request or the data."""
    if not isinstance(exc, DatabaseError):
        return False
    for error in (exc, exc.__cause__):
        if error is None:
            continue
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if state in RETRYABLE_SQLSTATES:
            return True
        message = str(error).lower()
        if any(text in message for text in SQLITE_BUSY_MESSAGES):
            return True
    return False


def retrying_atomic(func: F | None = None, *, attempts: int = ATTEMPTS, using: str = DEFAULT_DB_ALIAS) -> F:
    """`transaction.atomic` that replays the function when the database reports contention.

    Use on services only (not views): the function must re-read what it changes inside the
    transaction, which services do by locking their subject row first.
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if connections[using].in_atomic_block:
                # Inside someone else's transaction: only the outermost one can start again.
                with transaction.atomic(using=using):
                    return function(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    with transaction.atomic(using=using):
                        return function(*args, **kwargs)
                except DatabaseError as exc:
                    if not is_retryable(exc):
                        raise
                    if attempt == attempts:
                        logger.warning("%s: database contended after %s attempts: %s",
                                       function.__qualname__, attempts, exc)
                        raise DatabaseBusy(str(exc)) from exc
                    time.sleep(BACKOFF * 2 ** (attempt - 1) * (0.5 + random.random()))
            raise AssertionError("unreachable")

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate  # type: ignore[return-value]


def busy_response(request) -> JsonResponse:
    """503 with Retry-After, in the API's error shape (pages show the same short text)."""
    from django.utils.translation import gettext as _

    response = JsonResponse(
        {"code": "database_busy", "message": _("系统繁忙,请稍后重试"), "detail": {"retry_after": RETRY_AFTER_SECONDS}},
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBusyMiddleware:
    """Answer contention that outlasted the retries (or reached a view outside a retrying service)
    with 503 + Retry-After instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseBusy) or is_retryable(exception):
            logger.warning("503 for %s %s: %s", request.method, request.path, exception)
            return busy_response(request)
        return None
