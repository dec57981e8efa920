"""The pages' view model (screens.py): what the sheet, the run screen and the list rows hold."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.inspections import screens
from dudao.inspections.tests.test_api import GOOD_ANSWERS, answered
from dudao.org import services as org
from dudao.org.choices import UnitKind


def test_region_names_name_the_nearest_region_in_one_query_and_none_without_units(world):
    outside = org.unit_create(actor=world.people["admin"], parent=world.units["department"], code="X1",
                              name="直营店", kind=UnitKind.STORE)
    units = [world.units["store1"], world.units["store3"], outside]
    with CaptureQueriesContext(connection) as ctx:
        names = screens.region_names(world.org.pk, units)
    assert names == {world.units["store1"].pk: "华东区", world.units["store3"].pk: "华西区", outside.pk: ""}
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        assert screens.region_names(world.org.pk, []) == {}
    assert len(ctx.captured_queries) == 0


def test_the_run_context_counts_what_submit_will_ask_for(world):
    # C1, S1, N1 answered; the required photo of P1 and the red line R1 are not.
    inspection = answered(world, answers=GOOD_ANSWERS[:3], with_photo=False)
    context = screens.run_context(inspection)
    rows = {row.item.code: row for section in context["sheet"] for row in section.rows}
    assert (context["answered"], context["total"]) == (3, 6)
    assert not rows["P1"].complete and not rows["T1"].counted
    assert rows["N1"].range == ("0", "5") and rows["N1"].bounds == "0 – 5" and rows["C1"].bounds == ""
    assert context["config"]["answers"] == f"/api/v1/inspections/{inspection.pk}/answers"
    assert context["config"]["download"] == "/api/v1/attachments/{id}/download"
