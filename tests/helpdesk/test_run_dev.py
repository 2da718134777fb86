"""`make run` (Makefile + bin/run-dev) with every Python process replaced by a stub that records its
environment, so the test sees what the real server, worker and beat would be started with."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_run(tmp_path: Path, **env: str) -> tuple[list[str], str]:
    log = tmp_path / "calls.log"
    stub = tmp_path / "python"
    # The web server stub lingers a moment so the worker and beat stubs (started in the background)
    # have written their line before run-dev stops them.
    stub.write_text(
        f'#!/bin/sh\ncase "$*" in *runserver*) sleep 1;; esac\necho "SITE_URL=$SITE_URL DEBUG=$DEBUG $*" >> {log}\n'
    )
    stub.chmod(0o755)
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "PORT", "DEBUG", "MAKEFLAGS", "MAKELEVEL"}
    }
    # STAMP= : the venv is not (re)built for the stub interpreter.
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"PY={stub}", "STAMP="],
        cwd=ROOT,
        env={**base, "VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines(), result.stdout


def test_make_run_on_another_port_mails_links_to_that_port(tmp_path):
    calls, banner = make_run(tmp_path, PORT="8601")
    # migrate, load_demo, the worker, beat and the web server: every one renders mail links
    commands = sorted(call.split(" ", 2)[2] for call in calls)
    assert commands == [
        "-m celery -A helpdesk beat --loglevel=INFO",
        "-m celery -A helpdesk worker --loglevel=INFO --concurrency=2 --pool=threads",
        "manage.py load_demo",
        "manage.py migrate --noinput",
        "manage.py runserver 127.0.0.1:8601 --noreload",
    ]
    assert all(call.startswith("SITE_URL=http://127.0.0.1:8601 DEBUG=true ") for call in calls), calls
    assert f"Every outgoing mail is kept in {tmp_path}/var/mail/" in banner
    assert (
        "listed for staff at http://127.0.0.1:8601/dev/mail/; links in it point to http://127.0.0.1:8601"
        in banner
    )


def test_make_run_keeps_a_site_url_the_developer_set(tmp_path):
    calls, _ = make_run(tmp_path, PORT="8601", SITE_URL="https://dev-tunnel.example")
    assert all(call.startswith("SITE_URL=https://dev-tunnel.example ") for call in calls), calls
