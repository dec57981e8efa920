"""Steps sent again from the field: a progress note, a submission, an extension request or a comment
sent twice with the same `client_id` (a phone that lost the answer, a double-click on a page) is
taken once and answered as the first time; the same id with other content is a 409 naming
`client_id`, and nothing changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dudao.approvals.models import ApprovalRequest
from dudao.core.models import Attachment, AuditEvent
from dudao.findings.choices import FindingEventKind, FindingStatus
from dudao.findings.models import Finding, FindingEvent, FindingExtension
from dudao.notifications.models import Notification

from .factories import finding_in, make_finding, photo, png_bytes
from .test_api import finding_state, post


def events(finding, kind) -> int:
    return FindingEvent.objects.filter(finding=finding, kind=kind).count()


# --- the API ---------------------------------------------------------------------------------
def test_a_retried_progress_note_answers_the_finding_with_one_progress_event(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    manager = world.person("unit_manager")
    pictures = [photo(manager, finding.unit, colour=(n * 50, 90, 90)).pk for n in range(2)]
    client = as_person("unit_manager")
    url = f"/api/v1/findings/{finding.pk}/progress"
    payload = {"note": "已订购温控器", "attachment_ids": pictures, "client_id": "phone-p-1"}
    first = post(client, url, payload)
    assert first.status_code == 200, first.content
    after_first = finding_state(finding)
    retry = post(client, url, {**payload, "attachment_ids": list(reversed(pictures)), "note": " 已订购温控器 "})
    assert retry.status_code == 200, retry.content
    assert retry.json() == first.json()
    assert finding_state(finding) == after_first  # no event, audit event or notification more
    assert events(finding, FindingEventKind.PROGRESS) == 1
    # Without a client id, every note is a new one.
    assert post(client, url, {"note": "又一条"}).status_code == 200
    assert post(client, url, {"note": "又一条"}).status_code == 200
    assert events(finding, FindingEventKind.PROGRESS) == 3


@pytest.mark.parametrize("changed", [{"note": "另一条进展"}, {"attachment_ids": []}])
def test_the_same_client_id_with_another_progress_note_is_a_conflict(as_person, world, changed):
    finding = finding_in(world, FindingStatus.PLANNED)
    picture = photo(world.person("unit_manager"), finding.unit).pk
    client = as_person("unit_manager")
    url = f"/api/v1/findings/{finding.pk}/progress"
    payload = {"note": "已订购温控器", "attachment_ids": [picture], "client_id": "phone-p-2"}
    assert post(client, url, payload).status_code == 200
    before = finding_state(finding)
    response = post(client, url, {**payload, **changed})
    assert response.status_code == 409, response.content
    assert "client_id" in response.json()["detail"]["fields"]
    assert finding_state(finding) == before
    # Nor may the id of a progress note be used again for a submission.
    response = post(client, f"/api/v1/findings/{finding.pk}/submit", payload)
    assert response.status_code == 409 and "client_id" in response.json()["detail"]["fields"]
    assert finding_state(finding) == before


def test_a_doubled_submit_answers_the_same_result_not_a_wrong_status(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    url = f"/api/v1/findings/{finding.pk}/submit"
    payload = {"note": "已全部整改", "client_id": "phone-s-1"}
    first = post(client, url, payload)
    assert first.status_code == 200 and first.json()["status"] == "submitted"
    after_first = finding_state(finding)
    retry = post(client, url, payload)
    assert retry.status_code == 200, retry.content
    assert retry.json() == first.json()
    assert finding_state(finding) == after_first
    assert events(finding, FindingEventKind.SUBMITTED) == 1
    # Accepted meanwhile: the retry still answers (the finding as it stands), and takes nothing.
    post(as_person("supervisor"), f"/api/v1/findings/{finding.pk}/accept", {"note": "合格"})
    client = as_person("unit_manager")
    closed = finding_state(finding)
    late = post(client, url, payload)
    assert late.status_code == 200 and late.json()["status"] == "closed"
    assert finding_state(finding) == closed
    # Another id (a second submission) still meets the state: not submittable now.
    assert post(client, url, {**payload, "client_id": "phone-s-2"}).status_code in (409, 422)
    assert post(client, url, {**payload, "note": "改过"}).status_code == 409
    assert finding_state(finding) == closed


def test_a_retried_extension_request_answers_the_first_request(as_person, world):
    finding = make_finding(world)
    client = as_person("unit_manager")
    url = f"/api/v1/findings/{finding.pk}/extensions"
    payload = {"due_date": (finding.due_date + dt.timedelta(days=5)).isoformat(), "reason": "配件缺货",
               "client_id": "phone-e-1"}
    first = post(client, url, payload)
    assert first.status_code == 201, first.content
    after_first = finding_state(finding)
    approvals = ApprovalRequest.objects.count()
    retry = post(client, url, payload)
    assert retry.status_code == 200, retry.content
    assert retry.json() == first.json()
    assert finding_state(finding) == after_first
    assert FindingExtension.objects.filter(finding=finding).count() == 1
    assert ApprovalRequest.objects.count() == approvals
    for changed in ({"reason": "另一个理由"}, {"due_date": (finding.due_date + dt.timedelta(days=9)).isoformat()}):
        response = post(client, url, {**payload, **changed})
        assert response.status_code == 409 and "client_id" in response.json()["detail"]["fields"]
    assert finding_state(finding) == after_first
    # Decided meanwhile: the retry answers the request as it stands now.
    extension = FindingExtension.objects.get(finding=finding)
    post(as_person("supervisor"), f"/api/v1/findings/{finding.pk}/extensions/{extension.pk}/decide",
         {"decision": "approve", "comment": "同意"})
    late = post(as_person("unit_manager"), url, payload)
    assert late.status_code == 200 and late.json()["status"] == "approved" and late.json()["id"] == extension.pk


def test_the_client_id_is_each_persons_own_on_a_finding(as_person, world):
    """Two unit managers of the store may happen to send the same id: each takes their own step."""
    from dudao.org import services as org
    from dudao.org.choices import Role
    from dudao.org.testing import make_person

    deputy = make_person(world.org, "deputy", "副店长")
    org.role_grant(actor=world.people["admin"], person=deputy, role=Role.UNIT_MANAGER, unit=world.units["store1"])
    world.people["deputy"] = deputy
    finding = finding_in(world, FindingStatus.PLANNED)
    url = f"/api/v1/findings/{finding.pk}/progress"
    payload = {"note": "进展", "client_id": "same-id"}
    assert post(as_person("unit_manager"), url, payload).status_code == 200
    assert post(as_person("deputy"), url, payload).status_code == 200
    assert events(finding, FindingEventKind.PROGRESS) == 2


def test_the_progress_retry_query_count_is_pinned(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    url = f"/api/v1/findings/{finding.pk}/progress"
    assert post(client, url, {"note": "进展", "client_id": "q-1"}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = post(client, url, {"note": "进展", "client_id": "q-1"})
    assert response.status_code == 200
    # Session, person and roles (3), the finding in scope (1), the transaction (2), the finding locked
    # (1), the first event and its photos (2), the answer: the finding with its evidence, events,
    # their photos and extensions (5), the session middleware's savepoint, update, release (3).
    # Nothing written.
    assert len(queries) == 17, [q["sql"][:80] for q in queries.captured_queries]


# --- the pages -------------------------------------------------------------------------------
def hidden_client_id(html: str, prefix: str) -> str:
    found = re.search(rf'name="{prefix}-client_id" value="([0-9a-f]+)"', html)
    assert found, f"no hidden {prefix}-client_id in the page"
    return found.group(1)


def test_each_rendered_form_carries_a_fresh_hidden_client_id(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    detail = reverse("findings:finding-detail", args=[finding.pk])
    first, second = client.get(detail).content.decode(), client.get(detail).content.decode()
    for prefix in ("progress", "submit", "extension", "comment"):
        assert hidden_client_id(first, prefix) != hidden_client_id(second, prefix)
    assert len({hidden_client_id(first, p) for p in ("progress", "submit", "extension", "comment")}) == 4
    create = client.get(reverse("findings:finding-create")).content.decode()
    assert re.search(r'name="client_id" value="[0-9a-f]{32}"', create)


def test_a_progress_form_posted_twice_with_photos_is_recorded_once(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    detail = reverse("findings:finding-detail", args=[finding.pk])
    key = hidden_client_id(client.get(detail).content.decode(), "progress")
    url = reverse("findings:finding-progress", args=[finding.pk])

    def form():
        files = [SimpleUploadedFile(f"p{n}.png", png_bytes((n * 60, 90, 90)), "image/png") for n in range(2)]
        return {"progress-note": "已联系维修", "progress-photos": files, "progress-client_id": key}

    assert client.post(url, form()).status_code == 302
    after_first = finding_state(finding)
    photos = Attachment.objects.count()
    again = client.post(url, form(), follow=True)
    assert again.status_code == 200 and "已记录整改进展" in again.content.decode()
    assert finding_state(finding) == after_first
    assert Attachment.objects.count() == photos  # each photo stored once
    assert events(finding, FindingEventKind.PROGRESS) == 1


def test_a_double_clicked_submit_form_answers_success_and_submits_once(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    key = hidden_client_id(client.get(reverse("findings:finding-detail", args=[finding.pk])).content.decode(), "submit")
    url = reverse("findings:finding-submit", args=[finding.pk])
    data = {"submit-note": "已全部整改", "submit-client_id": key}
    assert client.post(url, data).status_code == 302
    after_first = finding_state(finding)
    notifications = Notification.objects.count()
    again = client.post(url, data, follow=True)
    text = again.content.decode()
    assert "已提交验收" in text and "已关闭" not in text
    assert finding_state(finding) == after_first and Notification.objects.count() == notifications
    assert events(finding, FindingEventKind.SUBMITTED) == 1
    # A form without the key (an old page) meets the state as before: nothing taken twice.
    client.post(url, {"submit-note": "已全部整改"})
    assert finding_state(finding) == after_first


def test_an_extension_form_posted_twice_makes_one_request(as_person, world):
    finding = make_finding(world)
    client = as_person("unit_manager")
    key = hidden_client_id(client.get(reverse("findings:finding-detail", args=[finding.pk])).content.decode(),
                           "extension")
    url = reverse("findings:finding-extension-request", args=[finding.pk])
    data = {"extension-due_date": (finding.due_date + dt.timedelta(days=4)).isoformat(),
            "extension-reason": "配件缺货", "extension-client_id": key}
    assert client.post(url, data).status_code == 302
    after_first = finding_state(finding)
    again = client.post(url, data, follow=True)
    assert "已提交延期申请" in again.content.decode()
    assert finding_state(finding) == after_first
    assert FindingExtension.objects.filter(finding=finding).count() == 1


def test_a_finding_create_form_posted_twice_makes_one_finding(as_person, world):
    client = as_person("supervisor")
    page = client.get(reverse("findings:finding-create")).content.decode()
    key = re.search(r'name="client_id" value="([0-9a-f]+)"', page).group(1)
    data = {"unit": world.units["store1"].pk, "source": "data_check", "title": "库存差异", "category": "risk",
            "severity": "medium", "client_id": key,
            "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]}
    first = client.post(reverse("findings:finding-create"), data)
    assert first.status_code == 302
    audit, photos = AuditEvent.objects.count(), Attachment.objects.count()
    data["photos"] = [SimpleUploadedFile("a.png", png_bytes(), "image/png")]
    again = client.post(reverse("findings:finding-create"), data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Finding.objects.filter(title="库存差异").count() == 1
    assert (AuditEvent.objects.count(), Attachment.objects.count()) == (audit, photos)


def test_a_refused_form_comes_back_with_a_new_key(as_person, world):
    """Nothing was taken, so the form shown again is a new attempt: changing the photos and sending
    it again is not mistaken for a retry with other content."""
    finding = finding_in(world, FindingStatus.PLANNED, severity="high")
    client = as_person("unit_manager")
    url = reverse("findings:finding-submit", args=[finding.pk])
    response = client.post(url, {"submit-note": "已更换", "submit-client_id": "a" * 32})
    assert response.status_code == 422  # a high finding needs a photo
    key = hidden_client_id(response.content.decode(), "submit")
    assert key != "a" * 32
    files = [SimpleUploadedFile("p.png", png_bytes(), "image/png")]
    assert client.post(url, {"submit-note": "已更换", "submit-photos": files, "submit-client_id": key}).status_code == 302
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.SUBMITTED
