"""The appraisal data pages: permission matrices, discrepancies highlighted, export, import links."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dudao.core.templatetags.numbers import grouped
from dudao.core.testing.matrix import PageListMatrix

from .factories import kpi_value, target

pytestmark = pytest.mark.django_db


class _Values:
    out_of_scope = "ops_manager"  # an ops manager of the operations center does not see the east stores

    def target(self, world):
        if getattr(self, "_value", None) is None:
            self._value = kpi_value(world, source="MARK-POS")
        return self._value

    def other_org_target(self, world):
        return kpi_value(world, unit_key="b_branch", actor="b_admin", source="MARK-B")

    def marker(self, target):
        return target.source


class TestKpiValueListPage(_Values, PageListMatrix):
    url_name = "appraisal:kpi-value-list"

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


class TestKpiValueExport(_Values, PageListMatrix):
    url_name = "appraisal:kpi-value-export"

    def text(self, actor_key, target):
        response = self.call(actor_key, target)
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        return repr([list(row) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)])

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


class TestTargetListPage(PageListMatrix):
    url_name = "appraisal:target-list"
    out_of_scope = "ops_manager"

    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = target(world, value="4242")
        return self._target

    def other_org_target(self, world):
        return target(world, unit_key="b_branch", actor="b_admin", value="5151")

    def marker(self, target):
        return grouped(target.value)  # 4,242

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


def test_a_discrepancy_is_highlighted_with_both_figures_and_links_its_finding(world, client):
    kpi_value(world, value="100", source="POS")
    kpi_value(world, value="130", source="财务")
    kpi_value(world, unit_key="store2", value="50", source="POS")
    client.force_login(world.person("hr"))
    text = client.get(reverse("appraisal:kpi-value-list") + "?kpi_code=satisfaction").content.decode()
    assert text.count('class="discrepancy"') == 2 and "相差 23.1%" in text
    assert "财务: 130" in text and "/findings/" in text and "单一来源" in text
    only = client.get(reverse("appraisal:kpi-value-list") + "?subject=S2").content.decode()
    assert "淮海路店" in only and "南京西路店" not in only


def test_the_imports_page_offers_the_appraisal_kinds(world, client):
    client.force_login(world.person("admin"))
    text = client.get(reverse("imports:run-new")).content.decode()
    for kind in ("kpi_values", "targets", "attendance", "bonus_bases"):
        assert f'value="{kind}"' in text


def test_the_list_page_queries_do_not_grow_with_rows(world, client, django_assert_num_queries):
    client.force_login(world.person("admin"))
    kpi_value(world, source="A")
    kpi_value(world, source="B", value="100")  # a discrepancy: its data-check finding is looked up too
    client.get(reverse("appraisal:kpi-value-list"))
    with django_assert_num_queries(14):
        client.get(reverse("appraisal:kpi-value-list"))
    for n in range(5):
        kpi_value(world, unit_key="store2", source=f"B{n}", value=str(50 + n))
    with django_assert_num_queries(14):
        client.get(reverse("appraisal:kpi-value-list"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_figures_and_targets_show_thousands_separators_without_trailing_zeros(world, client, language):
    kpi_value(world, value="1234567.5", source="POS")
    kpi_value(world, unit_key="store2", value="88", source="POS")
    target(world, value="2500000")
    client.force_login(world.person("admin"))
    values = client.get(reverse("appraisal:kpi-value-list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ">1,234,567.5<" in values and ">88<" in values
    assert "1234567.5" not in values and "1,234,567.5000" not in values
    targets = client.get(reverse("appraisal:target-list"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ">2,500,000<" in targets and "2500000" not in targets
