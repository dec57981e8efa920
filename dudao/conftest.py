"""Fixtures every test module may use: the test world, live API clients, browser switches."""

from __future__ import annotations

import contextlib

import pytest

from dudao.core.testing import ApiClient


@pytest.fixture(scope="session")
def _anchor_dirs(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-anchors")


@pytest.fixture(autouse=True)
def _own_anchor_dir(_anchor_dirs, request):
    """Each test anchors the audit chain into a directory of its own (made when first written), so
    anchors of one test's database never contradict the next test's."""
    import hashlib

    from django.test import override_settings

    name = hashlib.sha1(request.node.nodeid.encode(), usedforsecurity=False).hexdigest()[:16]
    with override_settings(DUDAO_ANCHOR_DIR=str(_anchor_dirs / name)):
        yield


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


# --- real outside parts: an S3-compatible server and a Redis server ------------------------------
def _ci() -> bool:
    import os

    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(what: str) -> None:
    """Under CI a missing part fails the tests that need it; elsewhere they are skipped."""
    if _ci():
        pytest.fail(f"CI=true but {what} is missing (.ci/run installs it)")
    pytest.skip(f"{what} is missing")


@contextlib.contextmanager
def _serve(args: list[str], ready, what: str):
    """Start `args`, wait until `ready()` holds (20 s at most), yield, stop it."""
    import subprocess
    import time

    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited at start: {process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if ready():
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not answer within 20 seconds")
        time.sleep(0.1)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server on a free port, for the whole run: its endpoint URL."""
    import importlib.util
    import sys
    import urllib.request

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        _missing("moto[server] (pip: moto[server])")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1) as response:
            return response.status == 200

    with _serve([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], ready,
                "moto's S3 server"):
        yield endpoint


@pytest.fixture
def s3_storage(s3_server, settings):
    """The default storage switched to a fresh bucket on the S3 server (django-storages' S3Storage)."""
    import uuid

    import boto3

    bucket = f"dudao-test-{uuid.uuid4().hex[:12]}"
    options = {"bucket_name": bucket, "endpoint_url": s3_server, "access_key": "testing", "secret_key": "testing",
               "region_name": "us-east-1", "file_overwrite": False, "default_acl": None, "querystring_auth": True}
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage",
                                                         "OPTIONS": options}}
    return client, bucket


@pytest.fixture(scope="session")
def redis_url():
    """A redis-server of its own on a free port, nothing saved to disk: its URL."""
    import shutil
    import socket

    binary = shutil.which("redis-server")
    if not binary:
        _missing("redis-server (Debian package 'redis-server')")
    port = _free_port()

    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    with _serve([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], ready,
                "redis-server"):
        yield f"redis://127.0.0.1:{port}/0"
