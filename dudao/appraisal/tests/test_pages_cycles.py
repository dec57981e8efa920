"""The appraisal cycle pages: the cycle list and the form to open one, the ranking, one appraisal
with its manual scores, my appraisals, and the permission matrix of each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dudao.appraisal import services
from dudao.appraisal.models import Appraisal, AppraisalCycle, ManualScore
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import PageListMatrix, PageObjectMatrix
from dudao.org import services as org_services
from dudao.org.choices import Role
from dudao.org.testing import make_person

pytestmark = pytest.mark.django_db

PERIOD = "2026-11"


def supervisors_cycle(world) -> AppraisalCycle:
    """The supervisors' November cycle over the whole tree, opened by the administrator."""
    return services.cycle_create(actor=world.person("admin"), role=Role.SUPERVISOR, period=PERIOD,
                                 scope_unit=world.unit("root"))


def other_org_cycle(world) -> AppraisalCycle:
    return services.cycle_create(actor=world.person("b_admin"), role=Role.UNIT_MANAGER, period=PERIOD,
                                 scope_unit=world.unit("b_root"))


def appraisal_of(cycle: AppraisalCycle, person) -> Appraisal:
    return Appraisal.objects.get(cycle=cycle, person=person)


def second_supervisor(world):
    """A colleague of the world's supervisor, supervising the west region."""
    person = make_person(world.org, "sup_west", "西区督导")
    org_services.role_grant(actor=world.person("admin"), person=person, role=Role.SUPERVISOR, unit=world.unit("west"))
    return person


class _Cycle:
    out_of_scope = "ops_manager"  # the operations center's ops manager does not cover the whole tree

    def target(self, world):
        if getattr(self, "_cycle", None) is None:
            self._cycle = supervisors_cycle(world)
        return self._cycle

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_cycle(world)
        return self._other


class _Appraisal:
    out_of_scope = "ops_manager"

    def target(self, world):
        if getattr(self, "_appraisal", None) is None:
            self._appraisal = appraisal_of(supervisors_cycle(world), world.person("supervisor"))
        return self._appraisal

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = appraisal_of(other_org_cycle(world), world.person("b_unit_manager"))
        return self._other


class TestCycleListPage(_Cycle, PageListMatrix):
    url_name = "appraisal:cycle-list"

    def marker(self, target):
        return reverse("appraisal:cycle-detail", args=[target.pk])

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


class TestCycleDetailPage(_Cycle, PageObjectMatrix):
    url_name = "appraisal:cycle-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert world.person("supervisor").display_name in text and "重新计算" in text


class TestCycleComputePage(_Cycle, PageObjectMatrix):
    url_name = "appraisal:cycle-compute"
    method = "post"
    success_status = 302
    refused = ("executive", "finance")  # they see the results but do not run cycles

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)  # made before the first snapshot
        return (list(AppraisalCycle.objects.order_by("pk").values_list("pk", "computed_at")),
                AuditEvent.objects.filter(action="appraisal.compute").count())

    def check_success(self, world, target, response):
        assert AuditEvent.objects.filter(action="appraisal.compute").count() == 2  # opening, then this one


class TestAppraisalDetailPage(_Appraisal, PageObjectMatrix):
    url_name = "appraisal:appraisal-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "学习成长" in text and 'id="manual-scores"' in text
        assert reverse("appraisal:appraisal-pdf", args=[target.pk]) in text


class TestAppraisalScoresPage(_Appraisal, PageObjectMatrix):
    url_name = "appraisal:appraisal-scores"
    method = "post"
    success_status = 302
    # Finance sees the result but does not score; the supervisor is the person appraised.
    refused = ("finance", "supervisor")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"score_learning_growth": "85", "note_learning_growth": "完成两门课程"}

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return (list(ManualScore.objects.values_list("appraisal_id", "kpi_code", "score")),
                list(Appraisal.objects.order_by("pk").values_list("pk", "score", "kpi_score")))

    def check_success(self, world, target, response):
        assert ManualScore.objects.get(appraisal=target).score == Decimal("85.0")


class TestMyAppraisalsPage(PageListMatrix):
    url_name = "appraisal:mine"
    in_scope = "supervisor"  # the person appraised
    out_of_scope = "admin"  # sees it as a result, but it is not theirs

    def target(self, world):
        if getattr(self, "_appraisal", None) is None:
            self._appraisal = appraisal_of(supervisors_cycle(world), world.person("supervisor"))
        return self._appraisal

    def other_org_target(self, world):
        return appraisal_of(other_org_cycle(world), world.person("b_unit_manager"))

    def marker(self, target):
        return reverse("appraisal:appraisal-detail", args=[target.pk])


class TestAppraisalPdfPage(_Appraisal, PageObjectMatrix):
    url_name = "appraisal:appraisal-pdf"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


