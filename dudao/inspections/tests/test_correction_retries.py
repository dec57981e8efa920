"""A correction sent again by a phone that lost the answer: the same `client_id` answers the first
correction (200) and corrects, re-scores and audits nothing again; the same id with another
correction is a 409 naming `client_id`, and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.core.models import AuditEvent
from dudao.findings.models import Finding
from dudao.inspections.models import Answer

from .test_api import state, submitted

CORRECTION = {"item_code": "S1", "value": 6, "reason": "复核录像后更正", "client_id": "phone-corr-1"}


@pytest.fixture
def supervisor(client, world):
    client.force_login(world.people["supervisor"])
    return client


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def same(body: dict) -> dict:
    """An answer as JSON with its points as numbers (the first answer says "6", a read "6.00")."""
    return {k: Decimal(v) if k in {"earned", "possible"} and v is not None else v for k, v in body.items()}


def test_a_retried_correction_answers_the_first_and_writes_nothing(supervisor, world):
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    first = post(supervisor, url, CORRECTION)
    assert first.status_code == 201, first.content
    inspection.refresh_from_db()
    assert inspection.score == Decimal("92.0")
    after_first = state(inspection)
    audit_actions = list(AuditEvent.objects.values_list("action", flat=True))

    retry = post(supervisor, url, CORRECTION)
    assert retry.status_code == 200, retry.content
    assert same(retry.json()) == same(first.json())
    assert state(inspection) == after_first  # no second version, no re-score, no finding
    assert list(AuditEvent.objects.values_list("action", flat=True)) == audit_actions
    assert Answer.objects.filter(inspection=inspection, item__code="S1").count() == 2
    assert audit_actions.count("inspection.correct") == 1

    # A later correction of the same item (a new id) is a new version; the first id still answers
    # its own answer, now superseded.
    again = post(supervisor, url, {**CORRECTION, "value": 8, "client_id": "phone-corr-2"})
    assert again.status_code == 201 and again.json()["corrects_id"] == first.json()["id"]
    late_retry = post(supervisor, url, CORRECTION)
    assert late_retry.status_code == 200
    assert late_retry.json()["id"] == first.json()["id"] and late_retry.json()["is_current"] is False


def test_the_same_client_id_with_another_correction_is_a_conflict_and_changes_nothing(supervisor, world):
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    assert post(supervisor, url, CORRECTION).status_code == 201
    before = state(inspection)
    for changed in ({"value": 7}, {"reason": "另一个原因"}, {"item_code": "N1", "value": 2}, {"note": "补充"}):
        response = post(supervisor, url, {**CORRECTION, **changed})
        assert response.status_code == 409, (changed, response.content)
        assert "client_id" in response.json()["detail"]["fields"]
        assert state(inspection) == before


def test_without_a_client_id_each_correction_is_a_new_version(supervisor, world):
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    plain = {k: v for k, v in CORRECTION.items() if k != "client_id"}
    assert post(supervisor, url, plain).status_code == 201
    assert post(supervisor, url, plain).status_code == 201
    assert Answer.objects.filter(inspection=inspection, item__code="S1").count() == 3
    assert AuditEvent.objects.filter(action="inspection.correct").count() == 2


def test_the_client_id_is_each_persons_own(client, world):
    """The admin correcting the supervisor's inspection with the same id makes their own."""
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    client.force_login(world.people["supervisor"])
    mine = post(client, url, CORRECTION).json()
    client.force_login(world.people["admin"])
    theirs = post(client, url, {**CORRECTION, "value": 7})
    assert theirs.status_code == 201, theirs.content
    assert theirs.json()["id"] != mine["id"] and theirs.json()["corrects_id"] == mine["id"]


def test_a_retry_that_newly_failed_an_item_makes_its_finding_once(supervisor, world):
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    failing = {"item_code": "C1", "value": "fail", "reason": "漏记", "client_id": "phone-fail-1"}
    assert post(supervisor, url, failing).status_code == 201
    assert post(supervisor, url, failing).status_code == 200
    assert Finding.objects.filter(inspection=inspection, item_code="C1").count() == 1


def test_the_retry_query_count_is_pinned(supervisor, world):
    inspection = submitted(world)
    url = f"/api/v1/inspections/{inspection.pk}/corrections"
    assert post(supervisor, url, CORRECTION).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = post(supervisor, url, CORRECTION)
    assert response.status_code == 200
    # Session, person and roles (3), the inspection in scope (1), the transaction (2), the inspection
    # locked (1), the first answer and its photos (2), the session middleware's savepoint, update,
    # release (3). Nothing written, nothing scored.
    assert len(queries) == 12, [q["sql"][:80] for q in queries.captured_queries]
