"""Recording answers costs a fixed number of queries: the same for one answer on a 12- or a
120-item checklist, and the same for a batch of 10 or of 60 answers, new or changed (past about 80
new answers SQLite's parameter limit splits the one insert into batches)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.inspections import services
from dudao.inspections.models import Answer

from .factories import AT_STORE, check_items, make_template


@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.people["supervisor"])
    return client


def _inspection(world, items: int):
    template = make_template(world, check_items(items), name=f"检查表{items}")
    inspection, _created = services.inspection_create(actor=world.people["supervisor"], unit=world.units["store1"],
                                                      template=template, **AT_STORE)
    return inspection


def _put(client, inspection, answers):
    with CaptureQueriesContext(connection) as queries:
        response = client.put(f"/api/v1/inspections/{inspection.pk}/answers", answers,
                              content_type="application/json")
    assert response.status_code == 200, response.content
    return response, len(queries)


def test_one_answer_costs_the_same_on_a_short_and_a_long_checklist(supervisor_client, world):
    counts = {}
    for items in (12, 120):
        inspection = _inspection(world, items)
        code = f"I{items - 1:03d}"
        _put(supervisor_client, inspection, [{"item_code": "I000", "value": "pass"}])  # warm the caches
        _response, counts[("new", items)] = _put(supervisor_client, inspection, [{"item_code": code, "value": "fail"}])
        response, counts[("changed", items)] = _put(supervisor_client, inspection,
                                                    [{"item_code": code, "value": "pass", "note": "已改"}])
        assert response.json()[0]["item_code"] == code and response.json()[0]["note"] == "已改"
        assert Answer.objects.get(inspection=inspection, item__code=code).value == "pass"
    assert counts[("new", 12)] == counts[("new", 120)]
    assert counts[("changed", 12)] == counts[("changed", 120)]
    # Before: 21 for a changed answer (every item and every answer read, the item read again for the
    # audit, the photo links read one by one). Now: session and person (2), roles (1), the inspection
    # in scope (1), its lock (1), the items named (1), their answers (1), insert or update (1), photo
    # links (0 or 1), the audit append (3), the session middleware's savepoint,
    # update, release (3), the transaction's begin and commit (2).
    assert counts[("new", 120)] == 16, counts
    assert counts[("changed", 120)] == 17, counts


def test_a_batch_costs_the_same_for_ten_or_a_hundred_answers(supervisor_client, world):
    counts = {}
    for size in (10, 60):
        inspection = _inspection(world, size)
        answers = [{"item_code": f"I{n:03d}", "value": "pass"} for n in range(size)]
        _response, counts[("new", size)] = _put(supervisor_client, inspection, answers)
        answers = [{**answer, "value": "fail" if n % 2 else "pass"} for n, answer in enumerate(answers)]
        response, counts[("changed", size)] = _put(supervisor_client, inspection, answers)
        assert [a["value"] for a in response.json()] == [a["value"] for a in answers]
        stored = dict(Answer.objects.filter(inspection=inspection).values_list("item__code", "value"))
        assert stored == {a["item_code"]: a["value"] for a in answers}
        assert Answer.objects.filter(inspection=inspection).count() == size  # updated, not added
    assert counts[("new", 10)] == counts[("new", 60)]
    assert counts[("changed", 10)] == counts[("changed", 60)]
