"""The findings API over real HTTP: every route tried by anonymous, no role, in scope, out of scope,
the other organisation and the roles that may not take the step; then the contract's shape, the
filters, and the list's pinned query count."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.approvals.models import ApprovalRequest
from dudao.core.audit import snapshot
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.findings import services
from dudao.findings.choices import FindingStatus
from dudao.findings.models import Finding, FindingEvent, FindingExtension
from dudao.notifications.models import Notification

from .factories import drive, finding_in, make_finding, other_org_finding, photo, png_bytes

CONTRACT_FIELDS = {"id", "title", "description", "category", "severity", "unit_id", "source", "inspection_id",
                   "responsible_person_id", "owner_id", "created_at", "closed_at", "repeat_of_id", "item_code",
                   "status", "round", "due_date", "overdue", "escalation_level", "repeat"}


def finding_state(finding):
    fresh = Finding.objects.get(pk=finding.pk)
    return (snapshot(fresh), FindingEvent.objects.filter(finding=fresh).count(),
            list(FindingExtension.objects.filter(finding=fresh).values_list("status", flat=True)),
            AuditEvent.objects.count(), Notification.objects.count())


class _FindingMatrix:
    """A finding at store1 in `status`, made once per test through the services."""

    status = FindingStatus.OPEN
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    with_extension = False

    def target(self, world):
        if getattr(self, "_target", None) is None:
            finding = make_finding(world)
            if self.with_extension:
                services.finding_extension_request(actor=world.person("unit_manager"), finding=finding,
                                                   due_date=finding.due_date + dt.timedelta(days=5), reason="等配件")
            self._target = drive(world, finding, self.status)
        return self._target

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_finding(world, self.status, with_extension=self.with_extension)
        return self._other

    def snapshot(self, world):
        self.other_org_target(world)  # made before the first snapshot, so it is not counted as a change
        return finding_state(self.target(world))


class TestFindingListMatrix(ApiListMatrix):
    route = "GET /api/v1/findings"
    in_scope = "region_manager"

    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = make_finding(world)
        return self._target

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_finding(world)
        return self._other


class TestFindingGetMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "GET /api/v1/findings/{finding_id}"

    def path(self, world, target):
        return f"/findings/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert set(body) >= CONTRACT_FIELDS
        assert body["status"] == "open" and body["round"] == 1 and body["overdue"] is False
        assert body["escalation_level"] == 0 and body["repeat"] is False
        assert body["due_date"] == target.due_date.isoformat()
        assert [e["kind"] for e in body["events"]] == ["created"]


class TestFindingCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/findings"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    success_status = 201
    refused = ("unit_manager", "executive", "staff", "hr")

    def path(self, world, target):
        return "/findings"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        return {"unit_id": target.pk, "source": "data_check", "title": "库存盘点差异 3%", "category": "risk",
                "severity": "high", "description": "系统库存与实盘不符"}

    def snapshot(self, world):
        return Finding.objects.count(), AuditEvent.objects.count(), Notification.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        finding = Finding.objects.get(pk=body["id"])
        assert finding.unit_id == target.pk and finding.source == "data_check"
        assert body["due_date"] == finding.due_date.isoformat()
        assert (finding.due_date - finding.created_at.date()).days in (3, 4)  # high: three days (local date)
        assert body["responsible_person_id"] == world.people["unit_manager"].pk


class TestFindingPlanMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/plan"
    refused = ("supervisor", "region_manager", "admin", "executive", "staff")

    def path(self, world, target):
        return f"/findings/{target.pk}/plan"

    def payload(self, world, target):
        return {"measures": "更换冰柜温控器,每日记录温度", "owner_id": world.people["staff"].pk,
                "due_date": target.due_date.isoformat()}

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "planned" and body["owner_id"] == world.people["staff"].pk
        assert body["measures"] == "更换冰柜温控器,每日记录温度"


class TestFindingProgressMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/progress"
    status = FindingStatus.PLANNED
    refused = ("supervisor", "region_manager", "admin", "executive")

    def path(self, world, target):
        return f"/findings/{target.pk}/progress"

    def payload(self, world, target):
        return {"note": "已订购温控器", "attachment_ids": []}

    def check_success(self, world, target, response):
        assert response.json()["events"][-1]["kind"] == "progress"


class TestFindingSubmitMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/submit"
    status = FindingStatus.PLANNED
    refused = ("supervisor", "region_manager", "admin", "executive")

    def path(self, world, target):
        return f"/findings/{target.pk}/submit"

    def payload(self, world, target):
        return {"note": "已更换温控器", "attachment_ids": []}

    def check_success(self, world, target, response):
        assert response.json()["status"] == "submitted"


class TestFindingAcceptMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/accept"
    status = FindingStatus.SUBMITTED
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager", "executive", "ops_manager")

    def path(self, world, target):
        return f"/findings/{target.pk}/accept"

    def payload(self, world, target):
        return {"note": "复核合格"}

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "closed" and body["closed_at"]


class TestFindingRejectMatrix(TestFindingAcceptMatrix):
    route = "POST /api/v1/findings/{finding_id}/reject"

    def path(self, world, target):
        return f"/findings/{target.pk}/reject"

    def payload(self, world, target):
        return {"reason": "照片未显示温度读数"}

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["status"], body["round"]) == ("planned", 2)


class TestExtensionRequestMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/extensions"
    success_status = 201
    refused = ("supervisor", "region_manager", "admin", "executive")

    def path(self, world, target):
        return f"/findings/{target.pk}/extensions"

    def payload(self, world, target):
        return {"due_date": (target.due_date + dt.timedelta(days=5)).isoformat(), "reason": "配件缺货"}

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "pending" and body["finding_id"] == target.pk
        # The request is decided by the approval engine, where the supervisor finds it in their inbox.
        approval = ApprovalRequest.objects.get(pk=body["approval_id"])
        assert (approval.kind, approval.subject_id) == ("rectification_extension", str(target.pk))


class TestExtensionDecideMatrix(_FindingMatrix, ApiObjectMatrix):
    route = "POST /api/v1/findings/{finding_id}/extensions/{extension_id}/decide"
    with_extension = True
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager", "executive")

    def path(self, world, target):
        return f"/findings/{target.pk}/extensions/{target.extensions.get().pk}/decide"

    def payload(self, world, target):
        return {"decision": "approve", "comment": "同意"}

    def check_success(self, world, target, response):
        assert response.json()["status"] == "approved"
        assert Finding.objects.get(pk=target.pk).due_date == target.due_date + dt.timedelta(days=5)


# --- behaviour -------------------------------------------------------------------------------
def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_filters_narrow_the_list(as_person, world):
    high = make_finding(world, severity="high", title="高")
    low = make_finding(world, unit="store2", severity="low", title="低")
    old = make_finding(world, title="旧", now=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
    planned = finding_in(world, FindingStatus.PLANNED, title="计划中")
    client = as_person("region_manager")

    def ids(**params):
        response = client.get("/api/v1/findings", params)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {high.pk, low.pk, old.pk, planned.pk}
    assert ids(severity="high") == {high.pk}
    assert ids(unit_id=world.units["store2"].pk) == {low.pk}
    assert ids(unit_id=world.units["east"].pk) == {high.pk, low.pk, old.pk, planned.pk}
    assert ids(status="planned") == {planned.pk}
    assert ids(overdue="true") == {old.pk}
    assert ids(overdue="false") == {high.pk, low.pk, planned.pk}
    assert client.get("/api/v1/findings", {"status": "lost"}).status_code == 422


def test_saved_views_through_the_api(as_person, world):
    submitted = finding_in(world, FindingStatus.SUBMITTED, title="待验收")
    mine = make_finding(world, title="我的", creator="unit_manager", source="self_report")
    client = as_person("supervisor")
    awaiting = {i["id"] for i in client.get("/api/v1/findings", {"view": "awaiting"}).json()["items"]}
    assert awaiting == {submitted.pk}
    client = as_person("unit_manager")
    assert {i["id"] for i in client.get("/api/v1/findings", {"view": "awaiting"}).json()["items"]} == set()
    mine_ids = {i["id"] for i in client.get("/api/v1/findings", {"view": "mine"}).json()["items"]}
    assert mine_ids == {submitted.pk, mine.pk}  # responsible for both


def test_refusals_name_the_field_and_change_nothing(as_person, world):
    finding = make_finding(world, severity="critical")
    client = as_person("unit_manager")
    before = finding_state(finding)
    late = (finding.due_date + dt.timedelta(days=30)).isoformat()
    response = post(client, f"/api/v1/findings/{finding.pk}/plan", {"measures": "换", "due_date": late})
    assert response.status_code == 422 and "due_date" in response.json()["detail"]["fields"]
    response = post(client, f"/api/v1/findings/{finding.pk}/plan",
                    {"measures": "换", "owner_id": world.people["other_unit_manager"].pk})
    assert response.status_code == 422 and "owner_id" in response.json()["detail"]["fields"]
    response = post(client, f"/api/v1/findings/{finding.pk}/submit", {"note": "好了"})
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert finding_state(finding) == before


def test_evidence_goes_up_as_attachments_then_by_id(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED, severity="high")
    client = as_person("unit_manager")
    response = post(client, f"/api/v1/findings/{finding.pk}/submit", {"note": "已整改"})
    assert response.status_code == 422 and "attachment_ids" in response.json()["detail"]["fields"]
    stranger = photo(world.person("other_unit_manager"), world.unit("store3"))
    response = post(client, f"/api/v1/findings/{finding.pk}/submit", {"note": "已整改", "attachment_ids": [stranger.pk]})
    assert response.status_code == 422 and "attachment_ids" in response.json()["detail"]["fields"]
    upload = client.post("/api/v1/attachments", {"file": _file(png_bytes()), "unit_id": world.units["store1"].pk})
    assert upload.status_code == 201, upload.content
    response = post(client, f"/api/v1/findings/{finding.pk}/submit",
                    {"note": "已整改", "attachment_ids": [upload.json()["id"]]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["evidence_ids"] == [upload.json()["id"]]
    assert body["events"][-1]["attachment_ids"] == [upload.json()["id"]]


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.png", data, "image/png")


def test_the_list_query_count_is_pinned_and_does_not_grow_with_the_page_size(as_person, world):
    for number in range(30):
        make_finding(world, unit="store1" if number % 2 else "store2", title=f"问题 {number}")
    client = as_person("region_manager")
    counts = {}
    for limit in (5, 30):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/findings", {"limit": limit})
        assert response.status_code == 200 and len(response.json()["items"]) == limit
        counts[limit] = len(queries)
    assert counts[5] == counts[30]
    # session, person, their roles, count, page; then the session middleware's savepoint, update, release
    assert counts[30] == 8, counts


def test_the_detail_query_count_does_not_grow_with_the_timeline(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    with CaptureQueriesContext(connection) as short:
        client.get(f"/api/v1/findings/{finding.pk}")
    manager = world.person("unit_manager")
    for number in range(5):
        services.finding_progress(actor=manager, finding=finding, note=f"进展 {number}",
                                  attachments=[photo(manager, finding.unit, f"p{number}.png")])
    with CaptureQueriesContext(connection) as long:
        response = client.get(f"/api/v1/findings/{finding.pk}")
    assert len(response.json()["events"]) == 7
    assert len(short) == len(long)


def test_a_retry_with_the_same_client_id_answers_the_first_finding_unchanged(as_person, world):
    client = as_person("supervisor")
    payload = {"unit_id": world.units["store1"].pk, "source": "data_check", "title": "库存差异", "category": "risk",
               "severity": "high", "client_id": "phone-7f3a"}
    first = post(client, "/api/v1/findings", payload)
    assert first.status_code == 201, first.content
    events = AuditEvent.objects.count()
    retry = post(client, "/api/v1/findings", {**payload, "title": "库存差异(重发)"})
    assert retry.status_code == 200, retry.content
    # The retry answers the first finding as stored, which is what the first answer said (built
    # without reading the finding back).
    assert retry.json() == first.json()
    assert client.get(f"/api/v1/findings/{first.json()['id']}").json() == first.json()
    assert Finding.objects.filter(client_id="phone-7f3a").count() == 1
    assert AuditEvent.objects.count() == events  # nothing written by the retry
    # Another person's phone may use the same id for its own finding.
    other = post(as_person("admin"), "/api/v1/findings", payload)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    # Without a client id every call is a new finding.
    client = as_person("supervisor")
    plain = {k: v for k, v in payload.items() if k != "client_id"}
    assert post(client, "/api/v1/findings", plain).json()["id"] != post(client, "/api/v1/findings", plain).json()["id"]


def test_a_created_finding_with_evidence_is_answered_as_it_is_stored(as_person, world):
    client = as_person("supervisor")
    ids = [client.post("/api/v1/attachments", {"file": _file(png_bytes()), "unit_id": world.units["store1"].pk}
                       ).json()["id"] for _ in range(2)]
    response = post(client, "/api/v1/findings", {
        "unit_id": world.units["store1"].pk, "source": "complaint", "title": "顾客投诉", "category": "risk",
        "attachment_ids": ids, "description": "有照片"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(body["evidence_ids"]) == sorted(ids) and body["events"][0]["attachment_ids"]
    assert client.get(f"/api/v1/findings/{body['id']}").json() == body


def test_the_create_query_count_is_pinned(as_person, world):
    client = as_person("supervisor")
    payload = {"unit_id": world.units["store1"].pk, "source": "data_check", "title": "差异", "category": "risk"}
    post(client, "/api/v1/findings", payload)  # warm the policy cache
    with CaptureQueriesContext(connection) as queries:
        response = post(client, "/api/v1/findings", {**payload, "client_id": "c-1"})
    assert response.status_code == 201
    # Before: 33. Now 24: session and person (2), roles (1), the unit in scope (1), the transaction
    # (2), the client id (1), the policy (1: pack and version together; was 2), the unit's manager (1),
    # the repeat (1), the insert in its savepoint (3), the timeline event (1), the audit append (3: no savepoint of its own),
    # the notification to the manager (4), the session middleware's savepoint, update, release (3).
    # Gone: reading the finding back for the response with its evidence, events, their photos and
    # extensions (5), the second scope check (1), full_clean reading organisation, unit, person (3).
    # Plus the figures' rollup mark of the new finding's months (1: dudao.facts.receivers).
    assert len(queries) == 25, [q["sql"][:80] for q in queries.captured_queries]


def test_the_subtree_filter_costs_one_query_more_and_reads_the_units_path_prefix(as_person, world):
    make_finding(world, title="东")
    make_finding(world, unit="store3", title="西", creator="admin")
    client = as_person("admin")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/findings", {"unit_id": world.units["east"].pk})
    assert [item["title"] for item in response.json()["items"]] == ["东"]
    assert len(queries) == 8 + 1  # the list's 8 and the unit's path
    assert not any("%%/" in q["sql"] or "'%/" in q["sql"] for q in queries.captured_queries)
    # Another organisation's unit matches nothing.
    assert client.get("/api/v1/findings", {"unit_id": world.units["b_branch"].pk}).json()["count"] == 0


def test_a_thousand_findings_come_in_one_call_and_more_are_capped(as_person, world):
    from django.conf import settings

    assert settings.NINJA_PAGINATION_MAX_LIMIT == 1000
    make_finding(world, title="一")
    client = as_person("admin")
    assert client.get("/api/v1/findings", {"limit": 1000}).status_code == 200
    assert client.get("/api/v1/findings", {"limit": 1001}).status_code == 422
