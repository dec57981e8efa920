"""Phones retrying at once against a live server: no server error, no duplicate.

Three phones (three supervisors), each driven by two threads that send the very same requests with
the very same client ids at the same moment (a retry racing the first call), create inspections,
answer them, submit them, correct an answer and record findings by hand; meanwhile two store
managers' phones, each driven the same way, report progress on their findings, ask for more time
and submit the rectification, every step with its client id. Run on SQLite and on PostgreSQL (where
a submit that locked the template and unit rows deadlocked with a concurrent create holding the
audit-chain head). Every answer is below 500 (SQLite may answer 503 with Retry-After under
contention, never 500), every client id made one record, each submit made its findings once, and
the audit chain is intact.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection

from dudao.core.audit import verify_chain
from dudao.core.models import AuditEvent
from dudao.findings import services as findings
from dudao.findings.models import Finding, FindingEvent, FindingExtension
from dudao.inspections.models import Answer, Inspection
from dudao.inspections.tests.factories import check_items, make_template
from dudao.org import services as org
from dudao.org.choices import Role
from dudao.org.testing import make_person

PHONES = 3
THREADS_PER_PHONE = 2
ROUNDS = 3
ITEMS = 8
FAILED_CODES = {"I000", "I003"}  # two findings per submitted inspection


def _phone_script(client, phone: int, store_ids: list[int], template_id: int, category: str, answers: list,
                  barrier: threading.Barrier, log: list, lock: threading.Lock) -> None:
    def record(response, what):
        with lock:
            log.append((what, response.status_code, response.headers.get("Retry-After"), response.text[:300]))
        return response

    for round_ in range(ROUNDS):
        barrier.wait(timeout=60)  # both threads of the phone send each step together
        store = store_ids[(phone + round_) % len(store_ids)]
        created = record(client.post("/api/v1/inspections", json={
            "unit_id": store, "template_id": template_id, "client_id": f"phone{phone}-insp{round_}",
            "latitude": "31.230416", "longitude": "121.473701",  # the packs ask for a check-in position
        }), "inspection create")
        if created.status_code not in (200, 201):
            continue
        inspection_id = created.json()["id"]
        record(client.put(f"/api/v1/inspections/{inspection_id}/answers", json=answers), "answers")
        record(client.post(f"/api/v1/inspections/{inspection_id}/submit"), "submit")
        record(client.post(f"/api/v1/inspections/{inspection_id}/corrections", json={
            "item_code": "I001", "value": "pass", "note": "复核", "reason": "复核录像后更正",
            "client_id": f"phone{phone}-corr{round_}",
        }), "correction")
        for n in range(2):
            record(client.post("/api/v1/findings", json={
                "unit_id": store, "source": "data_check", "title": f"手机{phone} 问题 {round_}-{n}",
                "category": category, "severity": "medium", "client_id": f"phone{phone}-finding{round_}-{n}",
            }), "finding create")


def _manager_script(client, manager: int, finding_ids: list[int], due_dates: list[str],
                    barrier: threading.Barrier, log: list, lock: threading.Lock) -> None:
    """A store manager's phone sending each rectification step twice at once (the same client id)."""
    def record(response, what):
        with lock:
            log.append((what, response.status_code, response.headers.get("Retry-After"), response.text[:300]))
        return response

    for round_, (finding_id, due_date) in enumerate(zip(finding_ids, due_dates, strict=True)):
        barrier.wait(timeout=60)
        key = f"mgr{manager}-{round_}"
        record(client.post(f"/api/v1/findings/{finding_id}/progress", json={
            "note": "已订购配件", "client_id": f"{key}-progress"}), "progress")
        record(client.post(f"/api/v1/findings/{finding_id}/extensions", json={
            "due_date": due_date, "reason": "配件缺货", "client_id": f"{key}-extension"}), "extension")
        record(client.post(f"/api/v1/findings/{finding_id}/submit", json={
            "note": "已更换", "client_id": f"{key}-submit"}), "finding submit")


