"""Filing a ticket with 50 active automation rules against filing with none (goal: within 1.5x).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_rules .venv/bin/python bench/automation_rules.py [N]

Creates a throw-away test database, seeds one plan, four levels, an organization and a verified customer,
and 50 rules on "ticket created" with realistic conditions (words, channel, organization, plan, request
fields, business hours); five of them match and act (priority, team, notice). Then files N tickets
through ``ticket_create`` (the service every channel uses) alternating rules on / rules off, ticket by
ticket, so both sides see the same database, cache and machine load; prints the medians and the ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hd-bench-media-"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

WORDS = ["outage", "fax", "invoice", "porting", "voicemail", "trunk", "sip", "ivr", "conference", "billing"]


def seed():
    from accounts.models import Organization, Team, User
    from automation.models import Rule
    from sla.models import Calendar, PriorityLevel, SLATarget, SupportPlan

    plan = SupportPlan.objects.create(slug="standard", name="Standard", is_default=True)
    always = Calendar.objects.create(name="always", always_open=True)
    levels = {}
    for rank, slug in enumerate(["urgent", "high", "normal", "low"], start=1):
        levels[slug] = PriorityLevel.objects.create(
            slug=slug, name=slug.title(), rank=rank, is_default=slug == "normal"
        )
        SLATarget.objects.create(
            plan=plan,
            priority=levels[slug],
            first_response=timedelta(hours=rank),
            resolution=timedelta(hours=8 * rank),
            calendar=always,
        )
    org = Organization.objects.create(
        customer_number="1001", name="Example", plan=plan, email_domains=["example.com"]
    )
    other = Organization.objects.create(
        customer_number="2002", name="Other", plan=plan, email_domains=["other.com"]
    )
    customer = User.objects.create_user(
        email="casey@example.com", password="x", organization=org, email_verified_at=timezone.now()
    )
    team = Team.objects.create(name="Voice")
    rules = []
    for i in range(50):
        kw = {"name": f"rule {i}", "event": Rule.Event.CREATED, "position": i}
        kind = i % 5
        if kind == 0:
            kw["words"] = f"{WORDS[i % 10]}, {WORDS[(i + 3) % 10]} down"
        elif kind == 1:
            kw.update(organization=other, set_priority=levels["high"])
        elif kind == 2:
            kw.update(channel="api", words="urgent")
        elif kind == 3:
            kw.update(request_fields={"product": f"product {i}"})
        else:
            kw.update(hours=Rule.Hours.OUTSIDE, calendar=always)
        if i % 10 == 0:  # five match every ticket below ("outage" in the subject) and act
            kw.update(words="outage", set_team=team, set_priority=levels["high"])
        rules.append(Rule(**kw))
    Rule.objects.bulk_create(rules)
    return customer, levels


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from automation.models import Rule
        from tickets.services import ticket_create

        customer, levels = seed()
        times = {"off": [], "quiet": [], "acting": []}
        sides = ["off", "quiet", "off", "acting"]  # rules off twice: the baseline for each kind
        for i in range(n * 4 + 20):
            side = sides[i % 4]
            Rule.objects.update(active=side != "off")
            # "quiet": the 50 rules are evaluated and none matches; "acting": five match and act.
            subject = f"Phone outage at site {i}" if side == "acting" else f"Phone question {i}"
            now = timezone.now()
            started = time.perf_counter()
            ticket_create(requester=customer, subject=subject, priority=levels["normal"], now=now)
            elapsed = time.perf_counter() - started
            if i >= 20:  # the first few warm the process (imports, calendars)
                times[side].append(elapsed * 1000)
        off, quiet, acting = (statistics.median(times[k]) for k in ("off", "quiet", "acting"))
        print(f"database: {connection.vendor} · {n} tickets per kind, interleaved ticket by ticket")
        print(f"no rules:                    median {off:.1f} ms")
        print(f"50 rules, none matches:      median {quiet:.1f} ms = {quiet / off:.2f}x (goal <= 1.5x)")
        print(
            f"50 rules, five match and act: median {acting:.1f} ms = {acting / off:.2f}x "
            "(each acting rule is a whole service call: re-classify with new deadlines and notices)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
