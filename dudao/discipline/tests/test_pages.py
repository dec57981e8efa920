"""Discipline pages: permission matrices, recording from the form (errors on the field, nothing
saved), signing from the detail page, the Excel ledger, and a person's year."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import PageFormMatrix, PageListMatrix, PageObjectMatrix
from dudao.discipline.models import Violation

from .test_api import other_org_violation, state, violation


class _Ledger:
    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)

    def marker(self, target):
        return reverse("discipline:violation-detail", args=[target.pk])


class TestLedgerPage(_Ledger, PageListMatrix):
    url_name = "discipline:ledger"
    in_scope = "region_manager"


class TestLedgerExport(_Ledger, PageListMatrix):
    url_name = "discipline:ledger-export"
    in_scope = "region_manager"

    def marker(self, target):
        return target.person.username

    def text(self, actor_key, target):
        response = self.call(actor_key, target)
        if response.status_code == 404:
            return ""
        workbook = load_workbook(io.BytesIO(response.content))
        return repr([list(row) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)])


class TestViolationCreatePage(PageFormMatrix):
    url_name = "discipline:violation-create"
    in_scope = "unit_manager"
    out_of_scope = "finance"  # holds no handler role anywhere


class TestViolationDetailPage(PageObjectMatrix):
    url_name = "discipline:violation-detail"
    in_scope = "supervisor"  # the witness

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        assert "我已核实，确认" in response.content.decode()


class TestViolationConfirmPage(PageObjectMatrix):
    url_name = "discipline:violation-confirm"
    method = "post"
    in_scope = "staff"
    success_status = 302
    refused = ()

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.party_confirmed_at is not None


class TestMyRecordPage(PageObjectMatrix):
    url_name = "discipline:my-record"
    in_scope = "staff"

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return None

    def url(self, world, target):
        return reverse(self.url_name)

    def test_no_role_is_404(self):
        """Everyone has a record of their own, with or without a role."""
        assert self.call("no_role", None).status_code == 200

    def test_out_of_scope_is_404(self):
        assert reverse("discipline:violation-detail", args=[self.target(self.world).pk]) not in (
            self.call("other_unit_manager", None).content.decode())

    def test_other_organization_is_404(self):
        other_org_violation(self.world)
        assert "b_teller" not in self.call("staff", None).content.decode()


class TestPersonRecordPage(PageObjectMatrix):
    url_name = "discipline:person-record"
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        violation(world)
        return world.people["staff"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


def test_recording_from_the_form_then_both_sign_makes_it_effective(world, client):
    client.force_login(world.person("unit_manager"))
    response = client.post(reverse("discipline:violation-create"), {
        "unit": world.units["store1"].pk, "person": world.people["staff"].pk, "kind": "late",
        "occurred_at": "2025-03-02T09:05", "witness": world.people["supervisor"].pk, "card": "", "fine": "",
        "description": "迟到 15 分钟"})
    assert response.status_code == 302, response.context["form"].errors
    recorded = Violation.objects.get()
    for key in ("staff", "supervisor"):
        client.force_login(world.person(key))
        client.post(reverse("discipline:violation-confirm", args=[recorded.pk]))
    recorded.refresh_from_db()
    assert recorded.status == "effective"
    client.force_login(world.person("staff"))
    page = client.get(reverse("discipline:my-record") + "?year=2025").content.decode()
    assert "迟到 15 分钟" not in page and reverse("discipline:violation-detail", args=[recorded.pk]) in page


def test_a_signature_the_state_refuses_is_said_on_the_page_and_changes_nothing(world, client):
    recorded = violation(world)
    Violation.objects.filter(pk=recorded.pk).update(status="overturned")  # e.g. overturned on appeal meanwhile
    before = AuditEvent.objects.count()
    client.force_login(world.person("staff"))
    response = client.post(reverse("discipline:violation-confirm", args=[recorded.pk]), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    recorded.refresh_from_db()
    assert recorded.party_confirmed_at is None and AuditEvent.objects.count() == before


def test_a_refused_record_shows_the_error_on_the_field_and_saves_nothing(world, client):
    client.force_login(world.person("unit_manager"))
    before = (Violation.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("discipline:violation-create"), {
        "unit": world.units["store1"].pk, "person": world.people["staff"].pk, "kind": "late",
        "occurred_at": "2025-03-02T09:05", "witness": world.people["staff"].pk})
    assert response.status_code == 200
    assert "证明人不能是当事人或处理人本人" in response.content.decode()
    assert response.context["form"].errors.get("witness")
    assert (Violation.objects.count(), AuditEvent.objects.count()) == before
