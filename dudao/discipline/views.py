"""Pages of the discipline ledger: the unit ledger (with Excel export), recording a violation, one
violation with its three signatures, and a person's year (their own, or someone in scope)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.core.access import get_for_actor
from dudao.core.attachments import attachment_upload, disposition_header
from dudao.core.errors import ApplicationError
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, page, raise_if_hidden, render_page, require
from dudao.org.models import Person, Unit
from dudao.policies.choices import CardColour
from dudao.policies.registry import policy_for

from . import selectors, services
from .choices import VIOLATION_STATUS_BADGES, ViolationStatus
from .export import ledger_workbook
from .forms import ViolationForm
from .models import Violation
from .permissions import HANDLERS, can_record_violation, can_view_ledger

PAGE_SIZE = 50


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _filters(request) -> dict:
    status = request.GET.get("status") if request.GET.get("status") in ViolationStatus.values else None
    return {"year": _year(request), "status": status}


def _card_label(card: str) -> str:
    return CardColour(card).label if card in CardColour.values else ""


def _badged(violations):
    for violation in violations:
        violation.badge = VIOLATION_STATUS_BADGES.get(violation.status, "")
        violation.card_label = _card_label(violation.card)
    return violations


@page
def ledger(request):
    """The ledger of the units the user manages, and what waits for the user's own signature."""
    actor = request.user
    filters = _filters(request)
    waiting = _badged(list(
        Violation.objects.visible_to(actor).filter(status=ViolationStatus.PENDING)
        .filter(Q(person_id=actor.pk, party_confirmed_at__isnull=True)
                | Q(witness_id=actor.pk, witness_confirmed_at__isnull=True))
        .select_related("person", "unit").order_by("-occurred_at")
    ))
    page_obj = None
    if can_view_ledger(actor):
        page_obj = Paginator(selectors.violations(actor, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
        _badged(page_obj.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(request, "discipline/ledger.html", {
        "page_obj": page_obj, "waiting": waiting, "filters": filters, "statuses": ViolationStatus.choices,
        "can_record": actor.has_role(*HANDLERS), "query": query.urlencode(),
    })


@page
def ledger_export(request):
    actor = request.user
    require(can_view_ledger(actor))
    filters = _filters(request)
    response = HttpResponse(ledger_workbook(selectors.violations(actor, **filters)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(f"{_('违规台账')}-{filters['year']}.xlsx",
                                                         f"violations-{filters['year']}.xlsx")
    return response


@page
def violation_create(request):
    actor = request.user
    require(actor.has_role(*HANDLERS))
    units = Unit.objects.filter(organization_id=actor.organization_id, is_active=True).filter(
        pk__in=[u.pk for u in Unit.objects.visible_to(actor) if can_record_violation(actor, u)])
    people = Person.objects.filter(organization_id=actor.organization_id, is_active=True,
                                   role_assignments__unit__in=units).distinct().order_by("display_name")
    policy = policy_for(actor.organization_id, on=timezone.localdate())
    cards = [(c, CardColour(c).label) for c in policy.discipline.card_colours]
    # The witness is any colleague who saw it (a supervisor on a visit, a shift leader), not only the unit's people.
    witnesses = Person.objects.filter(organization_id=actor.organization_id, is_active=True).exclude(
        pk=actor.pk).order_by("display_name")
    form = ViolationForm(request.POST or None, request.FILES or None, units=units, people=people, cards=cards,
                         witnesses=witnesses,
                         initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                                  "unit": units.first() if units.count() == 1 else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attachments = [attachment_upload(actor=actor, file=f, unit=data["unit"]) for f in data["photos"]]
            violation, _created = services.violation_create(
                actor=actor, person=data["person"], unit=data["unit"], kind=data["kind"],
                occurred_at=data["occurred_at"], witness=data["witness"], card=data["card"] or None,
                fine=data["fine"], description=data["description"], attachments=attachments,
            )
        except ApplicationError as exc:
            raise_if_hidden(exc)
            form_error(form, _field_names(exc))
        else:
            return redirect("discipline:violation-detail", violation.pk)
    return render_page(request, "discipline/violation_form.html", {"form": form})


def _field_names(exc: ApplicationError) -> ApplicationError:
    """The API's field names (person_id) as the form's (person)."""
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if fields:
        exc.detail = {**exc.detail, "fields": {name.removesuffix("_id"): messages for name, messages in fields.items()}}
    return exc


@page
def violation_detail(request, violation_id: int):
    actor = request.user
    violation = get_for_actor(Violation.objects.select_related("person", "witness", "handler", "unit"), actor,
                              violation_id)
    violation.badge = VIOLATION_STATUS_BADGES.get(violation.status, "")
    violation.card_label = _card_label(violation.card)
    signatures = [
        (_("当事人"), violation.person, violation.party_confirmed_at),
        (_("证明人"), violation.witness, violation.witness_confirmed_at),
        (_("处理人"), violation.handler, violation.handler_confirmed_at),
    ]
    can_sign = violation.status == ViolationStatus.PENDING and (
        (actor.pk == violation.person_id and violation.party_confirmed_at is None)
        or (actor.pk == violation.witness_id and violation.witness_confirmed_at is None))
    return render_page(request, "discipline/violation_detail.html", {
        "violation": violation, "signatures": signatures, "can_sign": can_sign,
        "can_appeal": violation.status == ViolationStatus.EFFECTIVE and actor.pk == violation.person_id,
        "can_read_person": selectors.person_readable(actor, violation.person_id) is not None,
        "attachments": list(violation.attachments.all()),
    })


@page
@require_POST
def violation_confirm(request, violation_id: int):
    actor = request.user
    violation = get_for_actor(Violation, actor, violation_id)
    try:
        services.violation_confirm(actor=actor, violation=violation)
    except ApplicationError as exc:
        raise_if_hidden(exc)
        messages.error(request, exc.message)  # e.g. signed already, or under appeal: said, not swallowed
    return redirect("discipline:violation-detail", violation.pk)


def _person_page(request, person: Person):
    year = _year(request)
    summary = selectors.summary(person, year)
    rows = _badged(list(Violation.objects.visible_to(request.user).filter(person=person, occurred_at__year=year)
                        .select_related("unit", "witness", "handler").order_by("-occurred_at")))
    return render_page(request, "discipline/person.html", {
        "person": person, "summary": summary, "year": year, "violations": rows,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
    })


@page
def my_record(request):
    return _person_page(request, request.user)


@page
def person_record(request, person_id: int):
    actor = request.user
    person = selectors.person_readable(actor, person_id)
    require(person is not None)
    return _person_page(request, person)


@page
@require_POST
def violation_appeal(request, violation_id: int):
    actor = request.user
    violation = get_for_actor(Violation, actor, violation_id)
    require(actor.pk == violation.person_id)
    try:
        services.violation_appeal(actor=actor, violation=violation, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        raise_if_hidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("复议申请已提交，处理结果将通知您。"))
    return redirect("discipline:violation-detail", violation.pk)