# --- the cycle list and the form to open a cycle ---------------------------------------------------
def open_form(world, **overrides):
    return {"role": Role.SUPERVISOR, "period": PERIOD, "scope_unit_id": str(world.unit("root").pk),
            "kind": "regular", "person_ids": "", **overrides}


def test_a_manager_opens_a_cycle_through_the_form_and_lands_on_its_ranking(world, client):
    client.force_login(world.person("admin"))
    response = client.post(reverse("appraisal:cycle-list"), open_form(world))
    cycle = AppraisalCycle.objects.get(role=Role.SUPERVISOR, period=PERIOD)
    assert response.status_code == 302 and response["Location"] == reverse("appraisal:cycle-detail", args=[cycle.pk])
    assert cycle.appraisals.get().person == world.person("supervisor")
    text = client.get(reverse("appraisal:cycle-list")).content.decode()
    assert reverse("appraisal:cycle-detail", args=[cycle.pk]) in text and "评分中" in text


def test_a_bad_period_is_refused_next_to_the_field_and_nothing_is_created(world, client):
    client.force_login(world.person("admin"))
    events = AuditEvent.objects.count()
    response = client.post(reverse("appraisal:cycle-list"), open_form(world, period="2026-13"))
    assert response.status_code == 422
    field = response.content.decode().split('class="field f-period has-error"')[1].split("</div>")[0]
    assert 'class="errorlist"' in field
    assert not AppraisalCycle.objects.exists() and not Appraisal.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_probation_cycle_asks_for_the_people(world, client):
    client.force_login(world.person("admin"))
    response = client.post(reverse("appraisal:cycle-list"),
                           open_form(world, role=Role.UNIT_MANAGER, kind="probation"))
    assert response.status_code == 422
    field = response.content.decode().split('class="field f-person_ids has-error"')[1].split("</div>")[0]
    assert "试用期考核须选择被考核人" in field
    response = client.post(reverse("appraisal:cycle-list"),
                           open_form(world, role=Role.UNIT_MANAGER, kind="probation", person_ids="nobody_here"))
    assert response.status_code == 422 and "nobody_here" in response.content.decode()
    assert not AppraisalCycle.objects.exists()
    manager = world.person("unit_manager")
    response = client.post(reverse("appraisal:cycle-list"),
                           open_form(world, role=Role.UNIT_MANAGER, kind="probation", person_ids=manager.username))
    assert response.status_code == 302
    assert list(AppraisalCycle.objects.get(kind="probation").appraisals.values_list("person", flat=True)) == [manager.pk]


def test_those_who_only_read_results_get_no_form_and_cannot_post_one(world, client):
    client.force_login(world.person("finance"))
    assert 'id="open-cycle"' not in client.get(reverse("appraisal:cycle-list")).content.decode()
    assert client.post(reverse("appraisal:cycle-list"), open_form(world)).status_code == 404
    assert not AppraisalCycle.objects.exists()
    client.force_login(world.person("ops_manager"))  # runs cycles, but only over the operations center
    text = client.get(reverse("appraisal:cycle-list")).content.decode()
    assert 'id="open-cycle"' in text and f'value="{world.unit("root").pk}"' not in text


# --- the ranking -------------------------------------------------------------------------------
def test_the_ranking_says_no_data_never_zero_and_totals_the_cycle(world, client):
    cycle = supervisors_cycle(world)
    client.force_login(world.person("hr"))
    text = client.get(reverse("appraisal:cycle-detail", args=[cycle.pk])).content.decode()
    ranking = text.split('class="list responsive ranking"')[1].split("</table>")[0]
    row = ranking.split("<tbody>")[1]
    cells = [cell.split("</td>")[0] for cell in row.split('class="number kpi-score">')[1:]]
    assert len(cells) == 6
    # Nothing imported, inspected or scored yet: no data, never a 0.
    assert sum(cell == '<span class="nodata">无数据</span>' for cell in cells) >= 5
    assert not any(cell.startswith("0") for cell in cells)
    assert "{% block" not in text and 'class="actions cycle-actions"' in text
    assert "<dt>人数</dt><dd>1</dd>" in text


def test_the_ranking_queries_do_not_grow_with_people(world, client, django_assert_num_queries):
    client.force_login(world.person("admin"))
    cycle = supervisors_cycle(world)
    client.get(reverse("appraisal:cycle-detail", args=[cycle.pk]))
    with django_assert_num_queries(9):
        client.get(reverse("appraisal:cycle-detail", args=[cycle.pk]))
    for n in range(3):
        person = make_person(world.org, f"sup{n}", f"督导{n}")
        org_services.role_grant(actor=world.person("admin"), person=person, role=Role.SUPERVISOR,
                                unit=world.unit("west"))
    larger = services.cycle_create(actor=world.person("admin"), role=Role.SUPERVISOR, period="2026-10",
                                   scope_unit=world.unit("root"))
    assert larger.appraisals.count() == 4
    with django_assert_num_queries(9):
        client.get(reverse("appraisal:cycle-detail", args=[larger.pk]))


