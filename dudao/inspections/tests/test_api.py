"""Inspections over the API: permission matrix for every route, idempotency, submit and signature."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from dudao.core.attachments import attachment_upload
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.findings.models import Finding
from dudao.inspections import services
from dudao.inspections.models import Answer, Inspection
from dudao.inspections.tests.factories import AT_STORE, AT_STORE_FORM, check_items, make_template

GOOD_ANSWERS = [
    {"item_code": "C1", "value": "pass"}, {"item_code": "S1", "value": 9}, {"item_code": "N1", "value": 3.5},
    {"item_code": "O1", "value": "优"}, {"item_code": "T1", "value": "整体良好"}, {"item_code": "R1", "value": "pass"},
]


def photo(world, person_key="supervisor", unit_key="store1"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    upload = SimpleUploadedFile("kitchen.jpg", buffer.getvalue(), content_type="image/jpeg")
    return attachment_upload(actor=world.person(person_key), file=upload, unit=world.unit(unit_key))


def started(world, unit_key="store1", template=None, **kwargs):
    template = template or make_template(world)
    if "latitude" not in kwargs and "location_reason" not in kwargs:
        kwargs.update(AT_STORE)
    inspection, _ = services.inspection_create(actor=world.person("supervisor"), unit=world.unit(unit_key),
                                               template=template, **kwargs)
    return inspection


def answered(world, answers=None, with_photo=True, **kwargs):
    inspection = started(world, **kwargs)
    answers = list(GOOD_ANSWERS if answers is None else answers)
    if with_photo:
        answers.append({"item_code": "P1", "value": "", "attachment_ids": [photo(world).pk]})
    services.answers_upsert(actor=world.person("supervisor"), inspection=inspection, answers=answers)
    return inspection


def submitted(world, **kwargs):
    inspection = answered(world, **kwargs)
    services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    inspection.refresh_from_db()
    return inspection


def state(inspection):
    inspection.refresh_from_db()
    return (inspection.status, inspection.score, inspection.acknowledged_by_id, inspection.opening_notes,
            sorted(Answer.objects.filter(inspection=inspection).values_list("item__code", "value", "is_current")),
            Inspection.objects.count(), Finding.objects.count(), AuditEvent.objects.count())


class _InspectionMatrix(ApiObjectMatrix):
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager")

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = self.make(world, "store1")
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = Inspection.objects.create(
                organization=world.other_org, unit=world.units["b_branch"],
                template=make_template_for_other_org(world), inspector=world.people["b_admin"],
                performed_at=timezone.now())
        return self._other

    def make(self, world, unit_key):
        return started(world, unit_key)

    def snapshot(self, world):
        self.other_org_target(world)  # made before the "before" picture, not during the call
        return state(self.target(world))


def make_template_for_other_org(world):
    from dudao.checklists.models import Template

    return Template.objects.create(organization=world.other_org, name="乙", created_by=world.people["b_admin"],
                                   status="published")


class TestInspectionListMatrix(ApiListMatrix):
    route = "GET /api/v1/inspections"
    in_scope = "region_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = started(world)
        return self._target

    def other_org_target(self, world):
        return _InspectionMatrix.other_org_target(self, world)


class TestInspectionCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/inspections"
    success_status = 201
    in_scope = "supervisor"
    refused = ("unit_manager", "region_manager")

    def path(self, world, target):
        return "/inspections"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        if not hasattr(self, "_template"):
            self._template = make_template(world)
        return {"unit_id": target.pk, "template_id": self._template.pk, "mode": "on_site",
                "latitude": "31.230400", "longitude": "121.473700", "location_accuracy_m": 12.5}

    def snapshot(self, world):
        return Inspection.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "draft" and body["unit_id"] == target.pk and body["template_version"] == 1
        assert Decimal(body["latitude"]) == Decimal("31.230400") and body["location_accuracy_m"] == 12.5


class TestInspectionGetMatrix(_InspectionMatrix):
    route = "GET /api/v1/inspections/{inspection_id}"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ()

    def path(self, world, target):
        return f"/inspections/{target.pk}"

    def make(self, world, unit_key):
        return submitted(world)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["score"] == "98.0" and body["passed"] is True  # S1 earns 9 of 10
        assert {a["item_code"] for a in body["answers"]} == {"C1", "S1", "N1", "O1", "T1", "P1", "R1"}
        assert body["finding_ids"] == []


class TestInspectionPatchMatrix(_InspectionMatrix):
    route = "PATCH /api/v1/inspections/{inspection_id}"

    def path(self, world, target):
        return f"/inspections/{target.pk}"

    def payload(self, world, target):
        return {"opening_notes": "店长在岗,开场沟通检查重点", "figures": {"当日营业额": 18200}}

    def check_success(self, world, target, response):
        assert response.json()["figures"] == {"当日营业额": 18200}


class TestAnswersPutMatrix(_InspectionMatrix):
    route = "PUT /api/v1/inspections/{inspection_id}/answers"

    def path(self, world, target):
        return f"/inspections/{target.pk}/answers"

    def payload(self, world, target):
        return [{"item_code": "C1", "value": "fail", "note": "地面有积水"}, {"item_code": "S1", "value": 7}]

    def check_success(self, world, target, response):
        assert [(a["item_code"], a["value"]) for a in response.json()] == [("C1", "fail"), ("S1", "7")]


class TestSubmitMatrix(_InspectionMatrix):
    route = "POST /api/v1/inspections/{inspection_id}/submit"

    def path(self, world, target):
        return f"/inspections/{target.pk}/submit"

    def make(self, world, unit_key):
        return answered(world, answers=[*GOOD_ANSWERS[:1], {"item_code": "S1", "value": 5}, *GOOD_ANSWERS[2:]])

    def check_success(self, world, target, response):
        body = response.json()
        # C1 10 + S1 5 (fails below 8) + N1 10 + O1 10 + R1 10 = 45 of 50
        assert body["status"] == "submitted" and body["score"] == "90.0" and body["passed"] is True
        assert body["critical_failed"] is False and len(body["finding_ids"]) == 1


class TestAcknowledgeMatrix(_InspectionMatrix):
    route = "POST /api/v1/inspections/{inspection_id}/acknowledge"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("supervisor", "region_manager", "staff")

    def path(self, world, target):
        return f"/inspections/{target.pk}/acknowledge"

    def payload(self, world, target):
        return {"comment": "已知悉,马上整改"}

    def make(self, world, unit_key):
        return submitted(world)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "acknowledged" and body["acknowledgement_comment"] == "已知悉,马上整改"
        assert body["acknowledged_by_id"] == world.people["unit_manager"].pk


class TestCorrectionMatrix(_InspectionMatrix):
    route = "POST /api/v1/inspections/{inspection_id}/corrections"
    success_status = 201

    def path(self, world, target):
        return f"/inspections/{target.pk}/corrections"

    def payload(self, world, target):
        return {"item_code": "S1", "value": 6, "reason": "复核录像后更正"}

    def make(self, world, unit_key):
        return submitted(world)

    def check_success(self, world, target, response):
        body = response.json()
        old = Answer.objects.get(inspection=target, item__code="S1", is_current=False)
        assert body["corrects_id"] == old.pk and old.value == "9"
        target.refresh_from_db()
        assert target.score == Decimal("92.0")  # 10 + 6 + 10 + 10 + 10 = 46 of 50
        assert Finding.objects.filter(inspection=target, item_code="S1").count() == 1


class TestFollowUpMatrix(_InspectionMatrix):
    route = "POST /api/v1/inspections/{inspection_id}/follow-up"
    success_status = 201

    def path(self, world, target):
        return f"/inspections/{target.pk}/follow-up"

    def payload(self, world, target):
        return {"mode": "on_site", **AT_STORE_FORM}

    def make(self, world, unit_key):
        return submitted(world, answers=[{"item_code": "C1", "value": "fail"}, *GOOD_ANSWERS[1:]])

    def check_success(self, world, target, response):
        follow_up = Inspection.objects.get(pk=response.json()["id"])
        assert follow_up.follow_up_of_id == target.pk
        assert [i.code for i in services.scorable_items(follow_up)] == ["C1"]


# --- behaviour -------------------------------------------------------------------------------
@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.people["supervisor"])
    return client


def post(client, url, payload):
    """POST JSON; an inspection started on site checks in at the store unless the test says otherwise."""
    if url == "/api/v1/inspections" and isinstance(payload, dict) and not {"latitude", "location_reason"} & set(payload):
        payload = {**payload, **AT_STORE_FORM}
    return client.post(url, payload, content_type="application/json")


def test_client_id_makes_creation_idempotent(supervisor_client, world):
    template = make_template(world)
    payload = {"unit_id": world.units["store1"].pk, "template_id": template.pk, "mode": "surprise",
               "client_id": "phone-7f3a"}
    first = post(supervisor_client, "/api/v1/inspections", payload)
    assert first.status_code == 201
    again = post(supervisor_client, "/api/v1/inspections", payload)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    before = (Inspection.objects.count(), AuditEvent.objects.count())
    different = post(supervisor_client, "/api/v1/inspections", {**payload, "mode": "remote"})
    assert different.status_code == 409 and different.json()["code"] == "conflict"
    assert (Inspection.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(("performed_at", "ok"), [
    (lambda now: now - dt.timedelta(days=7), True),
    (lambda now: now - dt.timedelta(days=8, hours=1), False),
    (lambda now: now + dt.timedelta(hours=1), False),
])
def test_performed_at_is_bounded_by_now_and_the_back_entry_limit(supervisor_client, world, performed_at, ok):
    template = make_template(world)
    when = performed_at(timezone.now())
    response = post(supervisor_client, "/api/v1/inspections", {
        "unit_id": world.units["store1"].pk, "template_id": template.pk, "performed_at": when.isoformat()})
    if ok:
        assert response.status_code == 201
    else:
        assert response.status_code == 422 and "performed_at" in response.json()["detail"]["fields"]
        assert Inspection.objects.count() == 0


def test_only_stores_and_published_templates_can_be_inspected(supervisor_client, world):
    template = make_template(world)
    draft = make_template(world, publish=False, name="草稿")
    response = post(supervisor_client, "/api/v1/inspections", {"unit_id": world.units["east"].pk,
                                                               "template_id": template.pk})
    assert response.status_code == 422 and "unit_id" in response.json()["detail"]["fields"]
    response = post(supervisor_client, "/api/v1/inspections", {"unit_id": world.units["store1"].pk,
                                                               "template_id": draft.pk})
    assert response.status_code == 422 and "template_id" in response.json()["detail"]["fields"]


def test_bad_answers_are_refused_naming_every_code_and_nothing_is_saved(supervisor_client, world):
    inspection = started(world)
    response = supervisor_client.put(
        f"/api/v1/inspections/{inspection.pk}/answers",
        [{"item_code": "C1", "value": "pass"}, {"item_code": "S1", "value": 11}, {"item_code": "O1", "value": "中"},
         {"item_code": "ZZ", "value": "pass"}],
        content_type="application/json")
    assert response.status_code == 422
    fields = response.json()["detail"]["fields"]
    assert {"answers.S1", "answers.O1", "answers.3.item_code"} <= set(fields)
    assert Answer.objects.count() == 0


def test_answers_are_upserted_so_a_reload_loses_nothing(supervisor_client, world):
    inspection = started(world)
    url = f"/api/v1/inspections/{inspection.pk}/answers"
    supervisor_client.put(url, [{"item_code": "C1", "value": "fail", "note": "积水"}], content_type="application/json")
    supervisor_client.put(url, [{"item_code": "C1", "value": "pass"}], content_type="application/json")
    detail = supervisor_client.get(f"/api/v1/inspections/{inspection.pk}").json()
    assert [(a["item_code"], a["value"], a["note"]) for a in detail["answers"]] == [("C1", "pass", "")]
    assert Answer.objects.filter(inspection=inspection).count() == 1


def test_submit_is_refused_naming_unanswered_items_and_missing_photos(supervisor_client, world):
    inspection = answered(world, answers=GOOD_ANSWERS[:3], with_photo=False)
    before = state(inspection)
    response = post(supervisor_client, f"/api/v1/inspections/{inspection.pk}/submit", {})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["missing"] == ["O1", "R1"] and detail["missing_photos"] == ["P1"]
    assert "O1" in response.json()["message"] and "P1" in response.json()["message"]
    assert state(inspection) == before


def test_submit_scores_fails_red_line_and_creates_one_finding_per_failed_item(supervisor_client, world):
    inspection = answered(world, answers=[
        {"item_code": "C1", "value": "fail", "note": "地面积水"}, {"item_code": "S1", "value": 10},
        {"item_code": "N1", "value": 7.2}, {"item_code": "O1", "value": "良"}, {"item_code": "T1", "value": ""},
        {"item_code": "R1", "value": "fail", "note": "冷库发现过期牛肉"}])
    response = post(supervisor_client, f"/api/v1/inspections/{inspection.pk}/submit", {})
    body = response.json()
    # C1 0 + S1 10 + N1 0 + O1 6 + R1 0 = 16 of 50
    assert response.status_code == 200 and body["score"] == "32.0"
    assert body["passed"] is False and body["critical_failed"] is True
    findings = {f.item_code: f for f in Finding.objects.filter(pk__in=body["finding_ids"])}
    assert set(findings) == {"C1", "N1", "R1"}
    today = timezone.localdate()
    assert findings["R1"].severity == "critical" and findings["R1"].due_date == today + dt.timedelta(days=1)
    assert findings["C1"].severity == "medium" and findings["C1"].due_date == today + dt.timedelta(days=7)
    assert findings["C1"].category == "process_compliance" and findings["C1"].description == "地面积水"
    assert {f.responsible_person_id for f in findings.values()} == {world.people["unit_manager"].pk}
    # The store manager is asked to sign, and told about the findings.
    kinds = set(world.person("unit_manager").notifications.values_list("kind", flat=True))
    assert kinds == {"inspection.submitted", "finding.assigned"}


def test_submitted_answers_are_immutable(supervisor_client, world):
    inspection = submitted(world)
    before = state(inspection)
    response = supervisor_client.put(f"/api/v1/inspections/{inspection.pk}/answers",
                                     [{"item_code": "C1", "value": "fail"}], content_type="application/json")
    assert response.status_code == 409
    assert post(supervisor_client, f"/api/v1/inspections/{inspection.pk}/submit", {}).status_code == 409
    assert state(inspection) == before


def test_a_repeat_failure_within_the_window_is_marked_and_linked(world):
    first = submitted(world, answers=[{"item_code": "C1", "value": "fail"}, *GOOD_ANSWERS[1:]])
    second = submitted(world, answers=[{"item_code": "C1", "value": "fail"}, *GOOD_ANSWERS[1:]],
                       template=first.template)
    earlier = Finding.objects.get(inspection=first)
    later = Finding.objects.get(inspection=second)
    assert later.repeat is True and later.repeat_of_id == earlier.pk and earlier.repeat is False


def test_passing_follow_up_answer_closes_the_original_finding(world):
    original = submitted(world, answers=[{"item_code": "C1", "value": "fail"}, *GOOD_ANSWERS[1:]])
    follow_up, _ = services.inspection_follow_up(actor=world.person("supervisor"), original=original, **AT_STORE)
    services.answers_upsert(actor=world.person("supervisor"), inspection=follow_up,
                            answers=[{"item_code": "C1", "value": "pass"}])
    result = services.inspection_submit(actor=world.person("supervisor"), inspection=follow_up)
    assert result.inspection.score == Decimal("100.0") and result.finding_ids == []
    finding = Finding.objects.get(inspection=original)
    assert finding.status == "closed" and finding.closed_by_inspection_id == follow_up.pk


def test_follow_up_by_someone_who_also_manages_the_unit_leaves_the_finding_for_a_supervisor(world):
    from dudao.org import services as org_services
    from dudao.org.choices import Role

    original = submitted(world, answers=[{"item_code": "C1", "value": "fail"}, *GOOD_ANSWERS[1:]])
    finding = Finding.objects.get(inspection=original)
    # The supervisor also runs the store: accepting the store's own rectification is not theirs to do.
    org_services.role_grant(actor=world.person("admin"), person=world.person("supervisor"),
                            role=Role.UNIT_MANAGER, unit=world.unit("store1"))
    follow_up, _ = services.inspection_follow_up(actor=world.person("supervisor"), original=original, **AT_STORE)
    services.answers_upsert(actor=world.person("supervisor"), inspection=follow_up,
                            answers=[{"item_code": "C1", "value": "pass"}])
    result = services.inspection_submit(actor=world.person("supervisor"), inspection=follow_up)
    assert result.inspection.status == "submitted" and result.inspection.score == Decimal("100.0")
    finding.refresh_from_db()
    assert finding.status == "open" and finding.closed_by_inspection_id is None


@pytest.mark.parametrize("count", [20, 200])
def test_submit_query_count_does_not_grow_with_the_template(world, count, request):
    template = make_template(world, check_items(count), sections=4)
    inspection = started(world, template=template)
    answers = [{"item_code": f"I{n:03d}", "value": "fail" if n % 10 == 0 else "pass"} for n in range(count)]
    services.answers_upsert(actor=world.person("supervisor"), inspection=inspection, answers=answers)
    with CaptureQueriesContext(connection) as ctx:
        services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    request.config.cache_counts = getattr(request.config, "cache_counts", {})
    request.config.cache_counts[count] = len(ctx.captured_queries)
    assert Finding.objects.filter(inspection=inspection).count() == count // 10
    if len(request.config.cache_counts) == 2:
        assert request.config.cache_counts[20] == request.config.cache_counts[200], request.config.cache_counts


def test_the_region_filter_reads_the_regions_path_prefix(client, world):
    first, second = started(world), started(world, unit_key="store2")
    client.force_login(world.people["admin"])
    with CaptureQueriesContext(connection) as queries:
        east = client.get("/api/v1/inspections", {"region_id": world.units["east"].pk}).json()
    assert {item["id"] for item in east["items"]} == {first.pk, second.pk}
    # An indexed prefix (`LIKE '/1/4/%'`), never a `LIKE '%/4/%'` that must scan every path.
    assert not any("'%/" in q["sql"] or "%%/" in q["sql"] for q in queries.captured_queries)
    assert client.get("/api/v1/inspections", {"region_id": world.units["west"].pk}).json()["count"] == 0
    # Another organisation's unit matches nothing.
    assert client.get("/api/v1/inspections", {"region_id": world.units["b_branch"].pk}).json()["count"] == 0
