"""Production settings come from the environment alone; `check --deploy` must be clean with them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "helpdesk.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="support.example.com",
        ANYMAIL_WEBHOOK_SECRET="anymail:a-long-random-webhook-password",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_secret_key_starting_with_a_dollar_is_taken_as_it_is():
    # Django's own key generator uses "$"; django-environ would read "$..." as another variable's name.
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        DEBUG="true",
        SECRET_KEY="$ecret-key-" + "y" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "$ecret-key-" + "y" * 50


def test_manage_py_on_a_developer_checkout_needs_no_configuration():
    result = _manage("check")  # neither DEBUG nor SECRET_KEY in the environment
    assert result.returncode == 0, result.stdout + result.stderr


GOOD_KEY = "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789"
GOOD_HOOK = "anymail:a-long-random-webhook-password"


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    return _manage(
        "check",
        "--deploy",
        **{
            "DEBUG": "false",
            "ALLOWED_HOSTS": "support.example.com",
            "SECRET_KEY": GOOD_KEY,
            "ANYMAIL_WEBHOOK_SECRET": GOOD_HOOK,
            **env,
        },
    )


@pytest.mark.parametrize(
    ("variable", "value", "check_id"),
    [
        # the values docker-compose.yml used to fall back to
        ("SECRET_KEY", "change-me-in-production-please-0123456789abcdef", "helpdesk.E001"),
        ("ANYMAIL_WEBHOOK_SECRET", "change-me:webhook-secret", "helpdesk.E002"),
        # obvious placeholders someone forgot to replace
        ("SECRET_KEY", "please-CHANGEME-before-going-live-0123456789abcdefghijklmnop", "helpdesk.E001"),
        ("SECRET_KEY", "django-insecure-3k9v#q0w!x7m2r8t1y6u4i5o0p9a8s7d6f5g4h3j2k1l0zxcv", "helpdesk.E001"),
        ("SECRET_KEY", "<generate a long random value and paste it here, then restart>", "helpdesk.E001"),
        ("ANYMAIL_WEBHOOK_SECRET", "anymail:your-secret-here", "helpdesk.E002"),
        ("ANYMAIL_WEBHOOK_SECRET", "admin:password", "helpdesk.E002"),
        ("DATABASE_URL", "postgres://helpdesk:helpdesk@db:5432/helpdesk", "helpdesk.E003"),
    ],
)
def test_check_deploy_fails_on_a_placeholder_secret(variable, value, check_id):
    result = _check_deploy(**{variable: value})
    assert result.returncode != 0
    assert check_id in result.stderr, result.stdout + result.stderr
    assert value not in result.stdout + result.stderr  # a secret, even a bad one, stays out of logs


def test_load_demo_refuses_in_production_settings(tmp_path):
    db = tmp_path / "prod.sqlite3"
    result = _manage(
        "load_demo",
        DEBUG="false",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="support.example.com",
        DATABASE_URL=f"sqlite:///{db}",
    )
    assert result.returncode != 0
    assert "Refusing to load demo data with DEBUG off" in result.stderr, result.stdout + result.stderr
    assert "createsuperuser" in result.stderr


def test_the_product_settings_do_not_change_when_pytest_is_imported():
    # Test-only settings live in tests/settings.py; a worker or server that happens to import pytest
    # (a plugin, a debugging session) must still run its tasks through the broker.
    probe = (
        "import pytest, django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.PASSWORD_HASHERS[0], settings.SESSION_COOKIE_SECURE)"
    )
    base = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "CELERY_TASK_ALWAYS_EAGER"}
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "DEBUG": "false", "SECRET_KEY": GOOD_KEY},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "django.contrib.auth.hashers.PBKDF2PasswordHasher", "True"], (
        result.stderr
    )
