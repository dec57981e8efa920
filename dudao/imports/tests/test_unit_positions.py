"""The units import's 纬度/经度 columns (issue 13: unit coordinates)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.org.models import Unit

from .files import UNIT_HEADERS, xlsx
from .test_services import errors_of, org_state, run_import

pytestmark = pytest.mark.django_db

HEADERS = [*UNIT_HEADERS, "纬度", "经度"]


def positions():
    return sorted(Unit.objects.values_list("code", "latitude", "longitude"))


def test_new_and_existing_units_take_their_coordinates(world):
    content = xlsx({"机构": [HEADERS, ["N1", "新店一", "门店", "E", "31.229620", "121.457010"],
                            ["S1", "南京西路店", "门店", "E", "31.218440", "121.462380"],
                            ["S2", "淮海路店", "门店", "E", "", ""]]})
    run = run_import(world, "units", content)
    assert run.status == "applied", run.errors
    new = Unit.objects.get(code="N1")
    assert (new.latitude, new.longitude) == (Decimal("31.229620"), Decimal("121.457010"))
    assert (world.unit("store1").latitude, world.unit("store1").longitude) == (Decimal("31.218440"),
                                                                               Decimal("121.462380"))
    assert world.unit("store2").latitude is None  # blank cells change nothing


BAD = [
    ("latitude out of range", ["91", "121.4"], "latitude"),
    ("not a number", ["31.2", "东经121"], "longitude"),
    ("lone latitude", ["31.2", ""], "longitude"),
    ("too many decimals", ["31.1234567", "121.4"], "latitude"),
]


@pytest.mark.parametrize(("case", "cells", "field"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_coordinate_is_a_row_error_naming_the_column_and_nothing_changes(world, case, cells, field):
    content = xlsx({"机构": [HEADERS, ["N0", "好的店", "门店", "E", "31.2", "121.4"], ["N1", "新店", "门店", "E", *cells]]})
    before = (org_state(world), positions())
    run = run_import(world, "units", content)
    assert run.status == "failed"
    assert errors_of(run) == {("机构", 3, field)}, run.errors
    assert (org_state(world), positions()) == before
