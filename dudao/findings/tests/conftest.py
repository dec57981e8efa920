"""Fixtures the findings tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def as_person(client, world):
    """`as_person("supervisor")` -> the test client, signed in as that person of the world."""
    def login(key):
        client.logout()
        client.force_login(world.people[key])
        return client

    return login
