"""Offline-first field work: the service worker, the web app manifest, and what a supervisor's phone
keeps for the next seven days (docs/architecture.md, "Offline inspections").

- `/sw.js` (`service_worker`): the worker script (static/inspections/sw.js) served from the site root
  so its scope covers every page; the shell it caches and its version are written into it here.
- `/manifest.webmanifest` (`manifest`): makes the site installable to the home screen.
- `offline/precache.json` (`precache`): the pages the worker keeps for the signed-in person: home, my
  work, the offline page and, for an inspector, each planned visit's start page and an offline run
  page per standard they may start with.
- `offline/` (`offline_page`): what the worker shows for a page it has no copy of.
- `offline/run/<template>/` (`offline_run`): the run screen of an inspection started without a
  network; the browser keeps its answers and photos (IndexedDB) until the sync creates it.

The worker and the manifest are public: a browser checks the worker for updates signed in or not.
Neither weakens the Content Security Policy: both come from 'self', with no inline script.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dudao.checklists.selectors import published_templates
from dudao.core.views import get_for_actor, page, require

from . import screens
from .choices import InspectionStatus
from .models import Inspection
from .permissions import can_inspect

OFFLINE_TEMPLATES = 20
"""At most this many standards get an offline run page (the planned visits' standards come first)."""

SHELL = (
    "dudao/dudao.css", "dudao/htmx.min.js", "dudao/header.js", "dudao/favicon.svg", "dudao/bell.svg",
    "inspections/inspections.css", "inspections/run.js", "inspections/start.js", "inspections/pwa.js",
    "inspections/offline.js", "inspections/outbox.js", "inspections/checkin.js", "inspections/icons/icon-192.png",
    "inspections/icons/icon-512.png",
)
"""Static files every offline page needs: cached when the worker installs."""

WORKER_SOURCE = "inspections/sw.js"
API_ROOT = screens.API_ROOT


@lru_cache(maxsize=8)
def _read(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def shell_version() -> str:
    """Changes whenever the worker or a shell file changes, so phones fetch the new shell."""
    digest = hashlib.sha256(_read(WORKER_SOURCE))
    for name in SHELL:
        digest.update(_read(name))
    return digest.hexdigest()[:16]


def worker_settings() -> dict:
    return {
        "version": shell_version(),
        "shell": [static(name) for name in SHELL],
        "offline": reverse("inspections:offline"),
        "precache": reverse("inspections:offline-precache"),
        "offlineRun": reverse("inspections:offline-run", args=[0]).replace("/0/", "/"),
        "logout": reverse("logout"),
        "login": reverse("login"),
        "static": static(""),
        "api": API_ROOT + "/",
        "texts": {"title": _("离线"), "body": _("没有网络,这个页面也没有离线副本。联网后再打开。")},
    }


@require_GET
@never_cache
def service_worker(request):
    """The service worker, root-scoped, never cached by the browser's HTTP cache."""
    source = _read(WORKER_SOURCE).decode()
    source = source.replace("/*SETTINGS*/{}", json.dumps(worker_settings()), 1)
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """The web app manifest: name, icons, standalone display, start at home."""
    icons = [{"src": static("dudao/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    for size in (192, 512):
        icons.append({"src": static(f"inspections/icons/icon-{size}.png"), "sizes": f"{size}x{size}",
                      "type": "image/png", "purpose": "any"})
    icons.append({"src": static("inspections/icons/icon-maskable-512.png"), "sizes": "512x512",
                  "type": "image/png", "purpose": "maskable"})
    body = {
        "name": _("督导"),
        "short_name": _("督导"),
        "description": _("巡店检查、整改与督导"),
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#102a43",
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- what a phone keeps -----------------------------------------------------------------------
def offline_templates(actor, visits) -> list:
    """The standards an inspector may start offline: the planned visits' first, then the others
    (newest version of each name), at most OFFLINE_TEMPLATES."""
    chosen = {}
    for visit in visits:
        if visit.template is not None:
            chosen.setdefault(visit.template_id, visit.template)
    for template in published_templates(actor)[:OFFLINE_TEMPLATES]:
        chosen.setdefault(template.pk, template)
    return list(chosen.values())[:OFFLINE_TEMPLATES]


def offline_context(actor) -> dict:
    """The visits, drafts and standards the actor can work on offline (fixed number of queries)."""
    if not can_inspect(actor):
        return {"can_inspect": False, "visits": [], "in_progress": [], "templates": []}
    visits = screens.planned_visits(actor)
    in_progress = list(
        Inspection.objects.visible_to(actor).filter(inspector=actor, status=InspectionStatus.DRAFT)
        .select_related("unit", "template").order_by("-created_at")[:20]
    )
    return {"can_inspect": True, "visits": visits, "in_progress": in_progress,
            "templates": offline_templates(actor, visits)}


def start_url(visit) -> str:
    return reverse("inspections:start") + f"?visit={visit.pk}"


@page
@never_cache
def precache(request):
    """The list the service worker fetches (when online) to keep the next seven days' work."""
    actor = request.user
    context = offline_context(actor)
    pages = [reverse("home"), reverse("inspections:my-work"), reverse("inspections:offline")]
    if context["can_inspect"]:
        pages.append(reverse("inspections:start"))
        pages += [start_url(visit) for visit in context["visits"]]
        pages += [reverse("inspections:run", args=[i.pk]) for i in context["in_progress"]]
        pages += [reverse("inspections:offline-run", args=[t.pk]) for t in context["templates"]]
    body = {
        "generated_at": timezone.now().isoformat(),
        "csrf": get_token(request),
        "pages": list(dict.fromkeys(pages)),
        "visits": [
            {"id": v.pk, "date": v.date.isoformat(), "unit_id": v.unit_id, "unit": v.unit.name, "mode": v.mode,
             "template_id": v.template_id, "template": v.template.name if v.template else "", "start": start_url(v)}
            for v in context["visits"]
        ],
        "templates": [{"id": t.pk, "name": t.name, "version": t.version,
                       "run": reverse("inspections:offline-run", args=[t.pk])} for t in context["templates"]],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@page
def offline_page(request):
    """Shown (from the phone's cache) for a page that has no offline copy: what does work offline."""
    return render(request, "inspections/offline.html", offline_context(request.user))


@page
def offline_run(request, template_id: int):
    """The run screen for an inspection started offline: the standard's items, nothing from the
    server about the inspection itself (the phone keeps that until it syncs)."""
    actor = request.user
    require(can_inspect(actor))
    template = get_for_actor(published_templates(actor), actor, template_id)
    context = screens.preview_context(template)
    context.update(
        preview=False,
        offline=True,
        config={
            "offline": True,
            "template_id": template.pk,
            "create": f"{API_ROOT}/inspections",
            "attachments": f"{API_ROOT}/attachments",
            "download": API_ROOT + "/attachments/{id}/download",
            "detail": reverse("inspections:inspection-detail", args=[0]).replace("/0/", "/{id}/"),
            "my_work": reverse("inspections:my-work"),
            "token": reverse("inspections:offline-precache"),
        },
    )
    return render(request, "inspections/run.html", context)
