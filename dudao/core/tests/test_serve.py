"""The production server: gunicorn with config.settings.production (what `make serve` runs) answers
pages and static files with the production headers; the settings refuse to start unsafely."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dudao.core.middleware import PERMISSIONS_POLICY

ROOT = Path(__file__).resolve().parents[3]
SECRET = "serve-test-" + "k" * 30 + "-0123456789abcdefghij"


def production_env(var_dir: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "S3_BUCKET", "SECRET_KEY", "ALLOWED_HOSTS",
                          "DUDAO_SERVE_LOCALLY", "STATIC_ROOT"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DUDAO_VAR_DIR=str(var_dir),
               PYTHONUNBUFFERED="1", **extra)
    return env


def manage(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn on a free port, production settings, a throwaway SQLite file, static files collected."""
    var_dir = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = production_env(var_dir, SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1",
                         BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    # Without the API docs' bundles and the chart library: compressing those takes most of a minute
    # and the login page needs neither.
    collected = manage(["collectstatic", "--noinput", "-v0", "-i", "ninja", "-i", "echarts.min.js"], env)
    assert collected.returncode == 0, collected.stderr
    log_path = var_dir / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"gunicorn did not listen:\n{log_path.read_text()}"
                time.sleep(0.2)
        yield {"port": port, "process": process, "log": log_path}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(server, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


HTTPS = {"X-Forwarded-Proto": "https"}


def test_login_page_over_the_proxy_has_the_production_headers(gunicorn):
    status, headers, body = get(gunicorn, "/login/", HTTPS)
    assert status == 200, body[:500]
    assert headers["server"].startswith("gunicorn")
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert headers["permissions-policy"] == PERMISSIONS_POLICY
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert "Secure" in headers["set-cookie"] and "csrftoken=" in headers["set-cookie"]
    assert "登录".encode() in body or b"login" in body.lower()


def test_plain_http_is_sent_to_https(gunicorn):
    status, headers, _body = get(gunicorn, "/login/")
    assert status == 301
    assert headers["location"] == f"https://127.0.0.1:{gunicorn['port']}/login/"


def test_static_files_are_served_by_whitenoise_with_hashed_names(gunicorn):
    _status, _headers, body = get(gunicorn, "/login/", HTTPS)
    stylesheet = re.search(rb'href="(/static/dudao/dudao\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, body[:1000]
    status, headers, css = get(gunicorn, stylesheet.group(1).decode(), {**HTTPS, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert "immutable" in headers["cache-control"] and "max-age=315360000" in headers["cache-control"]
    assert headers.get("content-encoding") == "gzip" and css
    assert get(gunicorn, "/static/dudao/no-such-file.css", HTTPS)[0] == 404


def test_unknown_host_and_api_answer_without_a_server_error(gunicorn):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn["port"], timeout=30)
    connection.request("GET", "/login/", headers={**HTTPS, "Host": "evil.example"})
    assert connection.getresponse().status == 400
    connection.close()
    status, headers, body = get(gunicorn, "/api/v1/me", HTTPS)
    assert status == 401 and b"authentication_failed" in body
    assert headers["permissions-policy"] == PERMISSIONS_POLICY
    assert "Traceback" not in gunicorn["log"].read_text()


def test_production_refuses_a_weak_key_and_missing_hosts(tmp_path):
    weak = manage(["check"], production_env(tmp_path, SECRET_KEY="short", ALLOWED_HOSTS="dudao.example.com"))
    assert weak.returncode != 0 and "SECRET_KEY must be at least 50" in weak.stderr
    no_hosts = manage(["check"], production_env(tmp_path, SECRET_KEY=SECRET))
    assert no_hosts.returncode != 0 and "ALLOWED_HOSTS must be set" in no_hosts.stderr


def test_serving_locally_keeps_a_generated_key_in_the_var_dir(tmp_path):
    code = ("from django.conf import settings; print(settings.SECRET_KEY == open(settings.VAR_DIR / 'secret_key')"
            ".read().strip(), settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)")
    result = manage(["shell", "--no-imports", "-c", code], production_env(tmp_path, DUDAO_SERVE_LOCALLY="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost'] False False"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_every_response_carries_the_permissions_policy(client):
    for path in ("/login/", "/api/v1/me", "/no-such-page/"):
        policy = client.get(path)["Permissions-Policy"]
        assert "camera=(self)" in policy and "geolocation=(self)" in policy
        assert "microphone=()" in policy and "payment=()" in policy and "usb=()" in policy