@pytest.mark.django_db(transaction=True)
def test_phones_retrying_at_once_get_no_server_error_and_make_no_duplicate(live_world, api_for):
    world = live_world
    from dudao.policies.registry import policy_for

    template = make_template(world, check_items(ITEMS))
    category = policy_for(world.org).findings.categories[0].code
    stores = [world.units["store1"].pk, world.units["store2"].pk]
    answers = [{"item_code": f"I{n:03d}", "value": "fail" if f"I{n:03d}" in FAILED_CODES else "pass", "note": ""}
               for n in range(ITEMS)]
    phones = []
    for phone in range(PHONES):
        person = make_person(world.org, f"phone_sup{phone}", f"督导{phone}")
        org.role_grant(actor=world.people["admin"], person=person, role=Role.SUPERVISOR, unit=world.units["east"])
        phones.append(person)

    # Two store managers, each with ROUNDS planned findings at their store to rectify from the phone.
    managed: list[tuple] = []
    for manager, store_key in enumerate(("store1", "store2")):
        person = make_person(world.org, f"phone_mgr{manager}", f"店长{manager}")
        org.role_grant(actor=world.people["admin"], person=person, role=Role.UNIT_MANAGER, unit=world.units[store_key])
        planned = []
        for round_ in range(ROUNDS):
            finding = findings.finding_create(
                actor=world.people["admin"], unit=world.units[store_key], source="data_check", severity="medium",
                title=f"店长{manager} 待整改 {round_}", category=category)
            planned.append(findings.finding_plan(actor=person, finding=finding, measures="更换配件"))
        managed.append((person, planned))

    log: list = []
    lock = threading.Lock()
    threads = []
    for manager, (person, planned) in enumerate(managed):
        barrier = threading.Barrier(THREADS_PER_PHONE)
        ids = [f.pk for f in planned]
        due_dates = [(f.due_date + dt.timedelta(days=7)).isoformat() for f in planned]
        for _ in range(THREADS_PER_PHONE):
            threads.append(threading.Thread(
                target=_manager_script, args=(api_for(person), manager, ids, due_dates, barrier, log, lock),
                daemon=True,
            ))
    for phone, person in enumerate(phones):
        barrier = threading.Barrier(THREADS_PER_PHONE)
        for _ in range(THREADS_PER_PHONE):
            client = api_for(person)
            threads.append(threading.Thread(
                target=_phone_script,
                args=(client, phone, stores, template.pk, category, answers, barrier, log, lock), daemon=True,
            ))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    statuses = Counter((what, status) for what, status, _retry, _text in log)
    server_errors = [entry for entry in log if entry[1] >= 500]
    if connection.vendor == "sqlite":
        # SQLite's single writer may answer "busy, retry" (503 with Retry-After), never anything else.
        assert all(status == 503 and retry for _what, status, retry, _text in server_errors), server_errors
    else:
        assert server_errors == [], server_errors
    assert statuses[("inspection create", 201)] == PHONES * ROUNDS, statuses

    # One record per client id, whatever raced.
    inspections = Inspection.objects.filter(client_id__startswith="phone")
    assert inspections.count() == PHONES * ROUNDS
    assert max(Counter(inspections.values_list("client_id", flat=True)).values()) == 1
    by_hand = Finding.objects.filter(client_id__startswith="phone")
    assert by_hand.count() == PHONES * ROUNDS * 2
    assert max(Counter(by_hand.values_list("created_by_id", "client_id")).values()) == 1
    # Each inspection was submitted once: its failed items made one finding each.
    for inspection in inspections:
        assert inspection.status == "submitted"
        codes = sorted(Finding.objects.filter(inspection=inspection).values_list("item_code", flat=True))
        assert codes == sorted(FAILED_CODES)
    # Each correction made one answer version and one audit event, whichever thread won.
    corrections = Answer.objects.filter(client_id__startswith="phone")
    assert corrections.count() == PHONES * ROUNDS, statuses
    assert AuditEvent.objects.filter(action="inspection.correct").count() == PHONES * ROUNDS
    assert statuses[("correction", 201)] == PHONES * ROUNDS, statuses
    # Each rectification step was taken once on each finding.
    for _person, planned in managed:
        for finding in planned:
            steps = Counter(FindingEvent.objects.filter(finding=finding).exclude(client_id="")
                            .values_list("kind", flat=True))
            assert steps == {"progress": 1, "extension_requested": 1, "submitted": 1}, steps
            assert FindingExtension.objects.filter(finding=finding).count() == 1
            assert Finding.objects.get(pk=finding.pk).status == "submitted"
    assert statuses[("extension", 201)] == len(managed) * ROUNDS, statuses
    assert verify_chain().ok
