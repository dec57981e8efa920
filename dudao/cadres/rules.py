"""The rules that draft a cadre's ability, post and pay from the quarter's figures, in one place.

The policy has no cadre area: the two values it already holds are read from it (the monthly
evaluation's pass mark and the number of failed months that opens a management review,
`policy.evaluation`), the rest are stated here with their reasoning. The draft is a proposal the
operations manager or HR confirms or changes per person; every suggestion carries its reasons.

Ability (能力评级), from the quarter's basis score: the mean of the person's appraisal scores of
the quarter's months when there are any (the appraisal is the person's own score), otherwise the
mean of their stores' monthly evaluation scores (the store's composite):
- A: basis >= ABILITY_A_MIN (90) and no failed evaluation month: excellent across the board;
- B: basis >= ABILITY_B_MIN (85): clearly above the pass mark (an A with a failed month is a B);
  both thresholds are raised to the pass mark should a policy set it higher;
- C: basis >= the evaluation's pass mark: passes;
- D: below the pass mark, or as many failed months as open a review;
- no basis at all: C, saying so, to be confirmed by hand.

Post (职务调整):
- demotion review: failed evaluation months in the quarter, or consecutive failed months, reach the
  policy's `consecutive_failures_for_review` (the same count that opens a management review;
  the seeds: two failed evaluations in a row mean demotion or dismissal);
- promote candidate: ability A, no penalty in the year and training attendance not below
  TRAINING_ATTENDANCE_MIN (a candidate must be a model in discipline and learning);
- coach: ability C or D (judged on a score), a key-target month, or training attendance below the minimum;
- keep otherwise.

Pay (薪资调整):
- hold: a demotion review, ability D, or the year-end bonus already forfeited by discipline;
- raise: ability A with no absence in the quarter;
- keep otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dudao.facts.figures import mean, round1

from .choices import Ability, Pay, Post

ABILITY_A_MIN = Decimal(90)
ABILITY_B_MIN = Decimal(85)
TRAINING_ATTENDANCE_MIN = Decimal(80)


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def basis_score(figures: dict) -> tuple[Decimal | None, str]:
    """The score ability is judged on and where it comes from ("appraisal", "evaluation" or "")."""
    scores = [_decimal(a["score"]) for a in figures.get("appraisals", []) if a.get("score") not in (None, "")]
    if scores:
        return mean(sum(scores), len(scores)), "appraisal"
    scores = [_decimal(e["score"]) for e in figures.get("evaluations", []) if e.get("score") not in (None, "")]
    if scores:
        return mean(sum(scores), len(scores)), "evaluation"
    return None, ""


def suggest(figures: dict, *, pass_mark: Decimal, review_after: int) -> dict:
    """{ability, post, pay, reasons: {ability: [...], post: [...], pay: [...]}} for one cadre."""
    reasons: dict[str, list[str]] = {"ability": [], "post": [], "pay": []}
    basis, source = basis_score(figures)
    failed = int(figures.get("failed_months") or 0)
    consecutive = int(figures.get("max_consecutive_failures") or 0)
    key_targets = int(figures.get("key_target_months") or 0)
    discipline = figures.get("discipline") or {}
    penalties = int(discipline.get("penalties") or 0)
    absences = int(discipline.get("quarter_absences") or 0)
    training = _decimal((figures.get("training") or {}).get("rate"))
    review = failed >= review_after or consecutive >= review_after

    # --- ability
    a_min, b_min = max(ABILITY_A_MIN, pass_mark), max(ABILITY_B_MIN, pass_mark)
    words = {"score": round1(basis), "a": a_min, "b": b_min, "pass": pass_mark}
    if basis is None:
        ability = Ability.C
        reasons["ability"].append(_("本季度没有考核得分和月度评估得分，暂按合格（C）起草，请人工确认"))
    else:
        reasons["ability"].append(
            (_("本季度考核平均分 %(score)s") if source == "appraisal" else _("所管门店本季度月度评估平均分 %(score)s"))
            % words)
        if basis >= a_min and not failed:
            ability = Ability.A
            reasons["ability"].append(_("不低于 %(a)s 分且没有未通过评估的月份，评为 A") % words)
        elif basis >= b_min:
            ability = Ability.B
            if basis >= a_min:
                reasons["ability"].append(_("虽不低于 %(a)s 分，但有 %(n)s 个月评估未通过，评为 B") % {**words, "n": failed})
            else:
                reasons["ability"].append(_("不低于 %(b)s 分，评为 B") % words)
        elif basis >= pass_mark:
            ability = Ability.C
            reasons["ability"].append(_("达到合格分 %(pass)s，评为 C") % words)
        else:
            ability = Ability.D
            reasons["ability"].append(_("低于合格分 %(pass)s，评为 D") % words)
    if review and ability != Ability.D:
        ability = Ability.D
        reasons["ability"].append(_("未通过评估的月份达到 %(n)s 个，评为 D") % {"n": review_after})

    # --- post
    if review:
        post = Post.DEMOTION_REVIEW
        reasons["post"].append(_(
            "门店本季度有 %(failed)s 个月未通过月度评估（最长连续 %(consecutive)s 个月），达到制度规定的 %(n)s 个月，"
            "与管理评议规则一致，建议降职评议") % {"failed": failed, "consecutive": consecutive, "n": review_after})
    elif ability == Ability.A and not penalties and (training is None or training >= TRAINING_ATTENDANCE_MIN):
        post = Post.PROMOTE
        reasons["post"].append(
            _("能力评级 A，本年没有违规处罚，培训出勤达标，可作为晋升候选") if training is not None
            else _("能力评级 A，本年没有违规处罚（本季度没有培训记录），可作为晋升候选"))
    else:
        if ability in (Ability.C, Ability.D) and basis is not None:
            reasons["post"].append(_("能力评级 %(ability)s，需要辅导提升") % {"ability": ability})
        if key_targets:
            reasons["post"].append(_("门店有 %(n)s 个月被列为重点整改对象") % {"n": key_targets})
        if training is not None and training < TRAINING_ATTENDANCE_MIN:
            reasons["post"].append(_("培训出勤率 %(rate)s%% 低于 %(min)s%%") % {
                "rate": training, "min": TRAINING_ATTENDANCE_MIN})
        post = Post.COACH if reasons["post"] else Post.KEEP
        if post == Post.KEEP:
            reasons["post"].append(_("各项数据正常，保持现岗") if basis is not None else _("没有可依据的数据，保持现岗"))

    # --- pay
    if post == Post.DEMOTION_REVIEW:
        pay = Pay.HOLD
        reasons["pay"].append(_("处于降职评议，薪资暂缓调整"))
    elif ability == Ability.D:
        pay = Pay.HOLD
        reasons["pay"].append(_("能力评级 D，薪资暂缓调整"))
    elif discipline.get("year_end_bonus_forfeited"):
        pay = Pay.HOLD
        reasons["pay"].append(_("本年违规累计已取消年终奖，薪资暂缓调整"))
    elif ability == Ability.A and not absences:
        pay = Pay.RAISE
        reasons["pay"].append(_("能力评级 A，本季度没有旷工，建议加薪"))
    else:
        pay = Pay.KEEP
        reasons["pay"].append(_("能力评级 %(ability)s，薪资维持") % {"ability": ability})
    return {"ability": str(ability), "post": str(post), "pay": str(pay), "reasons": reasons}