def test_the_cycle_list_and_my_appraisals_queries_do_not_grow_with_rows(world, client, django_assert_num_queries):
    supervisors_cycle(world)
    client.force_login(world.person("supervisor"))
    client.get(reverse("appraisal:mine"))
    with django_assert_num_queries(8):
        client.get(reverse("appraisal:mine"))
    client.force_login(world.person("admin"))
    with django_assert_num_queries(11):
        client.get(reverse("appraisal:cycle-list"))
    for period in ("2026-09", "2026-10"):
        services.cycle_create(actor=world.person("admin"), role=Role.SUPERVISOR, period=period,
                              scope_unit=world.unit("root"))
    with django_assert_num_queries(11):
        text = client.get(reverse("appraisal:cycle-list")).content.decode()
    assert all(p in text for p in ("2026-09", "2026-10", PERIOD))
    client.force_login(world.person("supervisor"))
    with django_assert_num_queries(8):
        assert client.get(reverse("appraisal:mine")).content.decode().count('class="my-item"') == 3


def test_recompute_from_the_ranking_rescores_open_appraisals(world, client):
    cycle = supervisors_cycle(world)
    client.force_login(world.person("hr"))
    response = client.post(reverse("appraisal:cycle-compute", args=[cycle.pk]))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="appraisal.compute").count() == 2


# --- one appraisal -------------------------------------------------------------------------------
def test_a_manual_score_through_the_page_recomputes_the_appraisal(world, client):
    appraisal = appraisal_of(supervisors_cycle(world), world.person("supervisor"))
    assert appraisal.score is None
    client.force_login(world.person("hr"))
    url = reverse("appraisal:appraisal-detail", args=[appraisal.pk])
    response = client.post(reverse("appraisal:appraisal-scores", args=[appraisal.pk]),
                           {"score_learning_growth": "85", "note_learning_growth": "完成两门课程"})
    assert response.status_code == 302 and response["Location"] == url
    appraisal.refresh_from_db()
    assert appraisal.score == Decimal("85.0")
    text = client.get(url).content.decode()
    assert "考核人评分 85（完成两门课程）" in text and "考核得分 85" in text


def test_a_bad_manual_score_names_the_kpi_and_changes_nothing(world, client):
    appraisal = appraisal_of(supervisors_cycle(world), world.person("supervisor"))
    client.force_login(world.person("hr"))
    events = AuditEvent.objects.count()
    response = client.post(reverse("appraisal:appraisal-scores", args=[appraisal.pk]),
                           {"score_learning_growth": "120", "note_learning_growth": ""})
    assert response.status_code == 422
    text = response.content.decode()
    assert "学习成长：得分必须在 0 到 100 之间" in text and 'value="120"' in text
    assert not ManualScore.objects.exists() and AuditEvent.objects.count() == events
    appraisal.refresh_from_db()
    assert appraisal.score is None


def test_the_person_sees_their_own_appraisal_but_not_a_colleagues(world, client):
    colleague = second_supervisor(world)
    cycle = supervisors_cycle(world)
    own, other = appraisal_of(cycle, world.person("supervisor")), appraisal_of(cycle, colleague)
    client.force_login(world.person("supervisor"))
    text = client.get(reverse("appraisal:appraisal-detail", args=[own.pk])).content.decode()
    assert world.person("supervisor").display_name in text
    assert 'id="manual-scores"' not in text  # nobody scores their own
    assert reverse("appraisal:mine") in text and reverse("appraisal:cycle-detail", args=[cycle.pk]) not in text
    assert client.get(reverse("appraisal:appraisal-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("appraisal:appraisal-pdf", args=[other.pk])).status_code == 404
    assert client.get(reverse("appraisal:cycle-detail", args=[cycle.pk])).status_code == 404


# --- my appraisals ----------------------------------------------------------------------------------
def test_my_appraisals_explains_when_they_appear_and_lists_mine_only(world, client):
    client.force_login(world.person("staff"))
    text = client.get(reverse("appraisal:mine")).content.decode()
    assert "您还没有考核" in text and "发起考核周期后" in text
    colleague = second_supervisor(world)
    cycle = supervisors_cycle(world)
    client.force_login(world.person("supervisor"))
    text = client.get(reverse("appraisal:mine")).content.decode()
    assert reverse("appraisal:appraisal-detail", args=[appraisal_of(cycle, world.person("supervisor")).pk]) in text
    assert reverse("appraisal:appraisal-detail", args=[appraisal_of(cycle, colleague).pk]) not in text


def test_everyone_finds_my_appraisals_in_the_user_menu_and_the_workbench(world, client):
    client.force_login(world.person("staff"))
    text = client.get(reverse("home")).content.decode()
    who = text.split('<div class="who">')[1].split("</div>")[0]
    assert f'href="{reverse("appraisal:mine")}"' in who and "我的考核" in who
    assert 'class="wb-links"' in text
