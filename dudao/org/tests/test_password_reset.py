"""Forgotten password by e-mail: the same answer for every address, a link that works once and expires."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing import ApiClient
from dudao.org import services
from dudao.org.models import ApiToken
from dudao.org.testing import PASSWORD

NEW_PASSWORD = "Remembered-now-2026"
FORGOT = "/password/forgot/"


def ask(client, identifier, capture):
    with capture(execute=True):
        return client.post(FORGOT, {"identifier": identifier})


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(link: str) -> str:
    return link.removeprefix(settings.DUDAO_BASE_URL)


def test_login_page_links_to_the_forgotten_password_form(client, db):
    text = client.get("/login/").content.decode()
    assert 'href="/password/forgot/"' in text and "忘记密码？" in text
    assert client.get(FORGOT).status_code == 200


def test_known_address_gets_a_mail_with_an_absolute_link(client, world, django_capture_on_commit_callbacks):
    response = ask(client, "Unit_Manager@Example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/password/forgot/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["unit_manager@example.com"]
    link = link_in(message)
    assert link.startswith(settings.DUDAO_BASE_URL + "/password/reset/")
    assert "2 小时" in message.body
    assert AuditEvent.objects.filter(action="person.password_reset_mail",
                                     object_id=str(world.people["unit_manager"].pk)).count() == 1


def test_username_works_too(client, world, django_capture_on_commit_callbacks):
    ask(client, "supervisor", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["supervisor@example.com"]]


def test_unknown_and_known_addresses_get_the_same_answer(client, world, django_capture_on_commit_callbacks):
    known = ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    sent = client.get(known["Location"])
    assert sent.status_code == 200 and "如果该邮箱或用户名对应一个在职账号" in sent.content.decode()
    assert len(mail.outbox) == 1  # only the known address


def test_a_person_who_left_gets_no_mail(client, world, django_capture_on_commit_callbacks):
    services.person_deactivate(actor=world.person("admin"), person=world.person("unit_manager"))
    response = ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/password/forgot/sent/"
    assert mail.outbox == []


def test_requests_are_throttled_per_person_so_a_mailbox_cannot_be_flooded(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    for _ in range(services.RESET_MAILS_PER_HOUR + 2):
        response = ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
        assert response.status_code == 302 and response["Location"] == "/password/forgot/sent/"
    assert len(mail.outbox) == services.RESET_MAILS_PER_HOUR
    # An hour later the person may ask again: the throttle counts the audited mails of the past hour
    # (audit rows are append-only, so the clock moves instead of the rows).
    later = timezone.now() + dt.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == services.RESET_MAILS_PER_HOUR + 1


def test_the_link_sets_a_new_password_once_and_ends_every_session_and_token(
    live_world, live_server, client, django_capture_on_commit_callbacks
):
    person = live_world.person("unit_manager")
    token = ApiClient(live_server.url, services.token_issue(person=person))
    other = type(client)()
    other.post("/login/", {"username": "unit_manager", "password": PASSWORD})
    assert other.get("/org/").status_code == 200

    ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    path = path_of(link_in(mail.outbox[0]))
    opened = client.get(path)
    assert opened.status_code == 302  # Django moves the token from the URL into the session
    form_page = client.get(opened["Location"])
    assert form_page.status_code == 200 and "设置新密码" in form_page.content.decode()
    done = client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    assert "去登录" in client.get(done["Location"]).content.decode()

    person = live_world.person("unit_manager")
    assert person.check_password(NEW_PASSWORD)
    assert other.get("/org/").status_code == 302
    assert token.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.filter(person=person, revoked_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="person.password_reset_complete", object_id=str(person.pk)).exists()

    # The same link a second time: refused, and the password stays.
    again = type(client)()
    response = again.get(path)
    assert response.status_code == 200 and "链接已失效" in response.content.decode()
    assert live_world.person("unit_manager").check_password(NEW_PASSWORD)
    # Signing in with the new password works.
    assert again.post("/login/", {"username": "unit_manager", "password": NEW_PASSWORD}).status_code == 302
    assert again.get("/org/").status_code == 200


def test_a_weak_new_password_is_refused_on_the_form(client, world, django_capture_on_commit_callbacks):
    ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    opened = client.get(path_of(link_in(mail.outbox[0])))
    response = client.post(opened["Location"], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert world.person("unit_manager").check_password(PASSWORD)


@pytest.mark.parametrize(("after", "valid"), [(dt.timedelta(hours=2) - dt.timedelta(minutes=1), True),
                                                 (dt.timedelta(hours=2, seconds=1), False)])
def test_the_link_expires_after_password_reset_timeout(
    client, world, django_capture_on_commit_callbacks, monkeypatch, after, valid
):
    assert settings.PASSWORD_RESET_TIMEOUT == 2 * 60 * 60
    ask(client, "unit_manager@example.com", django_capture_on_commit_callbacks)
    path = path_of(link_in(mail.outbox[0]))
    # Move the token generator's clock (Django's own hook for it) past, or not quite to, the expiry.
    later = default_token_generator._now() + after
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(path)
    if valid:
        assert response.status_code == 302
    else:
        assert response.status_code == 200 and "链接已失效" in response.content.decode()
