"""Every page answers tampered input with 4xx, never 500: the walk.

The demo organisation is loaded once for the module (rolled back at its end); each route is one
test, run in its own savepoint. For every page (the URL resolver, as test_route_coverage walks it)
the walk builds the URL with real ids of the demo and with tampered ones (ids that do not exist,
huge numbers, another organisation's ids), adds tampered query strings (next URLs, formats, dates,
periods, pages, filters with unknown choices, empty and oversized values), and posts every field of
the page's forms with tampered values, as admin, ops manager and a supervisor. Every answer must be
below 500, with nothing logged at ERROR, and no redirect may leave the site.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dudao.core.tests.test_route_coverage import PUBLIC_PAGES

HUGE = "99999999999999999999999"
MISSING = "987654321"
LONG = "长" * 5000

# The query-string names the views read (grep request.GET), each bundle a set of tampered values.
QUERY_NAMES = [
    "page", "unit", "status", "scope", "scope_unit", "month", "kind", "to", "template", "q", "plan", "parent",
    "inspection", "from", "year", "week", "visit", "table", "supervisors", "supervisor", "subject", "show",
    "region", "period", "on", "kpi_code", "key_targets", "items", "format", "edit", "active", "severity",
    "source", "date", "start", "end", "limit", "offset", "next", "accept-next", "reject-next",
]
IDS = {"unit", "scope_unit", "template", "plan", "inspection", "visit", "parent", "region", "supervisor",
       "supervisors"}
QUERY_BUNDLES = [
    {"next": "default", "accept-next": "default", "format": "xml", "period": "abc", "page": "-1",
     "month": "2026-13", "year": "abc", "week": "2026-W99", "on": "2026-13-45", "from": "2026-13-45",
     "to": "2026-02-30", "date": "2026-13-45", "start": "9999-99-99", "end": "0000-00-00",
     "status": "no-such-status", "kind": "no-such-kind", "severity": "x", "source": "x", "show": "x",
     "q": "'\"<x>", "offset": "-5", **dict.fromkeys(IDS, "abc")},
    {"next": "//evil.example", "reject-next": "//evil.example", "format": "", "period": "2026-13", "page": HUGE,
     "year": HUGE, "week": HUGE, "items": HUGE, "limit": HUGE, "key_targets": HUGE, **dict.fromkeys(IDS, HUGE)},
    {"next": "javascript:alert(1)", "page": "abc", "period": "", "month": "", "from": "", "to": "",
     **{name: LONG for name in QUERY_NAMES if name not in IDS | {"next", "page", "period", "month", "from", "to"}},
     **dict.fromkeys(IDS, MISSING)},
]
FORM_VALUES = ["abc", "-1", "2026-13-45", "", HUGE, LONG, "default"]

# (URL namespace, keyword) -> the model whose id the keyword takes; keywords alike in every app last.
ID_MODELS = {
    ("planning", "plan_id"): "planning.Plan", ("workplans", "plan_id"): "workplans.WorkPlan",
    ("reporting", "report_id"): "reporting.Report", ("cadres", "report_id"): "cadres.CadreReport",
    ("meetings", "action_id"): "meetings.MeetingAction",
    "unit_id": "org.Unit", "person_id": "org.Person", "assignment_id": "org.RoleAssignment",
    "template_id": "checklists.Template", "inspection_id": "inspections.Inspection",
    "finding_id": "findings.Finding", "visit_id": "planning.Visit", "approval_id": "approvals.ApprovalRequest",
    "attachment_id": "core.Attachment", "notification_id": "notifications.Notification",
    "bulletin_id": "reporting.Bulletin", "case_id": "analytics.ReviewCase", "run_id": "imports.ImportRun",
    "cycle_id": "appraisal.AppraisalCycle", "appraisal_id": "appraisal.Appraisal",
    "violation_id": "discipline.Violation", "incident_id": "incidents.Incident",
    "session_id": "training.Session", "survey_id": "training.Survey", "meeting_id": "meetings.Meeting",
    "row_id": "cadres.CadreRow", "schedule_id": "planning.VisitSchedule", "holiday_id": "planning.Holiday",
    "pair_id": "calibration.CalibrationPair",
}
# Nested ids: the child is chosen, its parent follows from it.
PARENTS = {"visit_id": ("plan_id", "plan_id"), "assignment_id": ("person_id", "person_id"),
           "row_id": ("report_id", "report_id")}
TEXT_KWARGS = {"area": ["inspection", "no-such-area", LONG[:300]], "role": ["supervisor", "no-such-role"],
               "uidb64": ["MQ", "@@"], "token": ["abc-def", "x"]}
ACTORS = ["admin", "ops", "supervisor1"]
# Routes that render a document (PDF, workbook): tampered ids and one query bundle only.
DOCUMENTS = re.compile(r"(pdf|xlsx|export|payroll)$")
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
SKIP_FIELDS = {"csrfmiddlewaretoken"}


def page_routes() -> list[tuple[str, str, list[str]]]:
    """(namespace, name, keyword names) of every named page."""
    routes = []

    def walk(patterns, namespace="", keywords=()):
        for pattern in patterns:
            found = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith(("api/", "static/", "media/")):
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, (*keywords, *found))
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes.append((namespace.rstrip(":"), f"{namespace}{pattern.name}", [*keywords, *found]))

    walk(get_resolver().url_patterns)
    return sorted(routes, key=lambda route: route[1])


ROUTES = [route for route in page_routes() if route[1] not in {"logout"}]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo organisation and a second one, loaded once and rolled back after the module."""
    from django.db import transaction

    from dudao.org.models import Person, Unit
    from dudao.provisioning.services import demo_load, organization_init

    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            organization, _logins, _created = demo_load()
            other = organization_init(name="另一家公司", pack="bank_branches", admin_username="other_admin",
                                      admin_password="Dudao-other-2026").organization
        people = {p.username: p for p in Person.objects.filter(username__in=ACTORS)}
        other_ids = {
            "org.Unit": Unit.objects.filter(organization=other).values_list("pk", flat=True).first(),
            "org.Person": Person.objects.filter(organization=other).values_list("pk", flat=True).first(),
        }
        yield {"org": organization, "people": people, "other_ids": other_ids}
        transaction.set_rollback(True)


