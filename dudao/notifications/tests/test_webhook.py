"""Chat robots: the organisation's WeCom or DingTalk webhook gets one message per event, over real HTTPS.

The robot is a real `http.server` on 127.0.0.1 (a random port) behind TLS with a certificate made
for the test and trusted through SSL_CERT_FILE: the policy accepts only https:// robot addresses.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dudao.notifications.delivery import chat_payload, post_webhook
from dudao.notifications.models import Notification
from dudao.notifications.services import notify

from .helpers import set_notifications_policy


@dataclass
class Robot:
    """What the fake chat robot received, and what it answers next."""

    url: str
    received: list[dict] = field(default_factory=list)
    status: int = 200
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay: float = 0.0


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test robot's certificate")
    folder = tmp_path_factory.mktemp("robot-tls")
    cert, key = folder / "robot.pem", folder / "robot.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def robot(certificate, monkeypatch):
    cert, key = certificate
    state = Robot(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            state.received.append({
                "path": self.path, "content_type": self.headers.get("Content-Type"), "json": json.loads(raw),
            })
            if state.delay:
                threading.Event().wait(state.delay)
            body = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    state.url = f"https://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=secret-robot-key"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def notify_store(world, keys=("unit_manager", "supervisor")):
    return notify(
        recipients=[world.people[k] for k in keys], kind="finding.escalated", obj=world.units["store1"],
        title="南京西路店 整改逾期,已升级", body="· 地面湿滑\n· 灭火器过期",
    )


def test_wecom_robot_gets_one_markdown_message_per_event(world, robot, settings, django_capture_on_commit_callbacks):
    settings.DUDAO_BASE_URL = "https://dudao.example.com"
    set_notifications_policy(world, webhook_kind="wecom", webhook_url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify_store(world)
    assert len(robot.received) == 1
    message = robot.received[0]
    assert message["path"] == "/cgi-bin/webhook/send?key=secret-robot-key"
    assert message["content_type"].startswith("application/json")
    body = message["json"]
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert content.startswith("**南京西路店 整改逾期,已升级**")
    assert "> · 地面湿滑" in content and "> · 灭火器过期" in content
    assert "unit_manager" in content and "supervisor" in content
    assert f"(https://dudao.example.com/org/units/{world.units['store1'].pk}/)" in content


def test_dingtalk_robot_gets_its_markdown_format(world, robot, django_capture_on_commit_callbacks):
    set_notifications_policy(world, webhook_kind="dingtalk", webhook_url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify_store(world)
    assert len(robot.received) == 1
    body = robot.received[0]["json"]
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "南京西路店 整改逾期,已升级"
    text = body["markdown"]["text"]
    assert text.startswith("#### 南京西路店 整改逾期,已升级\n\n")
    assert "> · 地面湿滑\n\n> · 灭火器过期" in text
    assert f"/org/units/{world.units['store1'].pk}/)" in text


def test_no_webhook_when_the_organisation_has_none(world, robot, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        notify_store(world)
    assert robot.received == []
    assert len(mailoutbox) == 2


def test_the_other_organisations_robot_is_not_told(world, robot, django_capture_on_commit_callbacks):
    set_notifications_policy(world, webhook_kind="wecom", webhook_url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[world.people["b_unit_manager"]], kind="finding.assigned", title="城东支行 问题待整改")
    assert robot.received == []


@pytest.mark.parametrize(
    ("status", "answer"),
    [(500, {"errmsg": "boom"}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})],
)
def test_a_failing_robot_never_breaks_the_caller(world, robot, status, answer, django_capture_on_commit_callbacks,
                                                 mailoutbox, caplog):
    robot.status, robot.answer = status, answer
    set_notifications_policy(world, webhook_kind="wecom", webhook_url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify_store(world)
    assert len(robot.received) == 1
    assert Notification.objects.filter(pk__in=[n.pk for n in created]).count() == 2
    assert len(mailoutbox) == 2  # mail is not held back by the robot
    assert "chat webhook https://127.0.0.1:" in caplog.text
    assert "secret-robot-key" not in caplog.text  # the robot's key stays out of the log


def test_an_unreachable_or_untrusted_robot_is_logged(world, robot, monkeypatch, caplog):
    payload = chat_payload("wecom", title="t", body="", link="https://x/", recipient_names=["a"])
    assert post_webhook(robot.url, payload) is True
    monkeypatch.delenv("SSL_CERT_FILE")  # the test certificate is no longer trusted
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent")
    assert post_webhook(robot.url, payload) is False
    assert post_webhook("https://127.0.0.1:9/hook", payload) is False  # nothing listens
    assert post_webhook("http://127.0.0.1:9/hook", payload) is False  # never over plain http
    assert caplog.text.count("chat webhook") == 3


def test_a_slow_robot_is_given_up_after_the_timeout(world, robot, monkeypatch, caplog):
    monkeypatch.setattr("dudao.notifications.delivery.WEBHOOK_TIMEOUT_SECONDS", 0.5)
    robot.delay = 2
    payload = chat_payload("dingtalk", title="t", body="", link="https://x/", recipient_names=["a"])
    assert post_webhook(robot.url, payload) is False
    assert "timed out" in caplog.text


def test_long_messages_are_cut_to_what_the_robots_accept():
    names = [f"人员{i}" for i in range(40)]
    wecom = chat_payload("wecom", title="标题" * 100, body="很长的内容" * 2000, link="https://x/", recipient_names=names)
    assert len(wecom["markdown"]["content"].encode()) <= 4000
    assert "等 40 人" in wecom["markdown"]["content"]
    dingtalk = chat_payload("dingtalk", title="标题" * 100, body="很长" * 5000, link="https://x/", recipient_names=names)
    assert len(dingtalk["markdown"]["text"].encode()) <= 4000
