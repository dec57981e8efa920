"""Offline-first field work, server side: the service worker and the manifest (public, root-scoped,
CSP intact), what a phone keeps for the next seven days, the offline page and the offline run screen."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from dudao.checklists.models import Template
from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.inspections import offline
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import make_template
from dudao.inspections.tests.test_api import make_template_for_other_org, started
from dudao.inspections.tests.test_pages import _OneInspection


def planned_visit(world, template, *, days=0, supervisor="supervisor", unit="store2"):
    from dudao.planning.models import Plan, Visit

    person = world.people[supervisor]
    today = timezone.localdate()
    plan, _ = Plan.objects.get_or_create(
        organization=world.org, kind="month", scope_unit=world.units["east"], period_end=today + dt.timedelta(days=30),
        defaults={"title": "巡店计划", "period_start": today - dt.timedelta(days=1), "created_by": person,
                  "status": "published"})
    return Visit.objects.create(organization=world.org, plan=plan, unit=world.units[unit], supervisor=person,
                                date=today + dt.timedelta(days=days), template=template, mode="on_site")


def start_url(visit) -> str:
    return reverse("inspections:start") + f"?visit={visit.pk}"


# --- permission matrices ---------------------------------------------------------------------
class _Draft(_OneInspection):
    def make(self, world):
        return started(world)

    def marker(self, target):
        return reverse("inspections:run", args=[target.pk])


class TestOfflinePage(_Draft, PageListMatrix):
    url_name = "inspections:offline"
    in_scope = "supervisor"


class TestOfflinePrecache(_Draft, PageListMatrix):
    url_name = "inspections:offline-precache"
    in_scope = "supervisor"


class TestOfflineRunPage(PageObjectMatrix):
    url_name = "inspections:offline-run"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager", "staff")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def target(self, world):
        if not hasattr(self, "_template"):
            self._template = make_template(world, name="门店营运标准检查表", sections=2)
        return self._template

    def other_org_target(self, world):
        return make_template_for_other_org(world)

    def snapshot(self, world):
        return Inspection.objects.count()

    def check_success(self, world, target, response):
        text = response.content.decode()
        config = json.loads(text.split('id="run-config" type="application/json">')[1].split("</script>")[0])
        assert config["offline"] is True and config["template_id"] == target.pk
        assert config["create"] == "/api/v1/inspections"
        assert text.count('class="item-card') == target.items.count()
        # No inspection exists yet: nothing of one is on the page, and it is not a preview.
        assert "/api/v1/inspections/" not in text and 'data-preview="1"' not in text
        assert 'id="sync"' in text and 'id="next-unanswered"' in text
        assert text.count('class="section-count"') == 2


# --- the worker and the manifest ---------------------------------------------------------------
def test_service_worker_is_root_scoped_uncached_and_public(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    assert "/*SETTINGS*/{}" not in source
    settings = json.loads(source.split("var SETTINGS = ")[1].split(";\n")[0])
    assert settings["version"] == offline.shell_version()
    assert "/static/inspections/run.js" in settings["shell"] and "/static/dudao/htmx.min.js" in settings["shell"]
    assert settings["offline"] == reverse("inspections:offline")
    assert settings["offlineRun"] == "/inspections/offline/run/"
    # The site's policy applies unchanged: no inline script, nothing from elsewhere.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_every_shell_file_exists():
    for name in offline.SHELL:
        assert finders.find(name), name


def test_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert (body["name"], body["display"], body["start_url"], body["scope"]) == ("督导", "standalone", "/", "/")
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512", "any"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in body["icons"])
    for icon in body["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_links_the_manifest_and_installs_the_worker(client, world):
    client.force_login(world.people["supervisor"])
    text = client.get(reverse("inspections:my-work")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in text
    assert "/static/inspections/pwa.js" in text
    assert 'id="precache-now"' in text  # "my work" refreshes what the phone keeps


def test_a_background_fetch_of_the_worker_leaves_one_time_messages_for_the_page_seen_next(client, world):
    """The worker keeps pages while the person works: its fetch must not eat their "已保存"."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    client.force_login(world.people["supervisor"])
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "已提交审批")])
    home = reverse("inspections:my-work")
    background = client.get(home, headers={"X-Dudao-Background": "keep"})
    assert background.status_code == 200 and "已提交审批" not in background.content.decode()
    seen = client.get(home)
    assert "已提交审批" in seen.content.decode()
    assert "已提交审批" not in client.get(home).content.decode()  # shown once


