"""A pseudo-locale renders every converted page and mail: each translated message comes out wrapped in
⟦…⟧, so any English word left outside a wrapper was never marked for translation.

The pseudo catalogue is made on the fly from the German one (every message id we ship, plus Django's
own), so it covers exactly what is marked. What the pages show besides messages is data: test data made
of made-up words, and admin-defined content (priority levels, request forms, plans), which
``_admin_content`` lists and which is not part of this check (see README "Languages and time zones").

Covered: base.html; the portal's list (with rows and empty), new ticket (form picker and form), ticket
page (received box, thread, history, reply and side panel), edit, survey; sign-in, sign-up, sign-in by
link, password reset (form, done), profile, two-factor, invitations, the "verify your address" page;
the knowledge base's list, search and article, "download my data", the single sign-on choice; every
notification mail (subject, text, HTML) and every account mail. The desk, for a technician and a team
lead: the navigation, the queue (tabs built-in and saved, filters, bulk bar, rows, empty result, the
poller's rows), the search page (matches and none), two ticket pages (thread, reply form, history,
why-this-deadline, side panels) and the SLA dashboard (also with breaches).
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import trans_real

from accounts.models import Organization, User
from kb.services import article_create
from sla.models import Calendar, PriorityLevel, SupportPlan
from tests.conftest import NOW
from tickets.models import RequestType, Status
from tickets.services import message_add, survey_issue, ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db

OPEN, CLOSE = "⟦", "⟧"
WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[A-Za-z]{3,}")
# Words that are the same in every language: zone abbreviations, protocol words, our name.
UNIVERSAL = {"UTC", "GMT", "BST", "EST", "EDT", "CET", "CEST", "API", "POST", "TOTP", "URL", "Helpdesk"}
# Shown in their own language on purpose: the language picker's names.
UNIVERSAL |= {"English", "Deutsch", "Fran", "ais"}
# The subject-line example customers must type as it is (the mail parser reads these words).
SUBJECT_EXAMPLE = "Customer #:1001: Priority: High: Calls to our main number drop after 10 seconds"


@pytest.fixture
def pseudo():
    """Activate German with every message replaced by ⟦its English⟧ (the catalogue we ship decides
    which messages exist)."""
    german = trans_real.translation("de")
    fake = copy.copy(german)
    catalog = trans_real.TranslationCatalog()
    entries = {}
    for key in german._catalog.keys():
        msgid = key[0] if isinstance(key, tuple) else key
        entries[key] = OPEN + msgid.split("\x04", 1)[-1] + CLOSE
    catalog._catalogs = [entries]
    catalog._plurals = [lambda n: int(n != 1)]
    fake._catalog = catalog
    saved = trans_real._translations.get("de")
    trans_real._translations["de"] = fake
    translation.activate("de")
    yield
    translation.deactivate()
    if saved is None:
        trans_real._translations.pop("de", None)
    else:
        trans_real._translations["de"] = saved


class _Text(HTMLParser):
    """Text a person reads: text nodes and the attributes screen readers and forms show."""

    ATTRS = {"aria-label", "placeholder", "title", "alt", "value", "data-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._in_zone_select = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "code", "pre", "svg"):
            self._skip += 1
        if tag == "select" and attrs.get("name") in ("time_zone",):
            self._in_zone_select = True  # IANA zone names, in every language
        for name, value in attrs.items():
            if value and (name in self.ATTRS or name.startswith("data-text-")):
                if name == "value" and attrs.get("type") not in ("submit", "button"):
                    continue
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "svg"):
            self._skip = max(0, self._skip - 1)
        if tag == "select":
            self._in_zone_select = False

    def handle_data(self, data):
        if not self._skip and not self._in_zone_select:
            self.parts.append(data)


def _admin_content() -> list[str]:
    """Words admins define (per-organization content, not our strings)."""
    out = []
    for level in PriorityLevel.objects.all():
        out += [level.name, level.definition or "", *(level.examples or [])]
    for form in RequestType.objects.all():
        out += [form.name, form.description or ""]
        for spec in form.fields or []:
            out += [spec.get("label") or "", spec.get("help") or "", *(spec.get("choices") or [])]
    out += list(SupportPlan.objects.values_list("name", flat=True))
    out += list(Calendar.objects.values_list("name", flat=True))
    out += list(Organization.objects.values_list("name", flat=True))
    for user in User.objects.all():
        out += [user.display_name, user.full_name, user.email]
    return sorted((s for s in out if s), key=len, reverse=True)


def leftover_english(text: str, *, data: list[str], html: bool = True) -> list[str]:
    """English words outside every ⟦…⟧ wrapper, once the page's data is taken out."""
    if html:
        parser = _Text()
        parser.feed(text)
        text = "\n".join(parser.parts)
    text = text.replace(SUBJECT_EXAMPLE, " ")
    while True:  # nested messages ("⟦Status changed to ⟦Open⟧⟧") unwrap from the inside
        stripped = WRAPPED.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    for value in data + _admin_content():
        text = text.replace(value, " ")
    text = re.sub(r"\S+@\S+|https?://\S+|/[\w/.?=&%-]*", " ", text)  # addresses, links, paths
    return sorted({w for w in WORD.findall(text) if w not in UNIVERSAL})


