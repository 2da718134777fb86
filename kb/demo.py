"""Demo articles for ``manage.py load_demo`` (idempotent: an article whose slug exists is left alone)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from sla.models import SupportPlan

from .models import Article, Audience, Category
from .services import article_create

CATEGORIES = [("getting-started", "Getting started", 0), ("calls", "Calls and numbers", 1)]

ARTICLES = [
    (
        "reset-voicemail-pin",
        "calls",
        Audience.PUBLIC,
        "How to reset your voicemail PIN",
        "Forgot your voicemail PIN? You can reset it yourself.\n\n"
        "1. Sign in to the **user portal**.\n2. Open *Voicemail* and choose **Reset PIN**.\n"
        "3. Dial `*98` from your handset and follow the prompts.\n\n"
        "The new PIN works at once; old messages are kept.",
    ),
    (
        "no-dial-tone",
        "calls",
        Audience.CUSTOMERS,
        "No dial tone on a desk phone",
        "If a desk phone has **no dial tone**:\n\n- Check the network cable and that the phone shows its "
        "extension.\n- Restart the phone (unplug the power for ten seconds).\n- If every phone in the office "
        "is silent, the site may have lost its internet connection: check the router first.\n\n"
        "Still no dial tone after a restart? File a ticket with the extension and what the display shows.",
    ),
    (
        "call-quality-checklist",
        "calls",
        Audience.CUSTOMERS,
        "Choppy audio or dropped calls: a checklist",
        "Poor call quality (choppy, robotic or one-way audio, dropped calls) is almost always the network.\n\n"
        "| Check | Good value |\n|---|---|\n| Jitter | under 30 ms |\n| Packet loss | under 1 % |\n"
        "| Latency | under 150 ms |\n\nRun the speed test in the portal during a bad call and attach the result.",
    ),
    (
        "add-a-new-user",
        "getting-started",
        Audience.CUSTOMERS,
        "Add a new user to your account",
        "Organization admins invite colleagues from **Invite** in the portal. The invitation link is valid "
        "for seven days; the colleague chooses a password and sees your organization's tickets.",
    ),
    (
        "escalation-runbook",
        "getting-started",
        Audience.STAFF,
        "Runbook: escalating an outage to the carrier",
        "Staff only. Confirm the outage on two lines, open a carrier case with the circuit id, and post the "
        "case number as an internal note.",
    ),
]


@transaction.atomic
def load_demo_articles() -> None:
    author = User.objects.filter(is_superuser=True).order_by("pk").first()
    if author is None:
        return
    now = timezone.now()
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": pos})[0]
        for slug, name, pos in CATEGORIES
    }
    for slug, category, audience, title, body in ARTICLES:
        if Article.objects.filter(slug=slug).exists():
            continue
        article_create(
            slug=slug,
            title=title,
            body=body,
            category=categories[category],
            audience=audience,
            by=author,
            now=now,
            publish=True,
        )
    enterprise = SupportPlan.objects.filter(slug="enterprise").first()
    if enterprise is not None and not Article.objects.filter(slug="priority-line").exists():
        article = article_create(
            slug="priority-line",
            title="Enterprise: your priority engineering line",
            body="Enterprise customers reach an engineer directly on the priority line listed in your contract.",
            category=categories["getting-started"],
            by=author,
            now=now,
            publish=True,
        )
        article.plans.add(enterprise)  # only organizations on the Enterprise plan see it