def model_for(namespace: str, keyword: str):
    label = ID_MODELS.get((namespace, keyword)) or ID_MODELS.get(keyword)
    return apps.get_model(label) if label else None


def first_id(model, organization) -> int | None:
    field_names = {f.name for f in model._meta.get_fields()}
    rows = model.objects.all()
    if "organization" in field_names:
        rows = rows.filter(organization=organization)
    return rows.order_by("pk").values_list("pk", flat=True).first()


def real_kwargs(namespace: str, keywords: list[str], organization) -> dict:
    values = {}
    for keyword in keywords:
        if keyword in values:
            continue
        model = model_for(namespace, keyword)
        if model is None:
            values[keyword] = TEXT_KWARGS.get(keyword, ["x"])[0]
            continue
        pk = first_id(model, organization)
        values[keyword] = pk if pk is not None else MISSING
        if keyword in PARENTS and pk is not None:
            parent_keyword, attribute = PARENTS[keyword]
            values[parent_keyword] = getattr(model.objects.get(pk=pk), attribute)
    return values


def tampered_kwargs(namespace: str, keywords: list[str], real: dict, other_ids: dict) -> list[dict]:
    variants = []
    for keyword in keywords:
        model = model_for(namespace, keyword)
        if model is None:
            choices = TEXT_KWARGS.get(keyword, ["x"])[1:]
        else:
            choices = [MISSING, HUGE]
            other = other_ids.get(model._meta.label)
            if other:
                choices.append(other)
        variants += [{**real, keyword: value} for value in choices]
    return variants


def form_fields(html: str) -> list[str]:
    return sorted({name for name in FIELD.findall(html) if name not in SKIP_FIELDS})


def check(response, url: str, method: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{method} {url[:160]} -> {response.status_code}")
        return
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308) and location:
        parts = urlsplit(location)
        if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http", "https") \
                or location.startswith("//"):
            problems.append(f"{method} {url[:160]} -> redirect off the site: {location[:100]}")