# --- what a phone keeps ------------------------------------------------------------------------
def precache_of(client, person):
    client.force_login(person)
    response = client.get(reverse("inspections:offline-precache"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    return response.json()


def test_precache_keeps_the_supervisors_next_seven_days(client, world):
    template = make_template(world)
    today = planned_visit(world, template, days=0)
    in_a_week = planned_visit(world, template, days=7)
    too_late = planned_visit(world, template, days=8)
    someone_else = planned_visit(world, template, supervisor="region_manager", unit="store1")
    draft = started(world, template=template)

    body = precache_of(client, world.people["supervisor"])
    pages = body["pages"]
    assert start_url(today) in pages and start_url(in_a_week) in pages
    assert start_url(too_late) not in pages and start_url(someone_else) not in pages
    assert reverse("inspections:run", args=[draft.pk]) in pages
    assert reverse("inspections:offline-run", args=[template.pk]) in pages
    assert {"/", reverse("inspections:my-work"), reverse("inspections:offline"), reverse("inspections:start")} <= set(pages)
    assert [v["id"] for v in body["visits"]] == [today.pk, in_a_week.pk]
    assert body["visits"][0]["unit"] == world.units["store2"].name
    assert [t["id"] for t in body["templates"]] == [template.pk]
    assert body["csrf"]


def test_precache_offers_only_published_standards_of_the_organisation(client, world):
    published = make_template(world, name="甲标准")
    draft = make_template(world, name="草稿标准", publish=False)
    foreign = make_template_for_other_org(world)
    ids = {t["id"] for t in precache_of(client, world.people["supervisor"])["templates"]}
    assert published.pk in ids and draft.pk not in ids and foreign.pk not in ids


def test_precache_for_someone_who_does_not_inspect_keeps_only_their_pages(client, world):
    template = make_template(world)
    planned_visit(world, template)
    body = precache_of(client, world.people["unit_manager"])
    assert body["pages"] == ["/", reverse("inspections:my-work"), reverse("inspections:offline")]
    assert body["visits"] == [] and body["templates"] == []


def test_offline_run_refuses_a_draft_standard(client, world):
    draft = make_template(world, publish=False)
    client.force_login(world.people["supervisor"])
    assert client.get(reverse("inspections:offline-run", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("visits", [1, 6])
def test_precache_queries_do_not_grow_with_the_visits(client, world, django_assert_num_queries, visits):
    template = make_template(world)
    for n in range(visits):
        planned_visit(world, template, days=n % 7)
    started(world, template=template)
    client.force_login(world.people["supervisor"])
    client.get(reverse("inspections:offline-precache"))  # warm the policy and session caches
    with django_assert_num_queries(PRECACHE_QUERIES):
        response = client.get(reverse("inspections:offline-precache"))
    assert len(response.json()["visits"]) == visits


PRECACHE_QUERIES = 9
"""Session and person, the policy, the visits, the drafts, the standards: the same for any number."""


def test_offline_page_lists_visits_and_drafts(client, world):
    template = make_template(world)
    visit = planned_visit(world, template)
    draft = started(world, template=template)
    client.force_login(world.people["supervisor"])
    text = client.get(reverse("inspections:offline")).content.decode()
    assert start_url(visit) in text and reverse("inspections:run", args=[draft.pk]) in text
    assert template.name in text
    assert Template.objects.filter(pk=template.pk).exists()