DATA = ["Qzx Vbnm", "Wrt Plk", "Zyxw Qrst", "Grmbl", "Frobnitz", "Zork", "HD"]


@pytest.fixture
def world(client, customer, tech, priorities, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.full_name, customer.is_org_admin, customer.language = "Qzx Vbnm", True, "de"
    customer.save()
    tech.full_name = "Wrt Plk"
    tech.save()
    org = customer.organization
    org.name = "Zyxw Qrst"
    org.save()
    with time_machine.travel(NOW, tick=False):
        ticket = ticket_create(requester=customer, subject="Grmbl", priority=priorities["high"], now=NOW)
        message_add(ticket=ticket, author=tech, body="Frobnitz", now=NOW)
        ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
        ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW, reason="Zork")
        fresh = ticket_create(requester=customer, subject="Grmbl", priority=priorities["normal"], now=NOW)
        done = ticket_create(requester=customer, subject="Grmbl", priority=priorities["low"], now=NOW)
        ticket_change_status(ticket=done, status=Status.CLOSED, by=tech, now=NOW, reason="Zork")
        _, token = survey_issue(ticket=done, now=NOW)
        article = article_create(
            title="Grmbl", body="Frobnitz", by=tech, now=NOW, audience="public", slug="grmbl", publish=True
        )
    return {"ticket": ticket, "fresh": fresh, "survey_token": token, "article": article}


def _customer_pages(world) -> list[str]:
    t, fresh = world["ticket"], world["fresh"]
    return [
        "/",
        "/?status=resolved&q=zzzz",  # the empty, filtered list
        "/tickets/new/",
        f"/tickets/{t.pk}/?received=1",
        f"/tickets/{fresh.pk}/",
        f"/tickets/{fresh.pk}/edit/",
        f"/survey/{world['survey_token']}/",
        "/accounts/profile/",
        "/accounts/profile/two-factor/",
        "/accounts/profile/two-factor/?setup=1",
        "/accounts/invitations/",
        "/accounts/password/change/",
        "/kb/",
        "/kb/?q=zzzz",  # nothing found
        f"/kb/articles/{world['article'].slug}/",
        "/privacy/my-data/",
    ]


ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/signup/done/",
    "/accounts/login/link/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/sso/",
]


def test_every_converted_portal_page_is_fully_marked(client, world, customer, pseudo):
    client.force_login(customer)
    found = {}
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        for url in _customer_pages(world):
            response = client.get(url)
            assert response.status_code == 200, url
            assert OPEN in response.content.decode(), f"{url} was not rendered in the pseudo-locale"
            words = leftover_english(response.content.decode(), data=DATA)
            if words:
                found[url] = words
    assert found == {}


def test_every_converted_sign_in_page_is_fully_marked(client, db, pseudo):
    found = {}
    for url in ANONYMOUS_PAGES:
        response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200, url
        words = leftover_english(response.content.decode(), data=DATA)
        if words:
            found[url] = words
    assert found == {}


def test_the_verify_your_address_page_is_fully_marked(client, unverified, pseudo):
    unverified.language = "de"
    unverified.save()
    client.force_login(unverified)
    page = client.get("/").content.decode()
    assert leftover_english(page, data=DATA) == []


