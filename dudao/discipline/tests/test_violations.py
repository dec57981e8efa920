"""Violations: three-party confirmation, default fines from the policy, accumulation (3 lates = 1
absence; 5 absences or 10 penalties a year forfeit the year-end bonus), imported attendance counted
the same way, the year-end forfeit reaching the appraisal, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.appraisal import explain
from dudao.appraisal import services as appraisal
from dudao.appraisal.models import Appraisal
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.discipline import selectors, services
from dudao.discipline.models import Violation
from dudao.notifications.models import Notification

pytestmark = pytest.mark.django_db

YEAR = 2025


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(YEAR, month, day, hour, 5))


def record(world, kind="late", *, when=None, handler="unit_manager", party="staff", witness="supervisor",
           unit="store1", **extra):
    violation, _created = services.violation_create(
        actor=world.person(handler), person=world.person(party), unit=world.unit(unit), kind=kind,
        occurred_at=when or at(3, 2), witness=world.person(witness), **extra)
    return violation


def sign(world, violation, *who):
    for key in who:
        violation = services.violation_confirm(actor=world.person(key), violation=violation)
    return violation


def test_a_violation_counts_only_once_party_witness_and_handler_have_confirmed(world):
    violation = record(world)
    assert violation.status == "pending" and violation.confirmations() == {
        "party": False, "witness": False, "handler": True}
    assert {n.recipient.username for n in Notification.objects.filter(kind="violation.confirm")} == {
        "staff", "supervisor"}
    assert selectors.summary(world.person("staff"), YEAR)["late"] == 0  # pending counts for nothing
    violation = sign(world, violation, "staff")
    assert violation.status == "pending"
    violation = sign(world, violation, "supervisor")
    assert violation.status == "effective" and violation.effective_at is not None
    assert selectors.summary(world.person("staff"), YEAR)["late"] == 1
    assert AuditEvent.objects.filter(action="violation.take_effect", object_id=str(violation.pk)).count() == 1
    # Signing again changes nothing; nobody else may sign.
    events = AuditEvent.objects.count()
    sign(world, violation, "staff")
    assert AuditEvent.objects.count() == events
    with pytest.raises(ApplicationError) as refused:
        services.violation_confirm(actor=world.person("region_manager"), violation=violation)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_fines_default_from_the_policy_and_a_given_fine_wins(utility_world):
    world = utility_world
    absence = record(world, "absence")
    assert (absence.fine, absence.deducts_day_pay) == (Decimal("200.00"), True)
    assert record(world, "late", when=at(3, 3)).fine == Decimal("10.00")
    assert record(world, "off_post", when=at(3, 4), fine="15").fine == Decimal("15.00")
    assert record(world, "operating", when=at(3, 5), fine="¥1,200").fine == Decimal("1200.00")  # as typed


def test_three_lates_in_a_month_count_as_one_absence_and_imported_attendance_counts_the_same(world):
    for day in (3, 10, 17):
        sign(world, record(world, when=at(3, day)), "staff", "supervisor")
    sign(world, record(world, "early_leave", when=at(4, 1)), "staff", "supervisor")  # April: alone
    year = selectors.summary(world.person("staff"), YEAR)
    assert (year["late"], year["early_leave"], year["absence_from_lates"], year["penalties"]) == (3, 1, 1, 4)
    # May's attendance file says 2 lates and 1 early leave (none recorded here): one more absence.
    appraisal.attendance_import(actor=world.person("admin"), rows=[{
        "person": world.people["staff"], "scope_unit": None, "month": dt.date(YEAR, 5, 1), "days_worked": Decimal(21),
        "personal_leave_days": Decimal(0), "late": 2, "early_leave": 1, "absence": 0, "existing": None}])
    year = selectors.summary(world.person("staff"), YEAR)
    assert (year["late"], year["early_leave"], year["absence_from_lates"]) == (5, 2, 2)


def test_five_absences_forfeit_the_year_end_bonus_in_the_summary_and_the_year_appraisal(world):
    for month in range(1, 6):
        sign(world, record(world, "absence", when=at(month, 12), party="unit_manager", handler="region_manager"),
             "unit_manager", "supervisor")
    year = selectors.summary(world.person("unit_manager"), YEAR)
    assert year["absence"] == 5 and year["year_end_bonus_forfeited"] and "取消年终奖" in year["reasons"][0]
    # The unit managers' year has no scheme in the pack: a supervisor's year shows the hook at work.
    for month in range(1, 6):
        sign(world, record(world, "absence", when=at(month, 13), party="supervisor", handler="region_manager",
                           witness="unit_manager", unit="east"), "supervisor", "unit_manager")
    cycle = appraisal.cycle_create(actor=world.person("admin"), role="supervisor", period=str(YEAR),
                                   scope_unit=world.unit("root"))
    result = Appraisal.objects.select_related("person", "cycle").get(cycle=cycle)
    assert result.bonus_forfeited
    assert any("违纪" in explain.bonus_reason(r) for r in result.bonus_reasons)


def test_a_month_appraisal_is_not_judged_by_the_year_rule(world):
    for month in range(1, 6):
        sign(world, record(world, "absence", when=at(month, 13), party="supervisor", handler="region_manager",
                           witness="unit_manager", unit="east"), "supervisor", "unit_manager")
    cycle = appraisal.cycle_create(actor=world.person("admin"), role="supervisor", period=f"{YEAR}-05",
                                   scope_unit=world.unit("root"))
    assert not cycle.appraisals.get().bonus_forfeited


@pytest.mark.parametrize(("options", "field"), [
    ({"kind": "sleeping"}, "kind"),
    ({"witness": "staff"}, "witness_id"),  # the party cannot witness
    ({"witness": "unit_manager"}, "witness_id"),  # nor the handler
    ({"party": "other_unit_manager"}, "person_id"),  # works elsewhere
    ({"card": "green"}, "card"),
    ({"fine": "-5"}, "fine"),
    ({"fine": "五十"}, "fine"),
    ({"fine": "10.005"}, "fine"),
    ({"when": timezone.now() + dt.timedelta(days=2)}, "occurred_at"),
])
def test_bad_violations_name_the_field_and_change_nothing(world, options, field):
    before = (Violation.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    with pytest.raises(ApplicationError) as refused:
        record(world, **options)
    assert field in refused.value.detail["fields"], refused.value.detail
    assert (Violation.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == before


def test_only_managers_over_the_unit_record_and_a_retry_does_not_duplicate(world):
    for outsider in ("other_region_manager", "finance", "staff"):
        with pytest.raises(ApplicationError) as refused:
            record(world, handler=outsider, witness="region_manager")
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    first = record(world, client_id="phone-1")
    again, created = services.violation_create(
        actor=world.person("unit_manager"), person=world.person("staff"), unit=world.unit("store1"), kind="late",
        occurred_at=at(3, 2), witness=world.person("supervisor"), client_id="phone-1")
    assert again.pk == first.pk and created is False and Violation.objects.count() == 1
