"""Plan pages: the calendar, a supervisor's week, plans with their visits and coverage, proposals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.checklists.selectors import published_templates
from dudao.core.errors import ApplicationError
from dudao.core.views import form_error, get_for_actor, page, raise_if_hidden, render_page, require
from dudao.org.choices import LEAF_KINDS, ORG_WIDE_ROLES, Role
from dudao.org.models import Person, RoleAssignment, Unit

from . import selectors, services
from .choices import PLAN_STATUS_BADGES, VISIT_STATUS_BADGES, VisitStatus
from .coverage import plan_coverage
from .forms import HolidayForm, PlanForm, ProposalParamsForm, ProposedVisitFormSet, ScheduleForm, VisitForm
from .generation import GENERATION_DAYS, schedule_coverage
from .models import PLANNERS, Holiday, Plan, Visit, VisitSchedule
from .periods import days_between, window_of
from .permissions import (
    can_create_plan,
    can_edit_plan,
    can_manage_holidays,
    can_manage_schedule,
    can_plan,
    can_view_schedules,
    covers,
)
from .proposal import propose_visits


# --- helpers -------------------------------------------------------------------------------------
def _parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _parse_month(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date() if value else default.replace(day=1)
    except ValueError:
        return default.replace(day=1)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def inspection_start_url(visit) -> str:
    """The inspection page for a visit, once the inspections app offers it."""
    try:
        return reverse("inspections:start") + f"?visit={visit.pk}"
    except NoReverseMatch:
        return ""


def _scope_units(plan):
    """Units a visit of the plan may go to: the sites in its scope."""
    return Unit.objects.subtree_of(plan.scope_unit).filter(is_active=True, kind__in=LEAF_KINDS).order_by("path")


def _plan_supervisors(plan):
    """(people who may be given the plan's visits, the supervisors working in its scope).

    Visitors are planners (admin, operations manager, supervisor) whose role covers the plan's scope
    or part of it; the supervisors among them are a proposal's default visitors.
    """
    scope = plan.scope_unit
    rows = RoleAssignment.objects.filter(
        organization_id=plan.organization_id, role__in=PLANNERS, person__is_active=True
    ).values_list("person_id", "role", "unit__path")
    visitor_ids, supervisor_ids = set(), set()
    for person_id, role, path in rows:
        overlaps = scope.path.startswith(path) or path.startswith(scope.path)
        if role in ORG_WIDE_ROLES or overlaps:
            visitor_ids.add(person_id)
        if role == Role.SUPERVISOR and overlaps:
            supervisor_ids.add(person_id)
    people = Person.objects.filter(pk__in=visitor_ids).order_by("display_name", "id")
    supervisors = Person.objects.filter(pk__in=supervisor_ids).order_by("display_name", "id")
    return people, supervisors


# --- calendar and my week ------------------------------------------------------------------------
@page
def calendar(request):
    actor = request.user
    today = timezone.localdate()
    month = _parse_month(request.GET.get("month"), today)
    grid_start = window_of("week", month)[0]
    month_end = window_of("month", month)[1]
    grid_end = window_of("week", month_end)[1]
    supervisors, regions = selectors.calendar_filters(actor)
    supervisor_id = _int(request.GET.get("supervisor"))
    region_id = _int(request.GET.get("region"))
    region = regions.filter(pk=region_id).first() if region_id else None
    visits = selectors.calendar_visits(actor, grid_start, grid_end, supervisor_id=supervisor_id, region=region)
    by_day = defaultdict(list)
    for visit in visits:
        by_day[visit.date].append(visit)
    days = days_between(grid_start, grid_end)
    weeks = [
        [{"date": d, "in_month": d.month == month.month, "today": d == today, "visits": by_day.get(d, [])}
         for d in days[i:i + 7]]
        for i in range(0, len(days), 7)
    ]
    previous_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = month_end + dt.timedelta(days=1)
    context = {
        "month": month, "weeks": weeks, "supervisors": supervisors, "regions": regions,
        "supervisor_id": supervisor_id, "region_id": region.pk if region else None,
        "previous_month": previous_month.strftime("%Y-%m"), "next_month": next_month.strftime("%Y-%m"),
        "this_month": today.strftime("%Y-%m"), "visit_count": sum(len(v) for v in by_day.values()),
        "badges": VISIT_STATUS_BADGES, "can_plan": can_plan(actor),
    }
    return render_page(request, "planning/calendar.html", context, partial="planning/partials/_calendar.html")


@page
def my_week(request):
    actor = request.user
    today = timezone.localdate()
    start = window_of("week", _parse_date(request.GET.get("week"), today))[0]
    visits = list(selectors.week_visits(actor, start))
    by_day = defaultdict(list)
    for visit in visits:
        by_day[visit.date].append({
            "visit": visit, "badge": VISIT_STATUS_BADGES.get(visit.status, ""),
            "start_url": inspection_start_url(visit) if visit.status == VisitStatus.PLANNED else "",
            "late": visit.status == VisitStatus.PLANNED and visit.date < today,
        })
    days = [{"date": d, "today": d == today, "visits": by_day.get(d, [])}
            for d in days_between(start, start + dt.timedelta(days=6))]
    context = {
        "start": start, "end": start + dt.timedelta(days=6), "days": days, "visit_count": len(visits),
        "done_count": sum(1 for v in visits if v.status == VisitStatus.DONE),
        "previous_week": (start - dt.timedelta(days=7)).isoformat(),
        "next_week": (start + dt.timedelta(days=7)).isoformat(),
    }
    return render_page(request, "planning/my_week.html", context)


# --- plans ---------------------------------------------------------------------------------------
@page
def plan_list(request):
    actor = request.user
    status = request.GET.get("status", "")
    paginator = Paginator(selectors.plans_for(actor, status=status), 30)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj, "status": status, "badges": PLAN_STATUS_BADGES, "can_plan": can_plan(actor),
        "statuses": Plan._meta.get_field("status").choices,
    }
    return render_page(request, "planning/plan_list.html", context, partial="planning/partials/_plan_table.html")


@page
def plan_create(request):
    actor = request.user
    require(can_plan(actor))
    units = (
        Unit.objects.visible_to(actor).filter(is_active=True).exclude(kind__in=LEAF_KINDS).order_by("path")
    )
    units = [u for u in units if can_create_plan(actor, u)]
    unit_qs = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
    today = timezone.localdate()
    initial = {"day": today + dt.timedelta(days=7 - today.weekday()), "scope_unit": units[0].pk if units else None}
    if request.GET.get("scope"):
        scope = get_for_actor(Unit, actor, request.GET["scope"])
        require(can_create_plan(actor, scope))
        initial["scope_unit"] = scope.pk
    form = PlanForm(request.POST or None, units=unit_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=actor, title=data["title"], kind=data["kind"], period_start=data["period_start"],
                period_end=data["period_end"], scope_unit=data["scope_unit"], focus=data["focus"],
                methods=data["methods"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已创建计划草稿:%(title)s") % {"title": plan.title})
            return redirect(reverse("planning:plan-propose", args=[plan.pk]))
    return render_page(request, "planning/plan_form.html", {"form": form}, status=422 if form.errors else 200)


def _coverage_rows(plan, rules):
    unit_names = dict(
        Unit.objects.filter(pk__in={pk for r in rules for pk in r.missing_unit_ids}).values_list("pk", "name")
    )
    return [{"rule": r, "missing": [unit_names.get(pk, pk) for pk in r.missing_unit_ids]} for r in rules]


@page
def plan_detail(request, plan_id: int):
    actor = request.user
    plan = get_for_actor(Plan.objects.select_related("scope_unit", "created_by"), actor, plan_id)
    visits = list(selectors.plan_visits(plan))
    editable = can_edit_plan(actor, plan)
    today = timezone.localdate()
    rules = plan_coverage(plan)
    context = {
        "plan": plan, "badge": PLAN_STATUS_BADGES.get(plan.status, ""), "visits": visits,
        "editable": editable, "coverage": _coverage_rows(plan, rules),
        "coverage_ok": all(r.satisfied for r in rules),
        # On the page, 应巡未巡 is what yesterday's end left undone (today's visits may still happen).
        "due": list(selectors.due_visits(plan, today - dt.timedelta(days=1))) if plan.status == "published" else [],
        "due_as_of": today - dt.timedelta(days=1),
        "today": today, "methods": _method_labels(plan.methods),
    }
    if editable:
        templates = published_templates(actor)
        people, _supervisors = _plan_supervisors(plan)
        context["visit_form"] = VisitForm(
            units=_scope_units(plan), supervisors=people, templates=templates, period=(plan.period_start, plan.period_end),
            initial={"date": max(plan.period_start, min(today, plan.period_end)), "template": selectors.default_template(templates)},
        )
    return render_page(request, "planning/plan_detail.html", context)


def _method_labels(methods) -> list[str]:
    from .choices import VisitMode

    return [str(VisitMode(m).label) for m in methods if m in VisitMode.values]


@page
@require_POST
def visit_add(request, plan_id: int):
    actor = request.user
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan_id, action="manage")
    require(can_edit_plan(actor, plan))
    people, _supervisors = _plan_supervisors(plan)
    form = VisitForm(request.POST, units=_scope_units(plan), supervisors=people, templates=published_templates(actor))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_visits_add(actor=actor, plan=plan, visits=[services.VisitInput(
                unit=data["unit"], supervisor=data["supervisor"], date=data["date"], template=data["template"],
                mode=data["mode"],
            )])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已添加走访"))
    else:
        messages.error(request, "; ".join(f"{form.fields[k].label if k in form.fields else k}: {v[0]}"
                                          for k, v in form.errors.items()))
    return redirect(reverse("planning:plan-detail", args=[plan.pk]) + "#visits")


@page
@require_POST
def visit_delete(request, plan_id: int, visit_id: int):
    actor = request.user
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan_id, action="manage")
    visit = get_for_actor(Visit.objects.filter(plan=plan).select_related("plan"), actor, visit_id, action="manage")
    require(can_edit_plan(actor, plan))
    services.plan_visit_remove(actor=actor, visit=visit)
    messages.success(request, _("已移除走访:%(date)s %(unit)s") % {"date": visit.date.isoformat(), "unit": visit.unit.name})
    return redirect(reverse("planning:plan-detail", args=[plan.pk]) + "#visits")


@page
@require_POST
def plan_submit(request, plan_id: int):
    actor = request.user
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan_id, action="manage")
    require(can_edit_plan(actor, plan))
    try:
        plan = services.plan_submit(actor=actor, plan=plan)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交审批,审批通过后计划发布到日历"))
    return redirect(reverse("planning:plan-detail", args=[plan.pk]))


# --- proposal ------------------------------------------------------------------------------------
@page
def plan_propose(request, plan_id: int):
    """Propose visits for the plan, let the supervisor edit them, and save the ones kept."""
    actor = request.user
    plan = get_for_actor(Plan.objects.select_related("scope_unit"), actor, plan_id, action="manage")
    require(can_edit_plan(actor, plan))
    templates = published_templates(actor)
    people, supervisors = _plan_supervisors(plan)
    period = (plan.period_start, plan.period_end)
    row_kwargs = {"units": _scope_units(plan), "supervisors": people, "templates": templates, "period": period}

    if request.method == "POST":
        formset = ProposedVisitFormSet(request.POST, form_kwargs=row_kwargs)
        if formset.is_valid():
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("keep")]
            if not kept:
                messages.error(request, _("没有选择要保存的走访"))
            else:
                try:
                    services.plan_visits_add(actor=actor, plan=plan, visits=[
                        services.VisitInput(unit=row["unit"], supervisor=row["supervisor"], date=row["date"],
                                            template=row["template"], mode=row["mode"])
                        for row in kept
                    ])
                except ApplicationError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _("已保存 %(count)s 次走访") % {"count": len(kept)})
                    return redirect(reverse("planning:plan-detail", args=[plan.pk]))
        rows = [{"form": form, "visit": None} for form in formset.forms]
        context = {"plan": plan, "formset": formset, "params": None, "proposal": None, "rows": rows}
        return render_page(request, "planning/plan_propose.html", context, status=422)

    chosen_ids = [int(pk) for pk in request.GET.getlist("supervisors") if pk.isdigit()]
    default_supervisors = [p for p in supervisors if p.pk == actor.pk] or list(supervisors)
    params = ProposalParamsForm(
        request.GET or None, supervisors=people, templates=templates,
        initial={"supervisors": [p.pk for p in default_supervisors], "template": selectors.default_template(templates)},
    )
    if request.GET and params.is_valid():
        chosen = list(params.cleaned_data["supervisors"])
        template, mode = params.cleaned_data["template"], params.cleaned_data["mode"]
    else:
        chosen = [p for p in people if p.pk in chosen_ids] or default_supervisors
        template, mode = selectors.default_template(templates), "on_site"
    proposal = propose_visits(plan, supervisors=chosen, template=template, mode=mode)
    formset = ProposedVisitFormSet(
        initial=[
            {"keep": True, "unit": v.unit.id, "supervisor": v.supervisor.pk, "date": v.date,
             "template": v.template.pk if v.template else None, "mode": v.mode}
            for v in proposal.visits
        ],
        form_kwargs=row_kwargs,
    )
    rows = [
        {"form": form, "visit": visit} for form, visit in zip(formset.forms, proposal.visits, strict=True)
    ]
    context = {
        "plan": plan, "params": params, "proposal": proposal, "formset": formset, "rows": rows,
        "coverage": _coverage_rows(plan, proposal.coverage),
        "coverage_ok": all(r.satisfied for r in proposal.coverage),
    }
    return render_page(request, "planning/plan_propose.html", context)


# --- recurring schedules and the holiday calendar -----------------------------------------------
def _schedule_choices(actor):
    """(units, visitors, standards) a schedule form offers: sites where the actor plans, planners
    the actor sees, published standards."""
    units = [u for u in Unit.objects.visible_to(actor).filter(is_active=True, kind__in=LEAF_KINDS).order_by("path")
             if covers(actor, PLANNERS, u)]
    unit_qs = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
    people = (Person.objects.visible_to(actor).filter(role_assignments__role__in=PLANNERS, is_active=True)
              .distinct().order_by("display_name", "id"))
    return unit_qs, people, published_templates(actor)


@page
def schedule_list(request):
    actor = request.user
    schedules = selectors.schedules_for(actor, supervisor_id=_int(request.GET.get("supervisor")),
                                        unit_id=_int(request.GET.get("unit")))
    paginator = Paginator(schedules, 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    coverage = []
    if can_view_schedules(actor):
        units = selectors.schedule_scope_units(actor)
        coverage = _coverage_rows(None, schedule_coverage(actor.organization_id, selectors.schedules_for(actor), units,
                                                          today))
    supervisors, _regions = selectors.calendar_filters(actor)
    context = {
        "page_obj": page_obj, "coverage": coverage, "can_plan": can_plan(actor), "supervisors": supervisors,
        "supervisor_id": _int(request.GET.get("supervisor")), "unit_id": _int(request.GET.get("unit")),
        "units": Unit.objects.visible_to(actor).filter(is_active=True, kind__in=LEAF_KINDS).order_by("path"),
        "today": today,
    }
    return render_page(request, "planning/schedule_list.html", context,
                       partial="planning/partials/_schedule_table.html")


def _schedule_form_page(request, form, schedule=None):
    return render_page(request, "planning/schedule_form.html", {"form": form, "schedule": schedule},
                       status=422 if form.errors else 200)


@page
def schedule_create(request):
    actor = request.user
    require(can_plan(actor))
    units, people, templates = _schedule_choices(actor)
    initial = {"starts_on": timezone.localdate(), "supervisor_id": actor.pk if people.filter(pk=actor.pk).exists()
               else None, "template_id": selectors.default_template(templates)}
    form = ScheduleForm(request.POST or None, units=units, supervisors=people, templates=templates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule, _created = services.visit_schedule_create(actor=actor, **form.service_kwargs())
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            messages.success(request, _("已新建排程:%(schedule)s") % {"schedule": schedule})
            return redirect(reverse("planning:schedule-list"))
    return _schedule_form_page(request, form)


@page
def schedule_edit(request, schedule_id: int):
    actor = request.user
    schedule = get_for_actor(VisitSchedule.objects.select_related("unit", "supervisor", "template"), actor,
                             schedule_id, action="manage")
    require(can_manage_schedule(actor, schedule))
    units, people, templates = _schedule_choices(actor)
    initial = {
        "unit_id": schedule.unit_id, "supervisor_id": schedule.supervisor_id, "template_id": schedule.template_id,
        **{name: getattr(schedule, name) for name in (
            "mode", "frequency", "weekday", "interval_weeks", "anchor_on", "day_of_month", "week_of_month",
            "month_of_quarter", "starts_on", "ends_on")},
    }
    form = ScheduleForm(request.POST or None, units=units, supervisors=people, templates=templates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_schedule_update(actor=actor, schedule=schedule, **form.service_kwargs())
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            messages.success(request, _("已保存排程"))
            return redirect(reverse("planning:schedule-list"))
    return _schedule_form_page(request, form, schedule)


@page
@require_POST
def schedule_deactivate(request, schedule_id: int):
    actor = request.user
    schedule = get_for_actor(VisitSchedule.objects.select_related("unit"), actor, schedule_id, action="manage")
    require(can_manage_schedule(actor, schedule))
    services.visit_schedule_deactivate(actor=actor, schedule=schedule)
    messages.success(request, _("已停用排程:%(schedule)s(已生成的走访保留)") % {"schedule": schedule})
    return redirect(reverse("planning:schedule-list"))


@page
def schedule_upcoming(request):
    """The next two weeks of generated visits, per supervisor and day."""
    actor = request.user
    today = timezone.localdate()
    end = today + dt.timedelta(days=GENERATION_DAYS - 1)
    supervisor_id = _int(request.GET.get("supervisor"))
    visits = selectors.generated_visits(actor, today, end, supervisor_id=supervisor_id)
    by_person: dict = {}
    for visit in visits:
        person = by_person.setdefault(visit.supervisor_id, {"person": visit.supervisor, "days": defaultdict(list)})
        person["days"][visit.date].append(visit)
    people = [
        {"person": entry["person"], "count": sum(len(v) for v in entry["days"].values()),
         "days": [{"date": d, "today": d == today, "visits": entry["days"][d]} for d in sorted(entry["days"])]}
        for entry in sorted(by_person.values(), key=lambda e: (e["person"].display_name, e["person"].pk))
    ]
    supervisors, _regions = selectors.calendar_filters(actor)
    context = {"people": people, "start": today, "end": end, "supervisors": supervisors,
               "supervisor_id": supervisor_id, "badges": VISIT_STATUS_BADGES}
    return render_page(request, "planning/schedule_upcoming.html", context)


@page
def holiday_list(request):
    actor = request.user
    today = timezone.localdate()
    year = _int(request.GET.get("year")) or today.year
    holidays = Holiday.objects.visible_to(actor).filter(date__year=year).order_by("date")
    form = HolidayForm(initial={"date": today}) if can_manage_holidays(actor) else None
    context = {"holidays": holidays, "year": year, "form": form, "can_manage": can_manage_holidays(actor),
               "years": [year - 1, year, year + 1]}
    return render_page(request, "planning/holiday_list.html", context)


@page
@require_POST
def holiday_add(request):
    actor = request.user
    require(can_manage_holidays(actor))
    form = HolidayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            holiday = services.holiday_add(actor=actor, date=data["date"], name=data["name"], workday=data["workday"])
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            messages.success(request, _("已添加:%(holiday)s") % {"holiday": holiday})
            return redirect(reverse("planning:holiday-list") + f"?year={holiday.date.year}")
    holidays = Holiday.objects.visible_to(actor).filter(date__year=timezone.localdate().year).order_by("date")
    year = timezone.localdate().year
    context = {"holidays": holidays, "year": year, "form": form, "can_manage": True,
               "years": [year - 1, year, year + 1]}
    return render_page(request, "planning/holiday_list.html", context, status=422)


@page
@require_POST
def holiday_delete(request, holiday_id: int):
    actor = request.user
    holiday = get_for_actor(Holiday, actor, holiday_id, action="manage")
    require(can_manage_holidays(actor))
    services.holiday_remove(actor=actor, holiday=holiday)
    messages.success(request, _("已删除:%(holiday)s") % {"holiday": holiday})
    return redirect(reverse("planning:holiday-list") + f"?year={holiday.date.year}")
