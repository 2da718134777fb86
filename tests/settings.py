"""The test suite's settings: the product's, plus what only tests want.

pytest selects this module (pyproject.toml); the product's settings never look for a test runner.
Subprocess tests that need production settings pass ``DJANGO_SETTINGS_MODULE=helpdesk.settings``.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def _redis_database_per_worker() -> None:
    """Under pytest-xdist each worker process uses its own Redis database: gw0 the one REDIS_URL names,
    gw1 the one below it, and so on. The real-broker tests purge and read queues; on a shared database
    one worker's purge would eat another's messages. Subprocesses inherit the suite's original URL in
    HELPDESK_TEST_REDIS_URL, so they derive the same database (never one further down)."""
    base = os.environ.setdefault("HELPDESK_TEST_REDIS_URL", os.environ.get("REDIS_URL", ""))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (base and worker.startswith("gw")):
        return
    url = urlsplit(base)
    database = (int(url.path.strip("/") or 0) - int(worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunsplit(url._replace(path=f"/{database}"))


_redis_database_per_worker()
# Production mode (DEBUG off) needs a key; tests must not write one into var/ or depend on a developer's.
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-suite-0123456789")

from helpdesk.settings import *  # noqa: E402, F403
from helpdesk.settings import STORAGES, env  # noqa: E402

# Tasks run in-process, so a test sees their effects; the realenv tests set it false for a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; no real passwords here
# No manifest: tests never run collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# The test client speaks plain HTTP: no redirect to https, no HSTS, cookies without the Secure flag.
# tests/security/test_authentication.py checks the production values in a subprocess.
SECURE_SSL_REDIRECT = False
SECURE_PROXY_SSL_HEADER = None
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
