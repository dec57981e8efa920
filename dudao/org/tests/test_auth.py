"""Signing in: tokens, lockout after repeated failures, session limits, deactivation."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from dudao.core.middleware import SESSION_AUTH_AT
from dudao.core.testing import ApiClient
from dudao.org import services
from dudao.org.models import ApiToken
from dudao.org.testing import PASSWORD


@pytest.fixture
def anonymous(live_server):
    return ApiClient(live_server.url)


def token_request(client, username, password, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, headers=headers)


def test_token_for_the_right_password_works_as_bearer(live_world, anonymous, live_server):
    response = token_request(anonymous, "supervisor", PASSWORD)
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    me = ApiClient(live_server.url, token).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "supervisor"
    assert ApiToken.objects.get(person__username="supervisor").key_hash != token  # only the hash is kept


def test_wrong_password_is_401(live_world, anonymous):
    response = token_request(anonymous, "supervisor", "wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_five_failures_lock_the_account_whatever_the_address(live_world, anonymous):
    for attempt in range(5):
        response = token_request(anonymous, "supervisor", "wrong", forwarded_for=f"10.0.0.{attempt}")
        assert response.status_code in (401, 429)
    # The right password from yet another address is still refused while locked.
    response = token_request(anonymous, "supervisor", PASSWORD, forwarded_for="192.168.9.9")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    # Another account is not affected.
    assert token_request(anonymous, "region_manager", PASSWORD).status_code == 200


def test_four_failures_do_not_lock(live_world, anonymous):
    for _ in range(4):
        assert token_request(anonymous, "supervisor", "wrong").status_code == 401
    assert token_request(anonymous, "supervisor", PASSWORD).status_code == 200


def test_lock_lifts_after_fifteen_minutes(live_world, anonymous):
    for _ in range(5):
        token_request(anonymous, "supervisor", "wrong")
    assert token_request(anonymous, "supervisor", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert token_request(anonymous, "supervisor", PASSWORD).status_code == 200


def test_web_login_locks_too(world, client):
    for _ in range(5):
        client.post("/login/", {"username": "supervisor", "password": "wrong"})
    response = client.post("/login/", {"username": "supervisor", "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="172.16.0.1")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_expired_token_is_401(live_world, live_server):
    raw = services.token_issue(person=live_world.person("supervisor"))
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = ApiClient(live_server.url, raw).get("/api/v1/me")
    assert response.status_code == 401


def test_revoked_token_is_401(live_world, live_server):
    client = ApiClient(live_server.url, services.token_issue(person=live_world.person("supervisor")))
    assert client.delete("/api/v1/auth/token").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_deactivation_ends_sessions_and_tokens(live_world, live_server, client):
    person = live_world.person("unit_manager")
    api = ApiClient(live_server.url, services.token_issue(person=person))
    client.post("/login/", {"username": "unit_manager", "password": PASSWORD})
    assert client.get("/org/").status_code == 200
    assert api.get("/api/v1/me").status_code == 200
    services.person_deactivate(actor=live_world.person("admin"), person=person)
    assert api.get("/api/v1/me").status_code == 401
    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # Signing in again is refused too.
    assert token_request(ApiClient(live_server.url), "unit_manager", PASSWORD).status_code == 401


def test_session_is_renewed_for_thirty_idle_minutes(world, client):
    client.post("/login/", {"username": "unit_manager", "password": PASSWORD})
    client.get("/org/")
    remaining = client.session.get_expiry_age()
    assert 29 * 60 <= remaining <= 30 * 60
    assert client.cookies["sessionid"]["max-age"] == 1800


def test_session_ends_twelve_hours_after_sign_in(world, client):
    client.post("/login/", {"username": "unit_manager", "password": PASSWORD})
    assert client.get("/org/").status_code == 200
    session = client.session
    session[SESSION_AUTH_AT] = int(time.time()) - 12 * 60 * 60 - 1
    session.save()
    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/org/").status_code == 302


def test_login_page_is_chinese_by_default(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "登录督导系统" in text and 'lang="zh-hans"' in text


def test_login_page_in_english_after_switch(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert 'lang="en"' in client.get("/login/").content.decode()


def test_chinese_even_when_the_browser_asks_for_english(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()
