"""Start the test OpenID provider in its own process on 127.0.0.1 (gunicorn, its own SQLite file)."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "idp-password-1"


@dataclass
class TestProvider:
    url: str
    env: dict

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def allow_redirect(self, uri: str) -> None:
        """Register another redirect URI with every client (e.g. the live server's callback)."""
        _run(["manage.py", "idp_seed", "--redirect-uri", uri], self.env)


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("oidc_idp")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "tests.oidc_idp.settings",
        "IDP_DB": str(workdir / "idp.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    port = _free_port()
    env["IDP_SITE_URL"] = f"http://127.0.0.1:{port}"
    _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    _run(["manage.py", "idp_seed", "--redirect-uri", "http://testserver/accounts/sso/callback/"], env)
    log = open(workdir / "idp.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.oidc_idp.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    provider = TestProvider(url=f"http://127.0.0.1:{port}", env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the test OpenID provider did not start: " + (workdir / "idp.log").read_text()
                )
            time.sleep(0.2)
        yield provider
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
