"""Every appraisal figure in plain words (DESIGN.md 2.11; PIPL art. 24: an automated decision is
explained to the person it concerns). The scoring keeps structured facts; the sentences are made
here when read, so each reader gets them in their own language. The page, the API and the PDF all
call these functions."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dudao.core.numbers import grouped, money
from dudao.policies.choices import KpiSource, Period

from .models import Appraisal


def _n(value) -> str:
    """A figure in a sentence: grouped, "—" when there is none."""
    return "—" if value is None else grouped(Decimal(str(value)))


def score(value) -> str:
    """A score always with its one decimal (86.0, not 86)."""
    return "—" if value is None else f"{Decimal(str(value)):.1f}"


def _source_label(source: str) -> str:
    try:
        return str(KpiSource(source).label)
    except ValueError:
        return source


def kpi_explanation(line: dict) -> str:
    """Source, value, score and weight of one KPI in one or two sentences."""
    facts = line.get("facts") or {}
    source, status = line["source"], line["status"]
    words = {"name": line["name"], "source": _source_label(source), "weight": _n(line["weight"]),
             "value": _n(line.get("value")), "target": _n(line.get("target")), "score": score(line.get("score")),
             "applied": _n(line.get("applied_weight"))}
    if status == "not_scored":
        return _("人工评分指标，考核人尚未评分；未评分前不计入，其余指标按权重折算。")
    if status == "disputed":
        (a_source, a_value), (b_source, b_value) = facts.get("sources", [["", ""], ["", ""]])[:2]
        return _("%(a)s 报 %(av)s，%(b)s 报 %(bv)s，相差超过允许误差，数据待核实；核实前不计入，"
                 "其余指标按权重折算。") % {"a": a_source, "av": _n(a_value), "b": b_source, "bv": _n(b_value)}
    if status == "no_target":
        return _("已有数值 %(value)s，但本期未设定目标，无法计算完成率；不计入，其余指标按权重折算。") % words
    if status == "no_data":
        why = {
            KpiSource.INSPECTION_SCORE: _("负责机构本期没有计分的检查"),
            KpiSource.COVERAGE: _("本人本期没有计划走访"),
            KpiSource.CLOSURE_RATE: _("负责机构本期没有到期的整改问题"),
            KpiSource.APPRAISAL_AVERAGE: _("期内没有已评分的考核"),
            KpiSource.TRAINING_ATTENDANCE: _("本期没有受邀参加的培训"),
        }.get(source, _("本期没有导入的数据"))
        return _("%(why)s，记为“无数据”（不是 0 分），其余指标按权重折算。") % {"why": why}
    if source == KpiSource.INSPECTION_SCORE:
        detail = _("负责机构本期 %(n)s 次检查的平均分 %(value)s") % {"n": facts.get("scored", 0), "value": words["value"]}
    elif source == KpiSource.COVERAGE:
        detail = _("本人本期计划走访 %(planned)s 次，完成 %(done)s 次，完成率 %(value)s%%") % {
            "planned": facts.get("planned", 0), "done": facts.get("done", 0), "value": words["value"]}
    elif source == KpiSource.CLOSURE_RATE:
        detail = _("负责机构本期到期的问题 %(due)s 项，按时整改 %(on_time)s 项，按时整改率 %(value)s%%") % {
            "due": facts.get("due", 0), "on_time": facts.get("on_time", 0), "value": words["value"]}
    elif source == KpiSource.TRAINING_ATTENDANCE and facts.get("of") == "records":
        detail = _("本期受邀参加培训 %(invited)s 次，出勤 %(attended)s 次，出勤率 %(value)s%%") % {
            "invited": facts.get("invited", 0), "attended": facts.get("attended", 0), "value": words["value"]}
    elif source == KpiSource.MANUAL:
        note = facts.get("note") or ""
        detail = _("考核人评分 %(value)s") % words + (_("（%(note)s）") % {"note": note} if note else "")
    elif source == KpiSource.APPRAISAL_AVERAGE:
        periods = "、".join(f"{p} {_n(s)}" for p, s, _status in facts.get("periods", []))
        detail = _("期内各%(kind)s考核得分 %(periods)s，平均 %(value)s") % {
            "kind": str(Period(facts.get("kind", "month")).label), "periods": periods, "value": words["value"]}
    else:
        if facts.get("of") == "person":
            of = _("本人")
        elif line["scoring"] == "target":
            of = _("负责的 %(n)s 个机构合计") % {"n": facts.get("units", 0)}
        else:
            of = _("负责的 %(n)s 个机构平均") % {"n": facts.get("units", 0)}
        sources = facts.get("sources") or []
        origin = "、".join(s for s, _v in sources)
        detail = _("%(of)s数值 %(value)s") % {"of": of, "value": words["value"]}
        if origin:
            detail += _("（来源：%(origin)s）") % {"origin": origin}
    if line["scoring"] == "target":
        scored = _("目标 %(target)s，完成率 %(completion)s%%，按 100 分封顶得 %(score)s 分") % {
            **words, "completion": _n(facts.get("completion"))}
    elif facts.get("clamped"):
        scored = _("超出 0–100 的部分不计，得 %(score)s 分") % words
    else:
        scored = _("得 %(score)s 分") % words
    weight = _("权重 %(weight)s%%") % words
    if line.get("applied_weight") is not None and Decimal(str(line["applied_weight"])) != Decimal(str(line["weight"])):
        weight += _("（因部分指标无数据，折算为 %(applied)s%%）") % words
    return _("%(source)s：%(detail)s；%(scored)s；%(weight)s。") % {
        "source": words["source"], "detail": detail, "scored": scored, "weight": weight}


def adjustment_explanation(appraisal: Appraisal) -> str:
    facts = (appraisal.details or {}).get("rectification") or {}
    if not facts or not (facts.get("on_time") or facts.get("overdue")):
        return ""
    return _("整改加减分：负责机构本期按时整改 %(on_time)s 项（每项加 %(plus)s 分），逾期 %(overdue)s 项"
             "（每项扣 %(minus)s 分），合计 %(raw)s 分，上限 ±%(cap)s 分，计 %(applied)s 分。") % {
        **{k: _n(v) if k not in ("on_time", "overdue") else v for k, v in facts.items()},
        "applied": ("+" if appraisal.adjustment > 0 else "") + _n(appraisal.adjustment)}


def bonus_reason(reason: dict) -> str:
    code = reason.get("code")
    if code == "no_score":
        return _("没有任何指标数据，无法计算得分，奖金待定。")
    if code == "band":
        if reason.get("to") is None:
            band = _("%(from)s 分以上") % {"from": _n(reason["from"])}
        else:
            band = _("%(from)s 至 %(to)s 分（不含）") % {"from": _n(reason["from"]), "to": _n(reason["to"])}
        if reason.get("scaled"):
            rule = _("系数为 %(factor)s × 得分/100") % {"factor": _n(reason["factor"])}
        else:
            rule = _("系数为 %(factor)s") % {"factor": _n(reason["factor"])}
        return _("得分 %(score)s 落在“%(band)s”档，%(rule)s，即 %(result)s。") % {
            "score": score(reason["score"]), "band": band, "rule": rule, "result": _n(reason["result"])}
    if code == "proration":
        return _("%(months)s 事假超过 %(allowed)s 天，按出勤折算：出勤 %(worked)s 天 ÷（出勤 %(worked)s 天 + 事假 "
                 "%(leave)s 天）= %(result)s。") % {
            "months": "、".join(reason.get("months", [])), "allowed": _n(reason["allowed"]),
            "worked": _n(reason["worked"]), "leave": _n(reason["leave"]), "result": _n(reason["result"])}
    if code == "left":
        return _("于 %(on)s 离职，按制度期内离职不发放本期奖金。") % {"on": reason["on"]}
    if code == "no_base":
        return _("尚未导入本期奖金基数，奖金金额待定。")
    if code == "amount":
        if Decimal(str(reason["proration"])) != 1:
            return _("奖金 = 基数 %(base)s × 系数 %(factor)s × 折算 %(proration)s = %(amount)s。") % {
                "base": money(reason["base"]), "factor": _n(reason["factor"]),
                "proration": _n(reason["proration"]), "amount": money(reason["amount"])}
        return _("奖金 = 基数 %(base)s × 系数 %(factor)s = %(amount)s。") % {
            "base": money(reason["base"]), "factor": _n(reason["factor"]), "amount": money(reason["amount"])}
    if code == "discipline":  # the discipline app's year-end rule (scoring.register_forfeit_rule)
        return _("%(year)s 年违纪累计旷工 %(absences)s 次（含迟到早退折算 %(from_lates)s 次）、受处罚 %(penalties)s 次，"
                 "达到制度规定，取消年终奖。") % reason
    return str(code)


def summary_line(appraisal: Appraisal) -> str:
    if appraisal.score is None:
        return _("本期没有任何指标数据，无法计算得分。")
    text = _("指标得分 %(kpi)s") % {"kpi": score(appraisal.kpi_score)}
    if appraisal.adjustment:
        text += _("，整改加减分 %(adj)s") % {"adj": ("+" if appraisal.adjustment > 0 else "") + _n(appraisal.adjustment)}
    return text + _("，考核得分 %(score)s（保留一位小数，四舍五入）。") % {"score": score(appraisal.score)}


def explanation_lines(appraisal: Appraisal) -> list[str]:
    """The whole explanation, one sentence per line: each KPI, the adjustment, the score, the bonus."""
    lines = [f"{line['name']}：{kpi_explanation(line)}" for line in appraisal.kpis]
    adjustment = adjustment_explanation(appraisal)
    if adjustment:
        lines.append(adjustment)
    lines.append(summary_line(appraisal))
    lines.extend(bonus_reason(reason) for reason in appraisal.bonus_reasons)
    return lines


def explanation_text(appraisal: Appraisal) -> str:
    person = appraisal.person
    head = _("%(name)s（%(username)s）%(period)s 考核说明") % {
        "name": person.display_name, "username": person.username, "period": appraisal.cycle.period}
    return "\n".join([head, *explanation_lines(appraisal)]) + "\n"
