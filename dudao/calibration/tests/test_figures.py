"""Calibration figures with exact values on small hand-built sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.core.periods import Period
from dudao.facts.scope import Scope

from ..figures import calibration_report, cohen_kappa, drift_of, t_975
from .factories import F, P, completed_pair

D = Decimal


def drift(values, threshold="5", min_pairs=3):
    return drift_of([D(str(v)) for v in values], threshold=D(threshold), min_pairs=min_pairs)


def test_kappa_by_hand():
    # 8 observations, 5 agreeing: po = 5/8 = 0.625. First says pass 7/8, second 4/8:
    # pe = 7/8·4/8 + 1/8·4/8 = 32/64 = 0.5; kappa = (0.625 − 0.5) / (1 − 0.5) = 0.25.
    observations = [(P, P), (P, P), (P, F), (P, F), (P, P), (P, F), (F, F), (P, P)]
    assert cohen_kappa(observations) == D("0.250")
    # 6 of 8 agreeing, both saying pass 6/8: pe = 36/64 + 4/64 = 0.625; kappa = 0.125 / 0.375 = 0.333.
    assert cohen_kappa([(P, P)] * 5 + [(F, F), (P, F), (F, P)]) == D("0.333")
    assert cohen_kappa([(P, P), (F, F)]) == D("1.000")  # po 1, pe 1/2
    assert cohen_kappa([(P, F), (F, P)]) == D("-1.000")  # po 0, pe 1/2
    assert cohen_kappa([(P, P), (P, P)]) is None  # pe = 1: undefined, never 0
    assert cohen_kappa([]) is None


def test_drift_interval_by_hand():
    # [8, 7, 9]: mean 8, s = 1, t(0.975, 2) = 4.303, half = 4.303 / √3 = 2.484 -> [5.5, 10.5].
    result = drift([8, 7, 9])
    assert (result.pairs, result.drift, result.ci_low, result.ci_high) == (3, D("8.0"), D("5.5"), D("10.5"))
    assert result.flagged  # |8| > 5, 3 pairs, interval above 0
    assert t_975(1) == D("12.706") and t_975(35) == D("2.042") and t_975(500) == D("1.960")


def test_the_flag_rule():
    assert not drift([8, -1, 17]).flagged  # mean 8, but the interval [-14.4, 30.4] holds 0
    assert not drift([8, 8]).flagged  # fewer pairs than min_pairs
    assert not drift([3, 3, 3]).flagged  # within the threshold, however sure
    assert drift([-6, -7, -8]).flagged  # too strict counts too
    assert drift([6, 6, 6], threshold="6").flagged is False  # the threshold itself is not beyond it
    one = drift([8])
    assert (one.drift, one.ci_low, one.ci_high, one.flagged) == (D("8.0"), None, None, False)  # no interval
    none = drift([])
    assert (none.pairs, none.drift, none.flagged) == (0, None, False)


@pytest.mark.django_db
def test_the_report_on_two_pairs_by_hand(world):
    # Pair A: first 100 (PPPP), second 50 (PPFF); pair B: first 75 (PPFP), second 50 (PFFP).
    completed_pair(world, [P, P, P, P], [P, P, F, F])
    completed_pair(world, [P, P, F, P], [P, F, F, P])
    today = timezone.localdate()
    report = calibration_report(Scope.organisation(world.org.pk), Period(today - dt.timedelta(days=10), today))
    assert report.completed == 2
    # The same 8 observations as test_kappa_by_hand: 5 agree.
    assert report.agreement == D("62.5") and report.kappa == D("0.250") and report.kappa_count == 8
    items = [(i.code, i.pairs, i.agreement, i.kappa) for i in report.items]
    # I000 both pass twice (100%, kappa undefined); the others agree once of twice, kappa 0; worst first.
    assert items == [("I001", 2, D("50.0"), D("0.000")), ("I002", 2, D("50.0"), D("0.000")),
                     ("I003", 2, D("50.0"), D("0.000")), ("I000", 2, D("100.0"), None)]
    [supervisor] = report.supervisors
    # Differences 50 and 25: mean 37.5, s = 17.678, half = 12.706 · 17.678 / √2 = 158.8.
    assert supervisor.person.pk == world.people["supervisor"].pk
    assert (supervisor.drift.pairs, supervisor.drift.drift) == (2, D("37.5"))
    assert (supervisor.drift.ci_low, supervisor.drift.ci_high, supervisor.drift.flagged) == (
        D("-121.3"), D("196.3"), False)


@pytest.mark.django_db
def test_no_pairs_is_no_data_never_zero(world):
    today = timezone.localdate()
    report = calibration_report(Scope.organisation(world.org.pk), Period(today, today))
    assert (report.completed, report.agreement, report.kappa, report.items, report.supervisors) == (
        0, None, None, [], [])
