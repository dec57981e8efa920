"""`core.transactions`: contention replays the transaction; what outlasts the retries is a 503 with
Retry-After, never a 500; any other database error is raised at once."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import RequestFactory

from dudao.core import transactions
from dudao.core.audit import record_event
from dudao.core.models import AuditEvent


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock("deadlock detected")
    return error


@pytest.fixture(autouse=True)
def no_back_off(monkeypatch):
    monkeypatch.setattr(transactions, "BACKOFF", 0)


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_transaction_is_replayed_and_its_first_attempt_leaves_nothing():
    attempts = []

    @transactions.retrying_atomic
    def append_event():
        attempts.append(connection.in_atomic_block)
        record_event(actor=None, action="test.retry", obj=("test.thing", len(attempts)), organization_id=None)
        if len(attempts) == 1:
            raise _deadlock()
        return len(attempts)

    assert append_event() == 2
    assert attempts == [True, True]  # each attempt in its own transaction
    # The first attempt's event was rolled back with it: one event, from the second attempt.
    assert list(AuditEvent.objects.filter(action="test.retry").values_list("object_id", flat=True)) == ["2"]


@pytest.mark.django_db(transaction=True)
def test_sqlite_busy_is_retried_and_contention_past_the_retries_is_database_busy():
    calls = []

    @transactions.retrying_atomic(attempts=3)
    def always_locked():
        calls.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(transactions.DatabaseBusy):
        always_locked()
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    calls = []

    @transactions.retrying_atomic
    def broken():
        calls.append(1)
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        broken()
    assert calls == [1]


@pytest.mark.django_db
def test_inside_another_transaction_the_failure_rises_to_the_outermost():
    calls = []

    @transactions.retrying_atomic
    def inner():
        calls.append(1)
        raise _deadlock()

    with pytest.raises(OperationalError):
        inner()  # the test's own transaction is the outermost: no replay here
    assert calls == [1]


@pytest.mark.parametrize("error", [transactions.DatabaseBusy("busy"), OperationalError("database is locked"),
                                   _deadlock()])
def test_contention_reaching_a_view_is_a_503_with_retry_after(error):
    middleware = transactions.DatabaseBusyMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().post("/api/v1/findings"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == str(transactions.RETRY_AFTER_SECONDS)
    assert json.loads(response.content)["code"] == "database_busy"


def test_other_errors_are_left_to_django():
    middleware = transactions.DatabaseBusyMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, OperationalError("no such table: x")) is None
    assert middleware.process_exception(request, ValueError("bug")) is None
