"""``make run`` works from nothing: migrate and seed the embedded default, serve it, log in as the demo.

Runs the same commands as the Makefile's ``run`` target, in subprocesses with no ``DATABASE_URL``
or ``REDIS_URL`` (so SQLite, the in-memory channel layer and eager Celery) and a fresh
``CENTREX_VAR_DIR``, then logs in over real HTTP against uvicorn with a login the seed printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Variables that would point the embedded default at the test services or change its mode.
REMOVED_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CENTREX_MODE", "SECRET_KEY")
LOGIN_LINE = re.compile(r"^\s*(?P<role>operator|admin|user)\s+(?P<email>\S+@\S+)\s+(?P<password>\S+)", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def embedded_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in REMOVED_VARIABLES and not key.startswith("PYTEST_")}
    env.update(CENTREX_VAR_DIR=str(tmp_path_factory.mktemp("var")), DEBUG="1", DJANGO_SETTINGS_MODULE="centrex.settings")
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def demo_logins(embedded_env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Migrate the SQLite database and seed the demo, as ``make run`` does; the printed logins by role."""
    _manage(embedded_env, "migrate", "--noinput", "-v0")
    printed = _manage(embedded_env, "seed_demo")
    logins = {match["role"]: (match["email"], match["password"]) for match in LOGIN_LINE.finditer(printed)}
    assert {"operator", "admin", "user"} <= set(logins), f"seed_demo did not print the demo logins:\n{printed}"
    return logins


@pytest.fixture(scope="module")
def server(embedded_env: dict[str, str], demo_logins: dict[str, tuple[str, str]]) -> Iterator[str]:
    """uvicorn serving the ASGI application, as the last step of ``make run``."""
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "uvicorn"), "centrex.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"uvicorn exited:\n{process.stderr.read() if process.stderr else ''}"
            try:
                # The first request loads the URL configuration and the apps: slow on a busy machine.
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "uvicorn did not answer within 60 s"
                time.sleep(0.1)  # polling a port that is not open yet; nothing to wait on instead
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    return session.post(url, data={"csrfmiddlewaretoken": _csrf_token(page.text), **data}, headers={"Referer": url}, timeout=10)


@pytest.mark.timeout(60)
def test_make_run_serves_the_login_page(server: str) -> None:
    # when the login page is requested from the embedded server
    response = requests.get(f"{server}/accounts/login/", timeout=10)
    # then it is served with the login form
    assert response.status_code == 200
    assert 'name="login"' in response.text
    assert 'name="password"' in response.text


@pytest.mark.timeout(60)
def test_make_run_demo_user_logs_in_and_lands_on_the_portal(server: str, demo_logins: dict[str, tuple[str, str]]) -> None:
    # given the demo user's printed login
    email, password = demo_logins["user"]
    session = requests.Session()
    # when they log in through the login form
    response = _post_form(session, f"{server}/accounts/login/", {"login": email, "password": password})
    # then they land on their portal page
    assert response.status_code == 200
    assert response.url == f"{server}/me/"
    assert email in response.text


@pytest.mark.timeout(60)
def test_make_run_demo_admin_logs_in_and_sees_the_users(server: str, demo_logins: dict[str, tuple[str, str]]) -> None:
    # given the demo admin's printed login
    email, password = demo_logins["admin"]
    session = requests.Session()
    # when they log in (and confirm the password again if the configuration pages ask for it)
    response = _post_form(session, f"{server}/accounts/login/", {"login": email, "password": password})
    if "/accounts/reauthenticate/" in response.url:
        response = _post_form(session, response.url, {"password": password})
    # then they see the demo tenant's users
    assert response.status_code == 200
    assert response.url == f"{server}/portal/users/"
    assert demo_logins["user"][0] in response.text
