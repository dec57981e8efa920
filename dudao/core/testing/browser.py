"""Browser tests: Playwright driving Debian's Chromium against the real product in its own process.

Loaded as a pytest plugin by the top-level `conftest.py`. A test marked `browser` gets:

- `demo_server`: the product served by `manage.py runserver` from a throwaway SQLite database in a
  temp dir, migrated and loaded with the demo organisation (`manage.py dudao_demo`). It has its own
  process and database, so the pytest database is never shared with it and nothing needs flushing
  (the audit tables are append-only). `demo_server.url` is the base URL; `demo_server.manage(...)`
  and `demo_server.shell(code)` run management commands against the same database.
- `page_at(size)`: a fresh page in its own browser context at "phone" (390x844, touch) or
  "desktop" (1366x900), zh-Hans, Asia/Shanghai. Console errors and uncaught page errors (CSP
  violations among them) are collected: `console_errors(page)`.
- `login(page, base_url, username, password)`, `screenshot(page, name)` (var/screenshots/<name>.png).

Tests marked `browser` are skipped when /usr/bin/chromium is missing, and fail instead under CI=true.
Browser tests run after every other test: Playwright's sync API keeps an event loop marked as running
in the main thread, which Django's async-safety check would mistake for async code in later tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}
REPO_ROOT = Path(__file__).resolve().parents[3]
SCREENSHOT_DIR = REPO_ROOT / "var" / "screenshots"
SERVER_START_TIMEOUT = 120

_console_errors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- pytest hooks --------------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if os.environ.get("DUDAO_DESELECT_BROWSER") == "1":
        # The PostgreSQL pass of scripts/run-tests: browser tests use their own SQLite server and
        # already ran in the SQLite pass.
        config.hook.pytest_deselected(items=browser_items)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        return
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser_items


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("browser") and not chromium_available():
        if in_ci():
            pytest.fail(f"{CHROMIUM} is missing and CI=true: browser tests must run in CI.", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing")


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its event loop marked as running in this thread; Django would
    # take any ORM call made meanwhile (test data, teardown) for one made from async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Debian's Chromium; Playwright's own browser downloads are never used."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page_at(browser):
    """`page_at("phone")` / `page_at("desktop")` -> a page in a fresh context (no shared cookies)."""
    contexts = []

    def open_page(size: str = "desktop", **context_options):
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; one of {sorted(SIZES)}")
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", **SIZES[size], **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        watch_console(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@dataclass
class DemoServer:
    """The product running in its own process against a throwaway database."""

    url: str
    var_dir: Path
    env: dict = field(repr=False)
    log_path: Path = field(repr=False)

    def manage(self, *args: str, check: bool = True) -> str:
        """Run `manage.py <args>` against the server's database; returns stdout."""
        return run_manage(list(args), env=self.env, check=check).stdout

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against the server's database; returns what it prints."""
        return self.manage("shell", "--no-imports", "-c", code).strip()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def demo_env(var_dir: Path) -> dict:
    env = dict(os.environ)
    # Always SQLite in the temp dir, whatever database the test run itself uses.
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "S3_BUCKET"):
        env.pop(name, None)
    env.update(
        DUDAO_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_manage(args: list[str], *, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the demo server exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the demo server did not answer {url} in {SERVER_START_TIMEOUT}s:\n{log_path.read_text()}"
    )


@pytest.fixture(scope="session")
def demo_server():
    with tempfile.TemporaryDirectory(prefix="dudao-demo-") as tmp:
        var_dir = Path(tmp)
        env = demo_env(var_dir)
        run_manage(["migrate", "--noinput"], env=env)
        demo = run_manage(["dudao_demo"], env=env)
        log_path = var_dir / "server.log"
        log_path.write_text(demo.stdout)
        port = free_port()
        with log_path.open("a") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = DemoServer(url=f"http://127.0.0.1:{port}", var_dir=var_dir, env=env, log_path=log_path)
        try:
            wait_until_up(f"{server.url}/login/", process, log_path)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- Helpers -------------------------------------------------------------------------------------


def watch_console(page) -> list[str]:
    """Collect console errors and uncaught exceptions of `page` (CSP violations show up here)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if url.endswith("/favicon.ico"):
            return  # Chromium asks for it on its own; no page of ours links it.
        errors.append(f"{message.text} [{url}]" if url else message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    _console_errors[page] = errors
    return errors


def console_errors(page) -> list[str]:
    return _console_errors.get(page, [])


def login(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form; fails with what the page shows if it stays on /login/."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def shown() -> str:
        errors = page.locator(".errorlist, .messages").all_inner_texts()
        body = " ".join(page.locator("body").inner_text().split())[:400] if page.locator("body").count() else ""
        return f"{page.url} {errors or ''} {body!r}"

    answer = page.goto(f"{base_url.rstrip('/')}/login/")
    try:
        page.fill("#id_username", username)
    except PlaywrightTimeout:
        status = answer.status if answer else None
        raise AssertionError(f"no login form for {username!r} (status {status}): {shown()}") from None
    page.fill("#id_password", password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/login/" in r.url) as posted:
        page.press("#id_password", "Enter")
    try:
        page.wait_for_url(lambda url: "/login/" not in url, timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError(f"login as {username!r} failed (status {posted.value.status}): {shown()}") from None


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG to var/screenshots/<name>.png (kept after the run for people to look at)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
