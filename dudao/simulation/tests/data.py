"""A small January 2025 replayed on 1 March 2025, every figure worked out by hand.

Inspections (points out of 100): store1 82 (05th) and 90 (20th), average 86.0; store2 78 (12th).
Findings: f1 store1 high, raised 10th, due 13th (3 days), closed 15th: late.
          f2 store2 low, raised 2nd, due 17th (15 days), closed 5th: on time.
          f3 store2 medium, raised 28th, due 4 February (7 days), still open.
Evaluation under the pack (inspection average 0.7, on-time closure 0.3, pass mark 80):
  store1 0.7 × 86 + 0.3 × 0 = 60.2, fails (key target), rank 2;
  store2 0.7 × 78 + 0.3 × 100 = 84.6, passes, rank 1.
"""

from __future__ import annotations

from decimal import Decimal

from dudao.analytics.tests.factories import Data, at

NOW = at("2025-03-01", 9)
FROM, TO = "2025-01-01", "2025-01-31"


def january(world) -> dict:
    data = Data(world)

    def inspection(unit, day, points):
        made = data.inspection(unit, day, f"{points}.0")
        made.earned_points, made.possible_points = Decimal(points), Decimal(100)
        made.save(update_fields=["earned_points", "possible_points"])
        return made

    rows = {
        "a": inspection("store1", "2025-01-05", 82),
        "b": inspection("store1", "2025-01-20", 90),
        "c": inspection("store2", "2025-01-12", 78),
        "f1": data.finding("store1", at("2025-01-10"), "2025-01-13", closed=at("2025-01-15"), severity="high"),
        "f2": data.finding("store2", at("2025-01-02"), "2025-01-17", closed=at("2025-01-05"), severity="low"),
        "f3": data.finding("store2", at("2025-01-28"), "2025-02-04", severity="medium"),
    }
    return rows


def by(changes: list[dict], subject_type: str, subject_id: int, metric: str) -> tuple | None:
    """(before, after) of one change, or None when it did not change."""
    for change in changes:
        if (change["subject_type"], change["subject_id"], change["metric"]) == (subject_type, subject_id, metric):
            return change["before"], change["after"]
    return None
