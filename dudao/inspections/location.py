"""Where an on-site inspection was checked in: the distance from the unit and the geofence rule.

Positions are WGS-84 (what a phone's browser reports, and what units store). The distance is the
great-circle (haversine) distance on a sphere of the Earth's mean radius: within a few metres at
the scale of a geofence, which is far below a phone's own accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dudao.core.errors import validation_error

from .choices import InspectionMode, LocationFlag

EARTH_RADIUS_M = 6_371_008.8

__all__ = ["CheckIn", "check_in", "distance_m", "distance_text"]


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Metres between two WGS-84 positions (haversine)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lon2) - float(lon1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_text(metres: float | int) -> str:
    """"850 米" under a kilometre, "2.0 公里" above."""
    if metres < 1000:
        return _("%(m)s 米") % {"m": round(metres)}
    return _("%(km)s 公里") % {"km": f"{metres / 1000:,.1f}"}


@dataclass(frozen=True)
class CheckIn:
    """What the service stores about a check-in: the distance (None without both positions), the
    flag (blank when nothing is amiss) and the stated reason."""

    distance_m: int | None
    flag: str
    reason: str


def check_in(*, policy, mode: str, unit, latitude, longitude, reason: str = "") -> CheckIn:
    """Judge a check-in by the policy in force; refuse (422 naming the field) what the rule forbids.

    Only on-site visits are held to the rule, and only when the policy requires a position: then
    no position is refused naming `latitude`, and a position farther than `inspections.geofence_m`
    from a unit with coordinates is refused naming `location_reason`, unless a reason is stated:
    the reason is the exception the policy allows, and it is kept with the inspection.
    """
    reason = (reason or "").strip()
    if (latitude is None) != (longitude is None):
        raise validation_error("longitude" if longitude is None else "latitude", _("纬度和经度须同时提供"))
    has_position = latitude is not None
    distance = None
    if has_position and unit.latitude is not None and unit.longitude is not None:
        distance = round(distance_m(latitude, longitude, unit.latitude, unit.longitude))
    if mode != InspectionMode.ON_SITE:
        return CheckIn(distance, "", reason)
    limit = policy.inspections.geofence_m
    flag = ""
    if not has_position:
        flag = LocationFlag.MISSING
    elif distance is not None and distance > limit:
        flag = LocationFlag.OUTSIDE
    if policy.inspections.geolocation_required_on_site and flag and not reason:
        if flag == LocationFlag.MISSING:
            raise validation_error(
                "latitude", _("现场检查须记录定位:请允许浏览器获取位置,或填写无法定位的原因")
            )
        raise validation_error("location_reason", _("距门店 %(distance)s,超出 %(limit)s范围,请填写原因") % {
            "distance": distance_text(distance), "limit": distance_text(limit),
        })
    return CheckIn(distance, flag, reason)
