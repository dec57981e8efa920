"""First set-up and the demo organisation: both idempotent, both through the real services."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from dudao.core.models import AuditEvent
from dudao.org.choices import Role, UnitKind
from dudao.org.models import Organization, Person, RoleAssignment, Unit
from dudao.provisioning.services import DEMO_ORG


def counts():
    return (Organization.objects.count(), Unit.objects.count(), Person.objects.count(),
            RoleAssignment.objects.count(), AuditEvent.objects.count())


def test_dudao_init_creates_the_organisation_and_admin_once(db, capsys):
    args = ["--org", "某银行", "--pack", "bank_branches", "--admin", "root", "--password", "Very-long-pass-2026"]
    call_command("dudao_init", *args)
    after_first = counts()
    assert after_first[:4] == (1, 1, 1, 1)
    admin = Person.objects.get(username="root")
    assert admin.check_password("Very-long-pass-2026") and admin.is_org_admin
    assert Organization.objects.get().policy_pack == "bank_branches"
    call_command("dudao_init", *args)
    assert counts() == after_first
    assert "already exists" in capsys.readouterr().out


def test_dudao_init_refuses_an_unknown_pack_naming_it(db):
    with pytest.raises(CommandError, match="space_station"):
        call_command("dudao_init", "--org", "X", "--pack", "space_station", "--admin", "a", "--password",
                     "Very-long-pass-2026")
    assert counts()[:3] == (0, 0, 0)


def test_dudao_init_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="password"):
        call_command("dudao_init", "--org", "X", "--pack", "restaurant_chain", "--admin", "a", "--password", "123")
    assert counts()[:3] == (0, 0, 0)


def test_demo_matches_the_design_and_loads_once(db, capsys):
    call_command("dudao_demo")
    out = capsys.readouterr().out
    organization = Organization.objects.get(name=DEMO_ORG)
    units = Unit.objects.filter(organization=organization)
    assert units.filter(kind=UnitKind.COMPANY).count() == 1
    assert units.filter(kind=UnitKind.CENTER).count() == 1
    assert units.filter(kind=UnitKind.DEPARTMENT, parent__kind=UnitKind.CENTER).count() == 1
    assert units.filter(kind=UnitKind.REGION).count() == 3
    assert units.filter(kind=UnitKind.STORE).count() == 12
    held = set(RoleAssignment.objects.filter(organization=organization).values_list("role", flat=True))
    assert held == set(Role.values)
    assert "admin" in out and "store01" in out and "Dudao-demo-2026" in out
    first = counts()
    call_command("dudao_demo")
    assert counts() == first
    assert "already present" in capsys.readouterr().out
