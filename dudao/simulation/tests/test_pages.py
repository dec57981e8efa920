"""The simulation page, its Excel download and "save from next month", and the policy editor's
"simulate before saving" button."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dudao.core.models import AuditEvent
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.testing.matrix import PageFormMatrix
from dudao.policies.forms import first_of_next_month
from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for
from dudao.policies.tests.formdata import unchanged_post

from .data import FROM, TO, january

pytestmark = pytest.mark.django_db

NOT_SIMULATORS = ("executive", "region_manager", "unit_manager", "staff", "hr", "finance", "department_head")
FORM = {"date_from": FROM, "date_to": TO, "inspection_pass_mark": "85", "evaluation_pass_mark": "85",
        "overrides": "{}"}


def counts():
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


class TestSimulatePageMatrix(PageFormMatrix):
    url_name = "simulation:simulate"
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = NOT_SIMULATORS

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert 'name="date_from"' in text and 'name="overrides"' in text


class TestSimulateResultPageMatrix(PageFormMatrix):
    """The POST that runs the replay (same route, its own data)."""

    url_name = "simulation:simulate"
    method = "post"
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = NOT_SIMULATORS

    def data(self, world, target):
        if not getattr(self, "_loaded", False):
            january(world)
            self._loaded = True
        return FORM

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        text = response.content.decode()
        # store2 would become a key target; inspection a flips; nothing saved.
        assert "淮海路店" in text and "新增重点整改" in text
        assert "1 → 2" in text  # key targets before -> after
        assert "按此草案保存制度(下月起生效)" in text  # ops managers govern the policy: they may save it


class TestSimulationExportMatrix(PageFormMatrix):
    url_name = "simulation:export"
    method = "post"
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = NOT_SIMULATORS

    def data(self, world, target):
        if not getattr(self, "_loaded", False):
            january(world)
            self._loaded = True
        return FORM

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        assert response["Content-Type"] == XLSX_CONTENT_TYPE
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
        assert ["机构", world.units["store2"].pk, "淮海路店", "2025-01", "重点整改对象", "否", "是"] in rows

    def test_other_organization_is_404(self):
        response = self.call(self.in_scope, None)
        assert "城东支行" not in response.content.decode("latin-1")


class TestSimulationSaveMatrix(PageFormMatrix):
    url_name = "simulation:save"
    method = "post"
    in_scope = "ops_manager"  # the walk: ops simulates, then saves from next month
    out_of_scope = "executive"
    refused = ("supervisor", *NOT_SIMULATORS)
    success_status = 302

    def data(self, world, target):
        return {"overrides": json.dumps({"evaluation": {"pass_mark": 85}}),
                "effective_from": first_of_next_month().isoformat(), "note": "提高合格线"}

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        assert response["Location"].startswith(reverse("policies:detail"))
        assert policy_for(world.org, first_of_next_month()).evaluation.pass_mark == 85
        assert PolicyVersion.objects.get().note == "提高合格线"

    def test_other_organization_is_404(self):
        self.client.force_login(self.world.people["b_admin"])
        self.client.post(reverse(self.url_name), self.data(self.world, None))
        assert policy_for(self.world.org, first_of_next_month()).evaluation.pass_mark == 80


def test_a_bad_override_is_shown_against_the_form_naming_the_key_and_nothing_changes(client, world):
    client.force_login(world.people["ops_manager"])
    before = counts()
    response = client.post(reverse("simulation:simulate"), {**FORM, "overrides": '{"inspections": {"pass_markk": 1}}'})
    assert response.status_code == 422
    assert "inspections.pass_markk" in response.content.decode()
    assert counts() == before


def test_the_policy_editor_offers_to_simulate_its_draft_first(client, world):
    client.force_login(world.people["admin"])
    url = reverse("policies:edit", args=["evaluation"])
    data = unchanged_post(client.get(f"{url}?on={first_of_next_month().isoformat()}"))
    data["evaluation.pass_mark"] = ["85"]
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 200 and reverse("simulation:simulate") in text
    assert "保存前模拟上月效果" in text and "&quot;pass_mark&quot;: 85" in text
    # The page it posts to runs the draft (last month by default).
    simulated = client.post(reverse("simulation:simulate"), {"overrides": json.dumps({"evaluation": {"pass_mark": 85}})})
    assert simulated.status_code == 200 and "evaluation.pass_mark" in simulated.content.decode()