def _mail_context(world) -> dict:
    t = world["ticket"]
    snapshot = {
        "reference": t.reference,
        "subject": "Grmbl",
        "status_display": Status.OPEN.label,
        "first_response_owed": True,
        "first_response_due_at": NOW,
        "resolution_due_at": NOW,
        "priority": {"name": t.priority.name, "advise_phone": True},
        "organization": {"name": "Zyxw Qrst", "customer_number": "1001"},
        "requester": {"full_name": "Qzx Vbnm", "display_name": "Qzx Vbnm"},
        "assignee": {"display_name": "Wrt Plk"},
    }
    return {
        "ticket": snapshot,
        "ticket_url": "https://x.test/t/1",
        "helpdesk_name": "Helpdesk",
        "support_phone": "+44 20 7946 0000",
        "by_name": "Wrt Plk",
        "agent_name": "Wrt Plk",
        "previous_agent_name": "Wrt Plk",
        "body": "Frobnitz",
        "reason": "Zork",
        "old_priority": t.priority.name,
        "new_priority": t.priority.name,
        "incident_title": "Zork",
        "ticket_reference": t.reference,
        "update": "Frobnitz",
        "survey_url": "https://x.test/s/1",
        "expires_at": NOW,
        "waiting_since_at": NOW,
        "closes_at": NOW,
        "number": 2,
        "of": 3,
        "kb_articles": [{"title": "Zork", "url": "https://x.test/kb/1"}],
        "downgraded_from": t.priority.name,
        "downgrade_reason": "Zork",
        "why": "waiting_reminders",
        "asked_at": NOW,
        "reminders": 2,
        "reopen_within_seconds": 3 * 86400,
        "rule_name": "Zork",
        "rule_event": "Zork",
        "endpoint_name": "Zork",
        "endpoint_url": "https://x.test/hook",
        "admin_url": "https://x.test/admin/",
        "original_subject": "Grmbl",
    }


MAIL_DIR = Path(settings.BASE_DIR) / "templates" / "notifications"
# What the SLA monitor and the staff jobs put in an alert's context: instants and seconds (worded by the
# mail), the level's name and the target's English label (message ids), the rule's own alert title.
STAFF_ALERT_VALUES = {
    "alert": "Zork",
    "target": "first response",
    "priority": "High",
    "due_at": NOW,
    "received_at": NOW,
    "last_activity_at": NOW,
    "left_seconds": 1800,
    "missed_by_seconds": 7200,
    "deadline_seconds": 3600,
    "idle_for_seconds": 3 * 86400,
}


@pytest.mark.parametrize("event", sorted(p.name for p in MAIL_DIR.iterdir() if p.is_dir()))
def test_every_notification_mail_is_fully_marked(world, pseudo, event):
    context = {**_mail_context(world), **STAFF_ALERT_VALUES}
    if event == "stale_reminder":
        context["notification"] = {"recipient_user": {"display_name": "Wrt Plk"}}
    found = {}
    for name in ("subject.txt", "body.txt", "body.html"):
        if not (MAIL_DIR / event / name).exists():
            continue
        text = render_to_string(f"notifications/{event}/{name}", context)
        if name == "body.txt":
            assert OPEN in text, f"{event}/{name} says nothing translatable"
        words = leftover_english(text, data=DATA + [world["ticket"].reference], html=name.endswith(".html"))
        if words:
            found[name] = words
    assert found == {}


@pytest.mark.parametrize("template", ["already_registered", "invitation", "login_link", "verify"])
def test_every_account_mail_is_fully_marked(world, customer, pseudo, template):
    context = {
        "helpdesk_name": "Helpdesk",
        "user": customer,
        "by": customer,
        "organization": customer.organization,
        "url": "https://x.test/a",
        "login_url": "https://x.test/l",
        "reset_url": "https://x.test/r",
        "days": 3,
        "minutes": 15,
    }
    for name in (f"{template}_subject.txt", f"{template}.txt"):
        text = render_to_string(f"accounts/email/{name}", context)
        assert leftover_english(text, data=DATA, html=False) == [], name


def test_the_password_reset_mail_is_fully_marked(world, pseudo):
    context = {"email": "a@x.test", "protocol": "https", "domain": "x.test", "uid": "MQ", "token": "abc-def"}
    for name in ("password_reset_subject.txt", "password_reset_email.txt"):
        text = render_to_string(f"registration/{name}", {**context, "HELPDESK_NAME": "Helpdesk"})
        assert leftover_english(text, data=DATA, html=False) == [], name


def test_the_check_finds_an_unmarked_word(db, pseudo):
    """The detector itself: a word outside a wrapper is reported, wrapped words are not."""
    assert leftover_english("<p>⟦Hello⟧ there</p>", data=[]) == ["there"]
    assert leftover_english("<p>⟦Status changed to ⟦Open⟧⟧</p>", data=[]) == []


# The technicians' desk, page by page as it is converted (README "Languages and time zones").
DESK_DATA = DATA + ["Qrkz", "Blorp", "Vxnt", "HD-123"]


