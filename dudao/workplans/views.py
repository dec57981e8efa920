"""Pages of work plans: my plans and those I read, a new plan (one item per line), and one plan with
its submit button and its summary form (done or not, a reason for each item not done)."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dudao.core.access import get_for_actor
from dudao.core.errors import ApplicationError
from dudao.core.views import page, raise_if_hidden, render_page, require
from dudao.policies.choices import Period
from dudao.policies.registry import policy_for

from . import services
from .choices import PLAN_STATUS_BADGES, PlanStatus
from .models import WorkPlan
from .permissions import can_plan


class PlanForm(forms.Form):
    period_kind = forms.ChoiceField(label=gettext_lazy("周期"))
    period_start = forms.DateField(label=gettext_lazy("所在日期"),
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text=gettext_lazy("计划从该周（周一起）或该月 1 日开始"))
    items = forms.CharField(label=gettext_lazy("事项"), widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=gettext_lazy("每行一个事项；可在行末写“| 2026-12-10”作为完成期限"))

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_kind"].choices = [(k, Period(k).label) for k in kinds]


def _parse_items(text: str) -> list[dict]:
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        title, _sep, due = line.partition("|")
        items.append({"title": title.strip(), "due_date": due.strip() or None})
    return items


@page
def plan_list(request):
    actor = request.user
    plans = list(WorkPlan.objects.visible_to(actor).select_related("owner").order_by("-period_start", "-id")[:100])
    for plan in plans:
        plan.badge = PLAN_STATUS_BADGES.get(plan.status, "")
        plan.kind_label = Period(plan.period_kind).label
    mine = [p for p in plans if p.owner_id == actor.pk]
    others = [p for p in plans if p.owner_id != actor.pk]
    return render_page(request, "workplans/plan_list.html", {"mine": mine, "others": others,
                                                             "can_plan": can_plan(actor)})


@page
def plan_create(request):
    actor = request.user
    require(can_plan(actor))
    kinds = policy_for(actor.organization_id, on=timezone.localdate()).training.work_plan_periods
    form = PlanForm(request.POST or None, kinds=kinds, initial={"period_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.work_plan_create(actor=actor, period_kind=data["period_kind"],
                                             period_start=data["period_start"], items=_parse_items(data["items"]))
        except ApplicationError as exc:
            raise_if_hidden(exc)
            fields = (exc.detail or {}).get("fields") or {}
            name = next(iter(fields), "")
            form.add_error(name if name in form.fields else ("items" if name.startswith("items") else None),
                           exc.message)
        else:
            return redirect("workplans:plan-detail", plan.pk)
    return render_page(request, "workplans/plan_form.html", {"form": form})


@page
def plan_detail(request, plan_id: int):
    actor = request.user
    plan = get_for_actor(WorkPlan.objects.select_related("owner", "unit"), actor, plan_id)
    items = list(plan.items.all())
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        require(plan.owner_id == actor.pk)
        entries = []
        for item in items:
            state = request.POST.get(f"done-{item.pk}")
            entries.append({"id": item.pk, "done": {"yes": True, "no": False}.get(state),
                            "reason": request.POST.get(f"reason-{item.pk}", "")})
            item.done = {"yes": True, "no": False}.get(state)
            item.reason = request.POST.get(f"reason-{item.pk}", "")
        try:
            services.work_plan_summarise(actor=actor, plan=plan, items=entries, note=request.POST.get("note", ""))
        except ApplicationError as exc:
            raise_if_hidden(exc)
            errors = (exc.detail or {}).get("fields") or {"": [exc.message]}
        else:
            return redirect("workplans:plan-detail", plan.pk)
    for item in items:
        item.errors = errors.get(f"items.{item.pk}.done", []) + errors.get(f"items.{item.pk}.reason", [])
    plan.badge = PLAN_STATUS_BADGES.get(plan.status, "")
    return render_page(request, "workplans/plan_detail.html", {
        "plan": plan, "items": items, "kind_label": Period(plan.period_kind).label,
        "is_owner": plan.owner_id == actor.pk, "can_submit": plan.owner_id == actor.pk and plan.status == PlanStatus.DRAFT,
        "can_summarise": plan.owner_id == actor.pk and plan.status != PlanStatus.DRAFT,
        "errors": errors, "today": timezone.localdate(), "general_errors": errors.get("", []),
    }, status=422 if errors else 200)


@page
@require_POST
def plan_submit(request, plan_id: int):
    actor = request.user
    plan = get_for_actor(WorkPlan, actor, plan_id)
    try:
        services.work_plan_submit(actor=actor, plan=plan)
    except ApplicationError as exc:
        raise_if_hidden(exc)
    return redirect("workplans:plan-detail", plan.pk)


