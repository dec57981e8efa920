"""Training pages: matrices of every page; planning a session from a proposal, recording attendance
from the form, the trainee's history."""

from __future__ import annotations

from django.urls import reverse

from dudao.core.testing.matrix import PageFormMatrix, PageListMatrix, PageObjectMatrix
from dudao.training.models import Invitee

from .test_training import MARCH, other_org_session, session_of, state


class _Session:
    in_scope = "hr"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return session_of(world)

    def other_org_target(self, world):
        return other_org_session(world)

    def marker(self, target):
        return reverse("training:session-detail", args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestSessionListPage(_Session, PageListMatrix):
    url_name = "training:session-list"

    def test_no_role_does_not_see_it(self):
        assert self.marker(self.target(self.world)) not in self.text("no_role", self.target(self.world))


class TestSessionDetailPage(_Session, PageObjectMatrix):
    url_name = "training:session-detail"
    in_scope = "unit_manager"  # an invitee

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestSessionAttendancePage(_Session, PageObjectMatrix):
    url_name = "training:session-attendance"
    method = "post"
    success_status = 302
    refused = ("unit_manager", "executive")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {f"attended-{world.people['supervisor'].pk}": "on", f"score-{world.people['supervisor'].pk}": "75"}

    def check_success(self, world, target, response):
        row = Invitee.objects.get(session=target, person=world.people["supervisor"])
        assert (row.attended, row.passed) == (True, True)
        assert Invitee.objects.get(session=target, person=world.people["unit_manager"]).attended is False


class TestProposalsPage(PageObjectMatrix):
    url_name = "training:proposals"
    in_scope = "hr"
    out_of_scope = "unit_manager"

    def target(self, world):
        return world.units["root"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def url(self, world, target):
        return reverse(self.url_name) + f"?unit={target.pk}"


class TestSessionCreatePage(PageFormMatrix):
    url_name = "training:session-create"
    in_scope = "hr"
    out_of_scope = "unit_manager"

    def url(self, world, target):
        return reverse(self.url_name) + "?items=C1"


class TestMyTrainingPage(_Session, PageObjectMatrix):
    url_name = "training:mine"
    in_scope = "supervisor"

    def url(self, world, target):
        return reverse(self.url_name)

    def test_no_role_is_404(self):
        """Everyone has a history of their own (empty without invitations)."""
        assert self.call("no_role", None).status_code == 200

    def test_out_of_scope_is_404(self):
        assert self.marker(self.target(self.world)) not in self.call("other_unit_manager", None).content.decode()

    def test_other_organization_is_404(self):
        other_org_session(self.world)
        assert "b_admin" not in self.call("supervisor", None).content.decode()


def test_a_session_is_planned_from_the_form_and_its_invitees_see_it(world, client):
    client.force_login(world.person("hr"))
    page = client.get(reverse("training:session-create") + "?items=C1,C2").content.decode()
    assert 'value="C1,C2"' in page
    response = client.post(reverse("training:session-create"), {
        "title": "冷链规范", "scope_unit": world.units["root"].pk, "starts_at": MARCH.strftime("%Y-%m-%dT%H:%M"),
        "trainer": world.people["department_head"].pk, "invitees": [world.people["unit_manager"].pk],
        "item_codes": "C1,C2"})
    assert response.status_code == 302
    client.force_login(world.person("unit_manager"))
    assert "冷链规范" in client.get(reverse("training:mine")).content.decode()
