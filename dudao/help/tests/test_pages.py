"""The user guide: mine (a section per role I hold) and any role's, in Chinese and English, every
number the policy decides read from the policy in force; the 帮助 link on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.core.testing import PageObjectMatrix
from dudao.help.templatetags.help_tags import resolve
from dudao.org.choices import Role
from dudao.org.services import role_grant
from dudao.policies.registry import policy_for
from dudao.policies.services import policy_version_create

POLICY_MARK = re.compile(r'<span class="policy-value" data-policy="([^"]+)">([^<]*)</span>')
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def in_english(client):
    client.cookies["django_language"] = "en"


def unusual_policy(world):
    """Values no pack has, so a number written into a guide by hand cannot pass for the policy's."""
    policy_version_create(
        actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
        overrides={"findings": {"due_days": {"critical": 2, "high": 6, "medium": 17, "low": 41}},
                   "approvals": {"step_deadline_days": 4}},
    )


class _Guide:
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    refused = ()

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def snapshot(self, world):
        return None

    # A guide is no secret: everyone signed in reads it, roles or not.
    def test_no_role_is_404(self):
        assert self.call("no_role", self.target(self.world)).status_code == 200

    def test_out_of_scope_is_404(self):
        assert self.call(self.out_of_scope, self.target(self.world)).status_code == 200

    def test_other_organization_is_404(self):
        response = self.call("b_admin", self.target(self.world))
        assert response.status_code == 200
        # ...with their own organisation's policy
        assert response.context["policy"] == policy_for(self.world.other_org)


class TestMyGuidePage(_Guide, PageObjectMatrix):
    url_name = "help:index"

    def url(self, world, target):
        return reverse("help:index")

    def check_success(self, world, target, response):
        assert [g.role for g in response.context["guides"]] == ["supervisor"]
        assert 'id="inspect"' in response.content.decode()


class TestRoleGuidePage(_Guide, PageObjectMatrix):
    url_name = "help:role"

    def url(self, world, target):
        return reverse("help:role", args=["unit_manager"])

    def check_success(self, world, target, response):
        assert [g.role for g in response.context["guides"]] == ["unit_manager"]
        assert 'id="rectify"' in response.content.decode()


def marked_values(text: str) -> list[tuple[str, str]]:
    return POLICY_MARK.findall(text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_role_guide_in_both_languages_shows_the_policy_in_force(world, client, language):
    unusual_policy(world)
    policy = policy_for(world.org)
    client.force_login(world.people["staff"])
    if language == "en":
        in_english(client)
    for role in Role.values:
        response = client.get(reverse("help:role", args=[role]))
        assert response.status_code == 200, role
        text = response.content.decode()
        values = marked_values(text)
        assert values, f"{role} guide names no policy value"
        for path, shown in values:
            value = resolve(policy, path)
            assert shown == str(getattr(value, "label", value)), (role, path)
        assert "policy-value" in text and f'<h2>{Role(role).label}</h2>' in text
        if language == "en":  # the guide's prose (page chrome is gettext, translated by the catalogue)
            guide = text.split('class="card help-guide"')[1].split("</article>")[0]
            assert not re.search(r"[\u4e00-\u9fff]", guide), f"{role} guide has Chinese left in English"
    if language == "zh-hans":
        assert marked_values(client.get(reverse("help:role", args=["supervisor"])).content.decode())
        text = client.get(reverse("help:role", args=["unit_manager"])).content.decode()
        assert '<span class="policy-value" data-policy="findings.due_days.high">6</span>' in text


def test_my_guide_has_a_section_per_role_i_hold_and_lists_the_others(world, client):
    person = world.people["region_manager"]
    role_grant(actor=world.people["admin"], person=person, role=Role.SUPERVISOR, unit=world.units["west"])
    client.force_login(person)
    response = client.get(reverse("help:index"))
    assert [g.role for g in response.context["guides"]] == ["supervisor", "region_manager"]
    others = [g.role for g in response.context["others"]]
    assert "supervisor" not in others and "staff" in others and len(others) == len(Role.values) - 2
    text = response.content.decode()
    assert 'id="role-supervisor"' in text and 'id="role-region_manager"' in text
    assert reverse("help:role", args=["staff"]) in text


def test_no_role_reads_every_guide_listed(world, client):
    client.force_login(world.people["no_role"])
    response = client.get(reverse("help:index"))
    assert response.context["guides"] == [] and len(response.context["others"]) == len(Role.values)
    assert "还没有分配角色" in response.content.decode()


def test_an_unknown_role_is_404(world, client):
    client.force_login(world.people["supervisor"])
    assert client.get("/help/cashier/").status_code == 404


def test_the_help_link_is_in_every_pages_header_and_pages_link_their_section(world, client):
    client.force_login(world.people["supervisor"])
    home = client.get(reverse("notifications:inbox")).content.decode()
    assert f'class="help-link" href="{reverse("help:index")}"' in home
    my_work = client.get(reverse("inspections:my-work")).content.decode()
    assert f'class="help-link" href="{reverse("help:role", args=["supervisor"])}#inspect"' in my_work


def test_anonymous_pages_have_no_help_link(db, client):
    assert "help-link" not in client.get(reverse("login")).content.decode()
