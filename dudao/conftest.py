"""Fixtures every test module may use: the test world, live API clients, browser switches."""

from __future__ import annotations

import pytest

from dudao.core.testing import ApiClient


@pytest.fixture
def world(db):
    from dudao.org.testing import build_world

    return build_world()


@pytest.fixture
def live_world(transactional_db, live_server):
    from dudao.org.testing import build_world

    return build_world()


@pytest.fixture
def api_for(live_server):
    """`api_for(person)` -> a real-HTTP client signed in with a fresh token (None: anonymous)."""
    from dudao.org import services

    def make(person=None) -> ApiClient:
        token = services.token_issue(person=person) if person is not None else None
        return ApiClient(f"{live_server.url}", token=token)

    return make
