"""Unit coordinates (WGS-84): the form, the API and the map link on the unit page (issue 13)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dudao.core.models import AuditEvent
from dudao.org.models import Unit


def position(world, key="store1"):
    unit = world.unit(key)
    return unit.latitude, unit.longitude, unit.address


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.people["admin"])
    return client


def test_the_unit_form_saves_the_position_and_the_page_links_the_map(admin_client, world):
    unit = world.units["store1"]
    response = admin_client.post(reverse("org:unit-edit", args=[unit.pk]), {
        "code": unit.code, "name": unit.name, "kind": "store", "latitude": "31.229620", "longitude": "121.457010",
        "address": "上海市静安区南京西路 1000 号"})
    assert response.status_code == 302
    assert position(world) == (Decimal("31.229620"), Decimal("121.457010"), "上海市静安区南京西路 1000 号")
    event = AuditEvent.objects.filter(action="unit.update", object_id=str(unit.pk)).latest("id")
    assert event.after["latitude"] == "31.229620"
    page = admin_client.get(reverse("org:unit-detail", args=[unit.pk])).content.decode()
    assert "https://uri.amap.com/marker?position=121.457010%2C31.229620&amp;name=" in page
    assert "WGS-84" in page


@pytest.mark.parametrize(("latitude", "longitude", "field"), [
    ("95", "121.4", "latitude"), ("31.2", "200", "longitude"), ("31.2", "", "longitude"), ("北纬31", "121", "latitude"),
])
def test_the_unit_form_refuses_a_bad_position_naming_the_field(admin_client, world, latitude, longitude, field):
    unit = world.units["store1"]
    before = (position(world), AuditEvent.objects.count())
    response = admin_client.post(reverse("org:unit-edit", args=[unit.pk]), {
        "code": unit.code, "name": unit.name, "kind": "store", "latitude": latitude, "longitude": longitude})
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert (position(world), AuditEvent.objects.count()) == before


def test_the_api_patch_sets_and_clears_the_position_and_leaves_other_fields(admin_client, world):
    unit = world.units["store1"]
    url = f"/api/v1/units/{unit.pk}"
    response = admin_client.patch(url, {"latitude": 31.22962, "longitude": 121.45701}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (Decimal(str(body["latitude"])), Decimal(str(body["longitude"]))) == (Decimal("31.22962"),
                                                                                 Decimal("121.45701"))
    assert (body["code"], body["name"], body["kind"]) == (unit.code, unit.name, unit.kind)
    cleared = admin_client.patch(url, {"latitude": None, "longitude": None}, content_type="application/json")
    assert cleared.status_code == 200 and cleared.json()["latitude"] is None
    assert world.unit("store1").latitude is None


def test_the_api_refuses_an_out_of_range_latitude_and_a_lone_one(admin_client, world):
    url = f"/api/v1/units/{world.units['store1'].pk}"
    assert admin_client.patch(url, {"latitude": 91, "longitude": 121}, content_type="application/json").status_code == 422
    lone = admin_client.patch(url, {"latitude": 31.2}, content_type="application/json")
    assert lone.status_code == 422 and "longitude" in lone.json()["detail"]["fields"]
    assert Unit.objects.get(pk=world.units["store1"].pk).latitude is None


def test_a_unit_is_created_with_its_position_over_the_api(admin_client, world):
    response = admin_client.post("/api/v1/units", {
        "code": "S9", "name": "杭州西湖店", "kind": "store", "parent_id": world.units["east"].pk,
        "latitude": "30.257250", "longitude": "120.164080"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Unit.objects.get(code="S9").latitude == Decimal("30.257250")
