"""Pages of incidents, complaints and inquiries: the list with deadlines and late ones flagged,
reporting one, and one with its answer and (a complaint) turning it into a finding."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dudao.core.access import get_for_actor
from dudao.core.errors import ApplicationError
from dudao.core.views import form_error, page, raise_if_hidden, render_page, require
from dudao.org.models import Unit
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from . import services
from .choices import STATUS_BADGES, IncidentKind, IncidentSeverity, IncidentStatus
from .models import Incident
from .permissions import REPORTERS, can_report, can_respond


class IncidentForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("机构"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=IncidentKind.choices)
    severity = forms.ChoiceField(label=gettext_lazy("程度"), choices=IncidentSeverity.choices,
                                 initial=IncidentSeverity.MINOR)
    quality = forms.BooleanField(label=gettext_lazy("质量问题（须派人到场）"), required=False)
    occurred_at = forms.DateTimeField(label=gettext_lazy("发生时间"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"))
    description = forms.CharField(label=gettext_lazy("经过"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RespondForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("答复/处理情况"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ToFindingForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("问题类别"))
    severity = forms.ChoiceField(label=gettext_lazy("严重程度"), choices=Severity.choices, initial=Severity.MEDIUM)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.label) for c in categories]


def _badged(incident, now):
    incident.badge = STATUS_BADGES.get(incident.status, "")
    incident.late = incident.is_late(now)
    return incident


@page
def incident_list(request):
    actor = request.user
    require(actor.has_role(*REPORTERS))
    queryset = Incident.objects.visible_to(actor).select_related("unit").order_by("-reported_at", "-id")
    status = request.GET.get("status")
    if status in IncidentStatus.values:
        queryset = queryset.filter(status=status)
    page_obj = Paginator(queryset, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for incident in page_obj.object_list:
        _badged(incident, now)
    return render_page(request, "incidents/incident_list.html", {
        "page_obj": page_obj, "status": status, "statuses": IncidentStatus.choices})


def _own_unit(actor, units):
    """The unit a store's own people report for: the only one they may choose, else their role's unit."""
    if len(units) == 1:
        return units[0]
    own = set(actor.role_assignments.values_list("unit_id", flat=True))
    return next((u for u in units if u.pk in own), None)


@page
def incident_create(request):
    actor = request.user
    require(actor.has_role(*REPORTERS))
    units = Unit.objects.filter(pk__in=[u.pk for u in Unit.objects.visible_to(actor) if can_report(actor, u)],
                                is_active=True).order_by("path")
    form = IncidentForm(request.POST or None, units=units, initial={
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0), "unit": _own_unit(actor, units)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident, _created = services.incident_report(
                actor=actor, unit=data["unit"], kind=data["kind"], severity=data["severity"],
                occurred_at=data["occurred_at"], description=data["description"], quality=data["quality"])
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, exc)
        else:
            return redirect("incidents:incident-detail", incident.pk)
    return render_page(request, "incidents/incident_form.html", {"form": form})


@page
def incident_detail(request, incident_id: int):
    actor = request.user
    incident = _badged(get_for_actor(Incident.objects.select_related("unit", "reported_by", "responded_by"), actor,
                                     incident_id), timezone.now())
    responder = can_respond(actor, incident)
    policy = policy_for(actor.organization_id, on=timezone.localdate())
    return render_page(request, "incidents/incident_detail.html", {
        "incident": incident,
        "respond_form": RespondForm() if responder and incident.status == IncidentStatus.OPEN else None,
        "finding_form": ToFindingForm(categories=policy.findings.categories)
        if responder and incident.kind == IncidentKind.COMPLAINT and not incident.finding_id else None,
    })


def _post_step(request, incident_id: int, form_class, run, **form_options):
    actor = request.user
    incident = get_for_actor(Incident.objects.select_related("unit"), actor, incident_id)
    form = form_class(request.POST, **form_options)
    if form.is_valid():
        try:
            run(actor, incident, form.cleaned_data)
        except ApplicationError as exc:
            raise_if_hidden(exc)
    return redirect("incidents:incident-detail", incident.pk)


@page
@require_POST
def incident_respond(request, incident_id: int):
    return _post_step(request, incident_id, RespondForm, lambda actor, incident, data: services.incident_respond(
        actor=actor, incident=incident, note=data["note"]))


@page
@require_POST
def incident_finding(request, incident_id: int):
    policy = policy_for(request.user.organization_id, on=timezone.localdate())
    return _post_step(request, incident_id, ToFindingForm, lambda actor, incident, data: services.incident_to_finding(
        actor=actor, incident=incident, category=data["category"], severity=data["severity"]),
        categories=policy.findings.categories)
