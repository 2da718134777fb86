"""The suite runs on several processes (pytest-xdist): each must have a Redis database of its own."""

import os

from tests.settings import _redis_database_per_worker


def _derive(monkeypatch, *, worker: str, suite_url: str, already: str | None = None) -> str:
    monkeypatch.delenv("HELPDESK_TEST_REDIS_URL", raising=False)
    if already is not None:  # a subprocess started by a test: the suite's URL travels with it
        monkeypatch.setenv("HELPDESK_TEST_REDIS_URL", suite_url)
    monkeypatch.setenv("REDIS_URL", already or suite_url)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    _redis_database_per_worker()
    return os.environ["REDIS_URL"]


def test_each_worker_process_gets_its_own_redis_database(monkeypatch):
    base = "redis://127.0.0.1:6379/15"
    assert _derive(monkeypatch, worker="gw0", suite_url=base) == "redis://127.0.0.1:6379/15"
    assert _derive(monkeypatch, worker="gw1", suite_url=base) == "redis://127.0.0.1:6379/14"
    assert (
        _derive(monkeypatch, worker="gw3", suite_url="redis://:pw@redis:6379/2")
        == "redis://:pw@redis:6379/15"
    )


def test_a_subprocess_of_a_worker_derives_the_same_database_not_the_next_one(monkeypatch):
    base = "redis://127.0.0.1:6379/15"
    assert _derive(monkeypatch, worker="gw1", suite_url=base, already="redis://127.0.0.1:6379/14").endswith(
        "/14"
    )