@pytest.mark.parametrize(("namespace", "name", "keywords"), ROUTES, ids=[route[1] for route in ROUTES])
def test_page_answers_tampered_input_without_a_server_error(demo, db, caplog, namespace, name, keywords):
    real = real_kwargs(namespace, keywords, demo["org"])
    urls = [reverse(name, kwargs=real)]
    urls += [reverse(name, kwargs=kwargs) for kwargs in tampered_kwargs(namespace, keywords, real,
                                                                        demo["other_ids"])]
    bundles = QUERY_BUNDLES[:1] if DOCUMENTS.search(name) else QUERY_BUNDLES
    problems: list[str] = []
    anonymous = name in PUBLIC_PAGES
    actors = [None] if anonymous else ACTORS
    caplog.set_level(logging.ERROR)
    document = bool(DOCUMENTS.search(name))
    for index, actor in enumerate(actors):
        # The first actor gets everything; the others the page, one tampered id, one bundle, one post
        # (a document is rendered for the first actor only: its tampered variants are cheap 404s).
        full = index == 0
        client = Client(raise_request_exception=False)
        if actor:
            client.force_login(demo["people"][actor])
        base = urls[0]
        if document and not full:
            for url in urls[1:2]:
                check(client.get(url), url, "GET", problems)
            continue
        first = client.get(base)
        check(first, base, "GET", problems)
        fields = form_fields(first.content.decode(errors="replace")) if first.status_code == 200 else []
        for url in urls[1:] if full else urls[1:2]:
            check(client.get(url), url, "GET", problems)
        for bundle in bundles if full else bundles[index % len(bundles):][:1]:
            url = f"{base}?{urlencode(bundle)}"
            check(client.get(url), url, "GET", problems)
        if document:
            continue
        names = sorted({*fields, "next", "accept-next", "reject-next", "format", "period", "unit", "ids"})
        # Each post gives every field another of the tampered values, so each field meets several.
        for shift in range(4) if full else [index]:
            data = {field: FORM_VALUES[(i + shift) % len(FORM_VALUES)] for i, field in enumerate(names)}
            check(client.post(base, data), base, f"POST[{shift}]", problems)
        if full:
            check(client.post(base, {field: [MISSING, "abc"] for field in names}), base, "POST[list]", problems)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(f"{r.name}: {r.getMessage()[:300]}" for r in errors[:5])


# --- The API: every operation with tampered ids, query parameters and bodies ----------------------

API_NAMESPACES = {"/api/v1/plans/": "planning", "/api/v1/work-plans/": "workplans", "/api/v1/reports/": "reporting",
                  "/api/v1/cadre-reports/": "cadres", "/api/v1/meeting-actions/": "meetings"}
API_ID_MODELS = {"extension_id": "findings.FindingExtension", "evaluation_id": "analytics.UnitEvaluation"}


def api_operations() -> list[tuple[str, str, dict]]:
    from config.api import api

    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items() for method, operation in operations.items()
    )


API_OPERATIONS = [op for op in api_operations() if op[1] != "/api/v1/auth/token"]


def api_namespace(path: str) -> str:
    return next((ns for prefix, ns in API_NAMESPACES.items() if path.startswith(prefix)), "")


def body_fields(operation: dict) -> list[str]:
    from config.api import api

    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    if "$ref" in schema:
        schema = api.get_openapi_schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return sorted((schema.get("properties") or {}).keys())


@pytest.mark.parametrize(("method", "path", "operation"), API_OPERATIONS,
                         ids=[f"{op[0]} {op[1]}" for op in API_OPERATIONS])
def test_api_answers_tampered_input_without_a_server_error(demo, db, caplog, method, path, operation):
    namespace = api_namespace(path)
    keywords = re.findall(r"{(\w+)}", path)
    real = {}
    for keyword in keywords:
        label = API_ID_MODELS.get(keyword)
        model = apps.get_model(label) if label else model_for(namespace, keyword)
        pk = first_id(model, demo["org"]) if model else None
        real[keyword] = pk if pk is not None else MISSING
    variants = [real] + [{**real, keyword: value} for keyword in keywords for value in (MISSING, HUGE, "abc")]
    query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    fields = body_fields(operation)
    client = Client(raise_request_exception=False)
    client.force_login(demo["people"]["admin"])
    caplog.set_level(logging.ERROR)
    problems: list[str] = []
    send = getattr(client, method.lower())
    for index, kwargs in enumerate(variants):
        url = path.format(**kwargs)
        if index == 0 and query:
            for value in ("abc", "-1", HUGE, "2026-13-45", ""):
                check(client.get(f"{url}?{urlencode(dict.fromkeys(query, value))}") if method == "GET"
                      else send(f"{url}?{urlencode(dict.fromkeys(query, value))}", {}, content_type="application/json"),
                      url, f"{method}?{value[:8]}", problems)
        if method == "GET":
            check(client.get(url), url, method, problems)
            continue
        bodies = [{}, "not json", *(dict.fromkeys(fields, value) for value in ("abc", -1, int(HUGE), None, LONG, [1]))] \
            if index == 0 else [dict.fromkeys(fields, "abc")]
        for body in bodies:
            data = body if isinstance(body, str) else json.dumps(body)
            check(send(url, data, content_type="application/json"), url, f"{method} {str(body)[:30]}", problems)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not problems, "\n".join(problems)
    assert not errors, "\n".join(f"{r.name}: {r.getMessage()[:300]}" for r in errors[:5])

