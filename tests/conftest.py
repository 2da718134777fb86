from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import (
    CalendarFactory,
    CustomerFactory,
    OrganizationFactory,
    PlanFactory,
    PriorityFactory,
    StaffFactory,
    TargetFactory,
    office_calendar,
)

# A Friday afternoon in London (GMT), the house constant for time-dependent tests.
NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def priorities(db):
    """Low/Normal/High/Urgent, Normal the default; Urgent and High escalatable at any time and guarded
    against abuse (as the presets have them)."""
    top = {"escalate_any_time": True, "abuse_guarded": True}
    return {
        "urgent": PriorityFactory(slug="urgent", name="Urgent", rank=1, **top),
        "high": PriorityFactory(slug="high", name="High", rank=2, **top),
        "normal": PriorityFactory(slug="normal", name="Normal", rank=3, is_default=True),
        "low": PriorityFactory(slug="low", name="Low", rank=4),
    }


@pytest.fixture
def plan(db, priorities):
    """A plan with Urgent 30 min 24x7 and the rest on London office hours (Mon-Fri 09:00-17:30)."""
    plan = PlanFactory(slug="enterprise", name="Enterprise", is_default=True)
    always = CalendarFactory()
    office = office_calendar()
    TargetFactory(
        plan=plan,
        priority=priorities["urgent"],
        first_response=timedelta(minutes=30),
        resolution=timedelta(hours=24),
        calendar=always,
    )
    TargetFactory(
        plan=plan,
        priority=priorities["high"],
        first_response=timedelta(hours=2),
        resolution=timedelta(hours=24),
        calendar=office,
    )
    TargetFactory(
        plan=plan,
        priority=priorities["normal"],
        first_response=timedelta(hours=4),
        resolution=timedelta(hours=40),
        calendar=office,
    )
    TargetFactory(
        plan=plan,
        priority=priorities["low"],
        first_response=timedelta(hours=48),
        resolution=None,
        calendar=office,
    )
    return plan


@pytest.fixture
def org(plan):
    return OrganizationFactory(plan=plan, customer_number="1001", name="Acme", email_domains=["acme.test"])


@pytest.fixture
def other_org(plan):
    return OrganizationFactory(
        plan=plan, customer_number="2002", name="Globex", email_domains=["globex.test"]
    )


@pytest.fixture
def customer(org):
    return CustomerFactory(organization=org, email="casey@acme.test", full_name="Casey Customer")


@pytest.fixture
def colleague(org):
    return CustomerFactory(organization=org, email="chris@acme.test", full_name="Chris Colleague")


@pytest.fixture
def unverified(org):
    """Signed up with an Acme address and the customer number, never followed the verification link."""
    return CustomerFactory(
        organization=org, email="uma@acme.test", full_name="Uma Unverified", email_verified_at=None
    )


@pytest.fixture
def stranger(other_org):
    return CustomerFactory(organization=other_org, email="gina@globex.test", full_name="Gina Globex")


@pytest.fixture
def tech(db):
    return StaffFactory(email="tech@helpdesk.test", full_name="Taylor Tech")


@pytest.fixture
def lead(db):
    return StaffFactory(email="lead@helpdesk.test", full_name="Lee Lead", group="Team leads")


@pytest.fixture
def admin_user(db):
    return StaffFactory(email="admin@helpdesk.test", full_name="Ada Admin", is_superuser=True, group="Admins")


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty process-local cache: the desk keeps slow tab counts for one poll,
    and ids repeat across rolled-back tests, so a count cached by one test must not leak into the next."""
    from django.core.cache import caches

    caches["default"].clear()
    yield


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say at the end of the run which tests did not run and why, and how to run them.

    On the default SQLite, without Redis or Chromium, the races, the real-worker and the browser tests
    skip; ``-ra`` lists them among other lines, which is easy to miss. ``.ci/run`` brings every service.
    """
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    files_by_reason: dict[str, set[str]] = defaultdict(set)
    count_by_reason: Counter[str] = Counter()
    for report in skipped:
        # The test's own file: a skip raised in a helper (tests/reliability/realenv.py) points there.
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        files_by_reason[reason].add(Path(report.nodeid.split("::")[0]).name)
        count_by_reason[reason] += 1
    write = terminalreporter.write_line
    terminalreporter.section(f"{len(skipped)} tests did not run here", sep="-", yellow=True, bold=True)
    for reason, files in sorted(files_by_reason.items()):
        write(f"  {count_by_reason[reason]:4}  {reason}  ({', '.join(sorted(files))})")
    write(
        "Run them with `.ci/run` (starts PostgreSQL and Redis, finds Chromium, then `make test`), or set "
        "DATABASE_URL=postgres://..., REDIS_URL=redis://... and HELPDESK_CHROMIUM=/usr/bin/chromium."
    )


# --- Single sign-on: a real OpenID provider in its own process (tests/oidc_idp/) ------------------
from tests.oidc_idp.fixture import oidc_provider  # noqa: E402, F401
