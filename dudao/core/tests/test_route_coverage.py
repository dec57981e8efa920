"""Every API operation and every page has a permission-matrix test class; a new route without one fails here."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

import dudao
from dudao.core.testing import all_matrix_classes

# Routes that are public on purpose (and so have no scope to test).
PUBLIC_API = {"POST /api/v1/auth/token"}
PUBLIC_PAGES = {
    "login", "logout", "set_language", "javascript-catalog",
    # The service worker and the web app manifest: code and icons, no data (dudao/inspections/tests/test_offline.py).
    "service-worker", "manifest",
    # Forgotten password: used signed out; the same answer for every address (dudao/org/tests/test_password_reset.py).
    "org:password-reset", "org:password-reset-done", "org:password-reset-confirm", "org:password-reset-complete",
}


def import_all_tests() -> None:
    root = Path(dudao.__file__).parent
    for module in pkgutil.walk_packages([str(root)], prefix="dudao."):
        if ".tests." in module.name and module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)


def api_routes() -> set[str]:
    from config.api import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, operations in schema["paths"].items() for method in operations}


def page_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith(("api/", "static/", "media/")):
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


def covered() -> set[str]:
    import_all_tests()
    return {cls.route_key() for cls in all_matrix_classes()}


def test_every_api_route_has_a_permission_matrix():
    missing = api_routes() - PUBLIC_API - covered()
    assert not missing, f"API routes without a permission-matrix test class: {sorted(missing)}"


def test_every_page_has_a_permission_matrix():
    missing = page_names() - PUBLIC_PAGES - covered()
    assert not missing, f"pages without a permission-matrix test class: {sorted(missing)}"


def test_matrix_classes_name_real_routes():
    known = api_routes() | page_names()
    stale = covered() - known
    assert not stale, f"matrix classes for routes that do not exist: {sorted(stale)}"
