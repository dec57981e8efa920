"""Versions: dated overrides, what policy_for answers on each date, audit, refusals that save nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.policies import services
from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for, version_in_force

TODAY = timezone.localdate


def days(n: int) -> dt.date:
    return TODAY() + dt.timedelta(days=n)


def create(world, *, on=None, overrides=None, actor="admin", note=""):
    return services.policy_version_create(
        actor=world.people[actor], organization=world.org, effective_from=on or days(10),
        overrides=overrides if overrides is not None else {"inspections": {"pass_mark": 85}}, note=note,
    )


def counts():
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


def test_without_versions_the_pack_defaults_apply(world):
    assert policy_for(world.org).inspections.pass_mark == 80
    assert policy_for(world.org, on=days(-400)).findings.due_days.high == 3
    assert version_in_force(world.org) is None


def test_a_version_applies_from_its_effective_date_on(world):
    version = create(world, on=days(10), overrides={"inspections": {"pass_mark": 85}})
    assert policy_for(world.org).inspections.pass_mark == 80
    assert policy_for(world.org, on=days(9)).inspections.pass_mark == 80
    assert policy_for(world.org, on=days(10)).inspections.pass_mark == 85
    assert policy_for(world.org, on=days(400)).inspections.pass_mark == 85
    assert version_in_force(world.org, days(10)) == version
    # everything not overridden stays the pack's
    assert policy_for(world.org, on=days(10)).findings.due_days.high == 3


def test_the_latest_version_on_or_before_the_date_wins(world):
    create(world, on=days(5), overrides={"inspections": {"pass_mark": 85}})
    create(world, on=days(20), overrides={"findings": {"due_days": {"high": 2}}})
    assert policy_for(world.org, on=days(19)).inspections.pass_mark == 85
    later = policy_for(world.org, on=days(20))
    # each version is the complete set of overrides: pass_mark is back to the pack's value
    assert later.inspections.pass_mark == 80
    assert later.findings.due_days.high == 2


def test_lists_replace_and_dicts_merge(world):
    create(world, on=days(1), overrides={
        "findings": {"due_days": {"low": 30}, "escalation": [{"after_days": 1, "role": "ops_manager"}]},
    })
    findings = policy_for(world.org, on=days(1)).findings
    assert (findings.due_days.critical, findings.due_days.low) == (1, 30)
    assert [(s.after_days, s.role) for s in findings.escalation] == [(1, "ops_manager")]


def test_a_datetime_is_judged_on_its_local_date(world):
    create(world, on=days(3))
    moment = timezone.make_aware(dt.datetime.combine(days(3), dt.time(0, 30)))
    assert policy_for(world.org, on=moment).inspections.pass_mark == 85
    assert policy_for(world.org, on=moment - dt.timedelta(hours=1)).inspections.pass_mark == 80


def test_the_organization_id_is_enough(world):
    create(world, on=TODAY())
    assert policy_for(world.org.pk).inspections.pass_mark == 85


def test_another_organization_is_unaffected(world):
    create(world, on=TODAY(), overrides={"inspections": {"pass_mark": 90}})
    assert policy_for(world.org).inspections.pass_mark == 90
    other = policy_for(world.other_org)
    assert other.inspections.pass_mark == 80
    assert other.plans.coverage_rules[0].code == "branch_quarterly_share"


def test_replacing_a_version_is_never_served_stale(world):
    create(world, on=TODAY(), overrides={"inspections": {"pass_mark": 85}})
    assert policy_for(world.org).inspections.pass_mark == 85
    create(world, on=TODAY(), overrides={"inspections": {"pass_mark": 88}})
    assert policy_for(world.org).inspections.pass_mark == 88
    assert PolicyVersion.objects.filter(organization=world.org).count() == 1


def test_policy_for_costs_one_query_once_cached(world, django_assert_num_queries):
    create(world, on=TODAY())
    policy_for(world.org)
    with django_assert_num_queries(1):
        assert policy_for(world.org).inspections.pass_mark == 85


def test_creating_a_version_is_audited(world):
    version = create(world, on=days(2), overrides={"inspections": {"pass_mark": 85}}, note="提高合格线")
    event = AuditEvent.objects.get(object_type="policies.policyversion", object_id=str(version.pk))
    assert event.action == "policy.override"
    assert event.actor_id == world.people["admin"].pk
    assert event.organization_id == world.org.pk
    assert event.before is None
    assert event.after["overrides"] == {"inspections": {"pass_mark": 85}}
    assert event.after["effective_from"] == days(2).isoformat()
    assert event.after["note"] == "提高合格线"


def test_replacing_a_version_is_audited_as_an_update(world):
    version = create(world, on=days(2), overrides={"inspections": {"pass_mark": 85}})
    create(world, on=days(2), overrides={"inspections": {"pass_mark": 86}})
    events = list(AuditEvent.objects.filter(object_type="policies.policyversion", object_id=str(version.pk)))
    assert [e.action for e in events] == ["policy.override", "policy.override.update"]
    assert events[1].before["overrides"] == {"inspections": {"pass_mark": 85}}
    assert events[1].after["overrides"] == {"inspections": {"pass_mark": 86}}


def test_the_version_and_its_audit_event_commit_together(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "record_event", broken)
    before = counts()
    with pytest.raises(RuntimeError), transaction.atomic():
        create(world)
    assert counts() == before


def test_an_invalid_override_saves_nothing_and_names_the_key(world):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        create(world, overrides={"findings": {"foo": 1}})
    assert caught.value.code == ErrorCode.POLICY_INVALID
    assert "findings.foo" in caught.value.message
    assert counts() == before


def test_an_invalid_replacement_leaves_the_version_as_it_was(world):
    version = create(world, on=days(2), overrides={"inspections": {"pass_mark": 85}})
    before = counts()
    with pytest.raises(ApplicationError):
        create(world, on=days(2), overrides={"inspections": {"pass_mark": 185}})
    version.refresh_from_db()
    assert version.overrides == {"inspections": {"pass_mark": 85}}
    assert counts() == before


@pytest.mark.parametrize("actor", ["executive", "supervisor", "unit_manager", "staff", "no_role"])
def test_only_the_governing_roles_set_policy_and_a_refusal_saves_nothing(world, actor):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        create(world, actor=actor)
    assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert counts() == before
    create(world, actor="admin")
    assert counts() == (before[0] + 1, before[1] + 1)


def test_the_ops_manager_governs_the_policy_with_the_admin(world):
    before = counts()
    create(world, actor="ops_manager")
    assert counts() == (before[0] + 1, before[1] + 1)


def test_the_admin_of_another_organization_cannot_set_this_ones_policy(world):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        create(world, actor="b_admin")
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert counts() == before


def test_a_past_effective_date_is_refused_naming_the_field(world):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        create(world, on=days(-1))
    assert caught.value.code == ErrorCode.VALIDATION
    assert caught.value.message.startswith("effective_from: ")
    assert list(caught.value.detail["fields"]) == ["effective_from"]
    assert counts() == before
    create(world, on=TODAY())
    assert counts()[0] == before[0] + 1


def test_overrides_must_be_an_object(world):
    with pytest.raises(ApplicationError) as caught:
        create(world, overrides=[1, 2])
    assert list(caught.value.detail["fields"]) == ["overrides"]


def test_empty_overrides_return_to_the_pack_from_that_date(world):
    create(world, on=TODAY(), overrides={"inspections": {"pass_mark": 85}})
    create(world, on=days(3), overrides={})
    assert policy_for(world.org).inspections.pass_mark == 85
    assert policy_for(world.org, on=days(3)).inspections.pass_mark == 80
