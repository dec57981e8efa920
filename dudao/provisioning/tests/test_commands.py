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


def test_demo_has_a_month_of_supervision_to_read(db):
    """The demo's domain data, made through the services, gives every page something true to show."""
    from django.db.models import Avg

    from dudao.analytics.models import UnitEvaluation
    from dudao.findings.models import Finding
    from dudao.inspections.choices import InspectionStatus
    from dudao.inspections.models import Inspection

    call_command("dudao_demo")
    organization = Organization.objects.get(name=DEMO_ORG)
    done = Inspection.objects.filter(organization=organization).exclude(status=InspectionStatus.DRAFT)
    stores = Unit.objects.filter(organization=organization, kind=UnitKind.STORE)
    assert all(done.filter(unit=store).count() >= 5 for store in stores)
    # The weak stores score below every usual one.
    averages = dict(done.values_list("unit__code").annotate(average=Avg("score")))
    usual = [averages[code] for code in averages if code not in {"S02", "S03", "S06", "S10"}]
    assert max(averages["S02"], averages["S06"]) < min(usual)
    # The operations manager oversees the whole chain.
    ops = Person.objects.get(username="ops")
    assert Finding.objects.visible_to(ops).count() == Finding.objects.filter(organization=organization).count() > 0
    assert Finding.objects.filter(organization=organization, status="closed").exists()
    assert Finding.objects.filter(organization=organization).exclude(status="closed").exists()
    # A follow-up is under way, and last month's evaluation names key rectification targets.
    assert Inspection.objects.filter(organization=organization, status=InspectionStatus.DRAFT,
                                     follow_up_of__isnull=False).exists()
    months = sorted(set(UnitEvaluation.objects.filter(unit__organization=organization).values_list("month", flat=True)))
    assert len(months) == 2
    assert UnitEvaluation.objects.filter(month=months[0], key_target=True).exists()
    # A month of appraisals from imported figures: a leaver forfeits, leave beyond the policy prorates.
    from dudao.appraisal.models import Appraisal, AppraisalCycle
    from dudao.imports.models import ImportRun

    assert ImportRun.objects.filter(organization=organization, status="applied").count() >= 5
    cycles = AppraisalCycle.objects.filter(organization=organization)
    assert sorted(cycles.values_list("role", flat=True)) == ["supervisor", "unit_manager", "unit_manager"]
    month = cycles.get(role="supervisor").period
    appraisals = Appraisal.objects.filter(cycle__period=month)
    assert appraisals.count() == 4 + 12 and not appraisals.filter(score__isnull=True).exists()
    leaver = appraisals.get(person__username="supervisor4")
    assert leaver.bonus_forfeited and leaver.bonus_amount == 0
    assert appraisals.filter(bonus_proration__lt=1).count() == 2
    assert appraisals.filter(bonus_factor__lt=1, bonus_factor__gt=0).exists()
    assert set(cycles.filter(period=month).values_list("status", flat=True)) == {"final"}
    assert appraisals.get(person__username="store03").status == "appealing"


def test_demo_banner_ends_with_the_address_it_was_given(db, capsys):
    call_command("dudao_demo")
    capsys.readouterr()
    call_command("dudao_demo", url="http://127.0.0.1:8123/")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert "store01" in "\n".join(lines) and "Dudao-demo-2026" in "\n".join(lines)
    assert any("http://127.0.0.1:8123/" in line for line in lines[-4:])


def test_local_runs_write_mail_to_files_and_link_to_their_port(tmp_path):
    """`make run PORT=8123`: mail goes under var/mail/, and the links in it point at port 8123."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PORT": "8123",
           "DUDAO_VAR_DIR": str(tmp_path)}
    env.pop("DUDAO_BASE_URL", None)
    script = ("import json, django; django.setup(); from django.conf import settings as s; "
              "print(json.dumps([s.DUDAO_BASE_URL, s.EMAIL_BACKEND, str(s.EMAIL_FILE_PATH)]))")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout
    base_url, backend, mail_dir = json.loads(out.strip().splitlines()[-1])
    assert base_url == "http://127.0.0.1:8123"
    assert backend.endswith("filebased.EmailBackend")
    assert mail_dir == str(tmp_path / "mail")
