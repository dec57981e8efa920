"""Policy simulation at scale: one month of every unit replayed under a draft policy, timed.

    DATABASE_URL=postgres://... .venv/bin/python bench/simulation.py [--org ID] [--runs 2]

Against the organisation bench/generate.py built (the newest one by default; `--units 10000
--months 2` is enough): `dudao.simulation.replay.simulate` as its ops manager for the last full
month, with a draft that raises both pass marks to 85 and shortens the high-severity due days to
2 (so every side of the replay has work: inspections re-judged, due dates moved inside the
rolled-back block, the evaluation computed twice). Prints the wall time, the query count and what
changed, per run. Target on the 2-core machine: < 60 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from throwaway import QueryCounter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 60
DRAFT = {"inspections": {"pass_mark": 85}, "evaluation": {"pass_mark": 85}, "findings": {"due_days": {"high": 2}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", type=int, default=None, help="organisation id (default: the newest bench one)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from dudao.core.periods import add_months, month_period, month_start
    from dudao.org.choices import Role, UnitKind
    from dudao.org.models import Organization, Person, RoleAssignment, Unit
    from dudao.simulation.replay import simulate

    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}; {os.cpu_count()} CPUs")
    organizations = Organization.objects.filter(name__startswith="基准连锁").order_by("-pk")
    org = organizations.get(pk=args.org) if args.org else organizations.first()
    if org is None:
        raise SystemExit("no bench organisation: run bench/generate.py first")
    stores = Unit.objects.filter(organization=org, kind=UnitKind.STORE).count()
    print(f"organisation {org.name} (id {org.pk}): {stores:,} stores")
    ops = Person.objects.get(pk=RoleAssignment.objects.filter(organization=org, role=Role.OPS_MANAGER)
                             .order_by("pk").values_list("person_id", flat=True).first())
    period = month_period(add_months(month_start(timezone.localdate()), -1))
    print(f"replaying {period.start} – {period.end} under {DRAFT}")
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        with QueryCounter(connection) as queries:
            result = simulate(actor=ops, overrides=DRAFT, date_from=period.start, date_to=period.end)
        elapsed = time.perf_counter() - started
        s = result["summary"]
        verdict = "within target" if elapsed <= TARGET_S else f"MISSED target by {elapsed - TARGET_S:.1f} s"
        print(f"  run {run}: {elapsed:6.1f} s  {queries.count} queries  {len(result['changes']):,} changes  "
              f"[{s['inspections']['total']:,} inspections, {s['inspections']['newly_failing']:,} newly failing; "
              f"{s['findings']['total']:,} findings, {s['findings']['due_changed']:,} due dates moved; "
              f"{s['evaluation']['units']:,} units evaluated, key targets {s['evaluation']['key_targets_before']:,} -> "
              f"{s['evaluation']['key_targets_after']:,}; {s['bonuses']['appraisals']:,} appraisals]  "
              f"{verdict} ({TARGET_S} s)")


if __name__ == "__main__":
    main()
