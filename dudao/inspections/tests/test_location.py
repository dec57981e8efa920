"""Check-in position of on-site inspections: distance from the unit, the geofence and the stated
reason (issue 13, location evidence), through the service, the API, the start page, the detail,
the list and the PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.inspections import screens, services
from dudao.inspections.location import distance_m
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import check_items, make_template
from dudao.org import services as org_services

# 上海南京西路 (WGS-84) and two points due north of it: ~2.0 km and ~120 m away.
STORE = (Decimal("31.229620"), Decimal("121.457010"))
FAR = (Decimal("31.247606"), Decimal("121.457010"))
NEAR = (Decimal("31.230700"), Decimal("121.457010"))
REASON = "商场停电封闭,在对面写字楼与店长核对记录"


@pytest.fixture
def placed(world):
    """store1 with coordinates; a published one-item template."""
    org_services.unit_update(actor=world.person("admin"), unit=world.unit("store1"), latitude=STORE[0],
                             longitude=STORE[1])
    return world.unit("store1"), make_template(world, check_items(1))


def start(world, unit, template, **kwargs):
    inspection, _created = services.inspection_create(actor=world.person("supervisor"), unit=unit,
                                                      template=template, **kwargs)
    return inspection


def counts():
    return Inspection.objects.count(), AuditEvent.objects.filter(action="inspection.create").count()


def policy(world, **inspections):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.person("admin"), organization=world.org, effective_from=timezone.localdate(),
                          overrides={"inspections": inspections})


def test_haversine_distance_matches_a_known_length():
    # One hundredth of a degree of latitude is about 1.11 km anywhere.
    assert distance_m(31.0, 121.0, 31.01, 121.0) == pytest.approx(1112, abs=2)
    assert round(distance_m(*FAR, *STORE)) == pytest.approx(2000, abs=5)


# --- service ---------------------------------------------------------------------------------
def test_two_kilometres_away_without_a_reason_is_refused_and_nothing_is_created(world, placed):
    unit, template = placed
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        start(world, unit, template, latitude=FAR[0], longitude=FAR[1])
    assert refused.value.status == 422
    assert list(refused.value.detail["fields"]) == ["location_reason"]
    assert refused.value.message == "距门店 2.0 公里,超出 500 米范围,请填写原因"
    assert counts() == before


def test_a_stated_reason_is_the_allowed_exception_kept_and_audited(world, placed):
    unit, template = placed
    inspection = start(world, unit, template, latitude=FAR[0], longitude=FAR[1], location_reason=f"  {REASON} ")
    assert (inspection.location_flag, inspection.location_reason) == ("outside", REASON)
    assert inspection.distance_m == pytest.approx(2000, abs=5)
    event = AuditEvent.objects.get(action="inspection.create", object_id=str(inspection.pk))
    assert event.after["location_reason"] == REASON and event.after["location_flag"] == "outside"


def test_inside_the_geofence_nothing_is_flagged(world, placed):
    unit, template = placed
    inspection = start(world, unit, template, latitude=NEAR[0], longitude=NEAR[1])
    assert inspection.location_flag == "" and 100 < inspection.distance_m < 140


def test_no_position_on_site_is_refused_naming_latitude_unless_a_reason_is_given(world, placed):
    unit, template = placed
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        start(world, unit, template)
    assert list(refused.value.detail["fields"]) == ["latitude"]
    assert counts() == before
    inspection = start(world, unit, template, location_reason="地下室没有信号")
    assert (inspection.location_flag, inspection.distance_m, inspection.latitude) == ("missing", None, None)


def test_a_lone_latitude_is_refused_naming_longitude(world, placed):
    unit, template = placed
    with pytest.raises(ApplicationError) as refused:
        start(world, unit, template, latitude=NEAR[0])
    assert list(refused.value.detail["fields"]) == ["longitude"]


def test_the_policy_radius_is_read(world, placed):
    unit, template = placed
    policy(world, geofence_m=3000)
    inspection = start(world, unit, template, latitude=FAR[0], longitude=FAR[1])
    assert inspection.location_flag == ""


def test_with_the_policy_off_no_position_is_accepted_but_still_flagged(world, placed):
    unit, template = placed
    policy(world, geolocation_required_on_site=False)
    inspection = start(world, unit, template)
    assert inspection.location_flag == "missing" and inspection.location_reason == ""
    far = start(world, unit, template, latitude=FAR[0], longitude=FAR[1])
    assert far.location_flag == "outside"


def test_a_unit_without_coordinates_accepts_any_position_and_measures_nothing(world):
    template = make_template(world, check_items(1))
    inspection = start(world, world.unit("store2"), template, latitude=FAR[0], longitude=FAR[1])
    assert (inspection.distance_m, inspection.location_flag) == (None, "")


def test_remote_inspections_need_no_position(world, placed):
    unit, template = placed
    inspection = start(world, unit, template, mode="remote")
    assert inspection.location_flag == ""


def test_a_position_given_later_is_judged_too(world, placed):
    unit, template = placed
    inspection = start(world, unit, template, location_reason="定位较慢,稍后补")
    updated = services.inspection_update(actor=world.person("supervisor"), inspection=inspection,
                                         latitude=NEAR[0], longitude=NEAR[1])
    assert updated.location_flag == "" and updated.distance_m is not None


# --- API -------------------------------------------------------------------------------------
@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.people["supervisor"])
    return client


def post_start(client, unit, template, **extra):
    return client.post("/api/v1/inspections", {"unit_id": unit.pk, "template_id": template.pk, **extra},
                       content_type="application/json")


def test_api_refuses_two_kilometres_away_naming_the_reason_field(supervisor_client, world, placed):
    unit, template = placed
    before = counts()
    response = post_start(supervisor_client, unit, template, latitude=str(FAR[0]), longitude=str(FAR[1]))
    assert response.status_code == 422
    body = response.json()
    assert "location_reason" in body["detail"]["fields"] and "2.0 公里" in body["message"]
    assert counts() == before


def test_api_accepts_a_reason_and_answers_with_the_check_in(supervisor_client, world, placed):
    unit, template = placed
    response = post_start(supervisor_client, unit, template, latitude=str(FAR[0]), longitude=str(FAR[1]),
                          location_accuracy_m=15, location_reason=REASON)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["location_flag"], body["location_reason"]) == ("outside", REASON)
    assert 1995 <= body["distance_m"] <= 2005
    detail = supervisor_client.get(f"/api/v1/inspections/{body['id']}").json()
    assert detail["location_reason"] == REASON and detail["distance_m"] == body["distance_m"]


def test_api_refuses_no_position_naming_latitude(supervisor_client, world, placed):
    unit, template = placed
    response = post_start(supervisor_client, unit, template)
    assert response.status_code == 422 and "latitude" in response.json()["detail"]["fields"]
    assert Inspection.objects.count() == 0


# --- pages -----------------------------------------------------------------------------------
def test_start_page_refusal_asks_for_the_reason_and_then_accepts_it(supervisor_client, world, placed):
    unit, template = placed
    data = {"unit": unit.pk, "template": template.pk, "mode": "on_site", "client_id": "geo-1",
            "latitude": str(FAR[0]), "longitude": str(FAR[1]), "location_accuracy_m": "20"}
    refused = supervisor_client.post(reverse("inspections:start"), data)
    assert refused.status_code == 422
    assert "距门店 2.0 公里,超出 500 米范围,请填写原因" in refused.content.decode()
    assert Inspection.objects.count() == 0
    accepted = supervisor_client.post(reverse("inspections:start"), {**data, "location_reason": REASON})
    assert accepted.status_code == 302
    assert Inspection.objects.get(client_id="geo-1").location_reason == REASON


def test_start_page_without_a_position_shows_the_error_at_the_reason(supervisor_client, world, placed):
    unit, template = placed
    response = supervisor_client.post(reverse("inspections:start"), {
        "unit": unit.pk, "template": template.pk, "mode": "on_site", "client_id": "geo-2"})
    assert response.status_code == 422
    assert "现场检查须记录定位" in response.content.decode()
    assert Inspection.objects.count() == 0


def test_detail_list_and_pdf_show_the_distance_and_the_reason(supervisor_client, world, placed):
    unit, template = placed
    inspection = start(world, unit, template, latitude=FAR[0], longitude=FAR[1], location_reason=REASON)
    detail = supervisor_client.get(inspection.get_absolute_url()).content.decode()
    assert "距门店 2.0 公里" in detail and REASON in detail and "超出范围" in detail
    listed = supervisor_client.get(reverse("inspections:inspection-list")).content.decode()
    assert "超出范围" in listed and REASON[:10] in listed
    response = supervisor_client.get(reverse("inspections:inspection-pdf", args=[inspection.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    assert "距门店2.0公里" in compact and "".join(REASON.split()) in compact


def test_run_config_gives_the_offline_screen_the_geofence(world, placed):
    unit, template = placed
    inspection = start(world, unit, template, latitude=NEAR[0], longitude=NEAR[1])
    config = screens.run_config(inspection, geo_required=True)
    assert config["geofence_m"] == 500
    assert config["unit_position"] == {"lat": float(STORE[0]), "lon": float(STORE[1])}
    assert config["camera_only"] is False
    other = start(world, world.unit("store2"), template, latitude=NEAR[0], longitude=NEAR[1])
    assert screens.run_config(other, geo_required=True)["unit_position"] is None