@pytest.fixture
def desk_world(world, tech, lead):
    from accounts.models import Team
    from tickets.services import saved_view_create, ticket_tags_set

    team = Team.objects.create(name="Qrkz")
    team.members.add(tech, lead)
    for person in (tech, lead):
        person.language = "de"
        person.save()
    with time_machine.travel(NOW, tick=False):
        ticket_tags_set(ticket=world["ticket"], names=["blorp"], by=tech, now=NOW)
        saved_view_create(owner=lead, name="Vxnt", query="status=open", team=team)
        saved_view_create(owner=tech, name="Vxnt", query="priority=high")
    return world


def _desk_pages(world) -> list[str]:
    return [
        "/desk/",  # the queue: nav, tabs (built-in and saved, shared or not), filters, bulk bar, rows
        "/desk/?view=mine&q=zzzz",  # nothing found
        "/desk/?view=breached&sort=due",
        "/desk/rows/",  # what the poller swaps in
        "/desk/search/?q=grmbl",  # the search page, with a match
        "/desk/search/?q=zzzz",  # and with none
        # the ticket page: thread, reply form, history and "why this deadline", side panels (owner, tags,
        # macros, knowledge base, status, re-classify, merge), customer context
        f"/desk/tickets/{world['ticket'].pk}/",
        f"/desk/tickets/{world['fresh'].pk}/",
    ]


LEAD_PAGES = ["/desk/dashboard/"]  # the SLA dashboard: compliance, medians, breaches, re-classifications


@pytest.mark.parametrize("who", ["tech", "lead"])
def test_every_converted_desk_page_is_fully_marked(client, desk_world, request, pseudo, who):
    client.force_login(request.getfixturevalue(who))
    found = {}
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        for url in _desk_pages(desk_world) + (LEAD_PAGES if who == "lead" else []):
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert OPEN in page, f"{url} was not rendered in the pseudo-locale"
            words = leftover_english(page, data=DESK_DATA + ["blorp"])
            if words:
                found[url] = words
    if who == "lead":  # days later, with the tickets' deadlines missed: the breaches and their reasons
        with time_machine.travel(NOW + timedelta(days=20), tick=False):
            page = client.get("/desk/dashboard/").content.decode()
        assert 'id="breaches"' in page and "/desk/tickets/" in page.split('id="breaches"')[1]
        words = leftover_english(page, data=DESK_DATA)
        if words:
            found["/desk/dashboard/ (breaches)"] = words
    assert found == {}


# --- refusals and API errors worded in Python (README "Languages and time zones") ------------------


def _refusals(world, tech, customer, stranger) -> list[str]:
    """Refusals the services, the policy, the queue's filters and the uploads raise, each read (str) in the
    active language: what a flash message, a form error or an API ``detail`` shows."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.desk.queue import saved_query_clean
    from tickets.policy import TicketError, check_requester, merge_refusal, tag_name
    from tickets.services import tickets_bulk_apply, validate_uploads

    waiting = world["ticket"]
    attempts = [
        lambda: ticket_change_status(ticket=waiting, status=Status.NEW, by=tech, now=NOW),
        lambda: tickets_bulk_apply(action="nonsense", inputs={}, ids=[1], by=tech, now=NOW),
        lambda: tickets_bulk_apply(action="status", inputs={}, ids=[], by=tech, now=NOW),
        lambda: tickets_bulk_apply(
            action="reclassify", inputs={"priority": "high"}, ids=[1], by=tech, now=NOW
        ),
        lambda: tickets_bulk_apply(action="status", inputs={}, ids=[1], by=customer, now=NOW),
        lambda: tag_name("<script>"),
        lambda: saved_query_clean("bogus=1"),
        lambda: saved_query_clean("breaching=-5"),
        lambda: check_requester(requester=stranger, organization=customer.organization),
        lambda: validate_uploads([SimpleUploadedFile("Grmbl.txt", b"")]),
    ]
    said = [merge_refusal(waiting, waiting)]
    for attempt in attempts:
        try:
            attempt()
        except TicketError as exc:
            said.append(str(exc))
        except ValidationError as exc:
            said.extend(exc.messages)
        else:
            raise AssertionError(f"attempt {attempts.index(attempt)} was not refused")
    return [str(s) for s in said]


def test_every_refusal_worded_in_python_is_marked(world, tech, customer, stranger, pseudo):
    with time_machine.travel(NOW, tick=False):
        said = _refusals(world, tech, customer, stranger)
    codes = ["assign", "status", "reclassify", "tag", "incident", "merge", "macro", "bogus", "breaching"]
    data = DATA + codes + [stranger.email, "Grmbl.txt", "<script>", world["ticket"].reference]
    found = {text: leftover_english(text, data=data, html=False) for text in said}
    assert {text: words for text, words in found.items() if words} == {}
    assert all(OPEN in text for text in said)
