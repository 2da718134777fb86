"""Every URL x every role, from the URL resolver itself: a new URL without a row here fails.

Roles: anonymous, the ticket's customer, an organization colleague, another organization's customer,
a technician, an admin, and a colleague who signed up with an Acme address but never verified it
(who sees the "verify your address" page everywhere but the account pages). The API has its own full route x method x role matrix in
tests/api/test_permissions.py (which also fails on an unlisted route), and the portal's per-action
scoping (POSTs, internal notes, sharing off) is in tests/tickets/test_portal_access.py; this file adds
the HTML side as a whole (portal, desk, accounts, health, webhooks), the admin, sequential-id guessing
across portal, desk and API, and "a forbidden object answers exactly like a missing one".
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from automation.models import Macro
from tests.conftest import NOW
from tests.factories import api_key
from tickets.models import Incident
from tickets.services import attachments_save, saved_view_create, ticket_create

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "customer", "colleague", "stranger", "technician", "admin", "unverified")
LOGIN = 302  # anonymous visitors are sent to sign in
# A signed-in account whose address is not verified gets the "verify your address" page instead: a 200
# to read, a 403 for a POST (checked with its text, so it cannot pass for the real page).
VERIFY = "verify"

# name -> (kwargs builder, expected status per role in ROLES order[, "post" for POST-only views, sent
# with an empty form]). The POST rows come last in each group so their effects cannot hide a GET row.
T = lambda w: {"pk": w["mine"].pk}  # noqa: E731
MATRIX: dict[str, tuple] = {
    "healthz": (None, (200, 200, 200, 200, 200, 200, 200)),
    "javascript-catalog": (None, (200,) * 7),  # the scripts' words: public, like the static files
    # the development outbox: 404 for everyone with DEBUG off, as here (tests/helpdesk/test_dev_mail.py)
    "dev_mail": (None, (LOGIN, 404, 404, 404, 404, 404, VERIFY)),
    "login": (None, (200, 302, 302, 302, 302, 302, 302)),  # signed-in people are sent on
    "logout": (None, (405, 405, 405, 405, 405, 405, 405)),  # POST only
    "api-schema": (None, (200,) * 7),  # the API description is public, its data is not
    "api-docs": (None, (200,) * 7),
    "accounts:signup": (None, (200, 302, 302, 302, 302, 302, 302)),
    "accounts:signup_done": (None, (200, 200, 200, 200, 200, 200, 200)),
    "accounts:verify_resend": (None, (405, 405, 405, 405, 405, 405, 405)),
    "accounts:verify_email": (lambda w: {"token": "forged:token"}, (400,) * 7),
    "accounts:profile": (None, (LOGIN, 200, 200, 200, 200, 200, 200)),
    "accounts:password_change": (None, (LOGIN, 200, 200, 200, 200, 200, 200)),
    # "download my data": the page for anyone signed in and verified; the POST exports only your own
    "privacy:my_data": (None, (LOGIN, 200, 200, 200, 200, 200, VERIFY)),
    "accounts:invitations": (
        None,
        (LOGIN, 403, 403, 403, 403, 403, 403),
    ),  # org admins: tests/accounts  # the org's admins only
    "accounts:invitation_accept": (lambda w: {"token": "forged:token"}, (400, 302, 302, 302, 302, 302, 302)),
    # an empty form names no key of yours
    "accounts:token_revoke": (None, (LOGIN, 404, 404, 404, 404, 404, 404), "post"),
    "accounts:login_link": (None, (200, 302, 302, 302, 302, 302, 302)),  # signed-in people are sent on
    "accounts:login_link_use": (lambda w: {"token": "forged:token"}, (400,) * 7),
    # the second step answers only a sign-in waiting for its code; anyone else is sent to sign in
    "accounts:two_factor_signin": (None, (302,) * 7),
    "accounts:two_factor": (None, (LOGIN, 200, 200, 200, 200, 200, 200)),
    "accounts:password_reset": (None, (200,) * 7),
    "accounts:password_reset_done": (None, (200,) * 7),
    "accounts:password_reset_confirm": (lambda w: {"uidb64": "MQ", "token": "set-password"}, (200,) * 7),
    "accounts:password_reset_complete": (None, (200,) * 7),
    # single sign-on (tests/sso): the address form, a start for no provider, a callback no one started
    "sso:choose": (None, (200,) * 7),
    "sso:start": (lambda w: {"slug": "no-such-provider"}, (404,) * 7),
    "sso:callback": (None, (302,) * 7),  # refused: back to the sign-in page with a message
    "desk:queue": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:queue_rows": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:search": (None, (LOGIN, 404, 404, 404, 302, 302, VERIFY)),  # no words: back to the queue
    "desk:queue_csv": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:queue_bulk": (None, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    # saved views: w["view"] is the technician's private view (the admin does not see it: 404); an empty
    # form changes nothing (302), names no direction (400), or deletes it (last of the group)
    "desk:saved_views": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:saved_view_edit": (
        lambda w: {"pk": w["view"].pk},
        (LOGIN, 404, 404, 404, 302, 404, VERIFY),
        "post",
    ),
    "desk:saved_view_move": (
        lambda w: {"pk": w["view"].pk},
        (LOGIN, 404, 404, 404, 400, 404, VERIFY),
        "post",
    ),
    "desk:saved_view_delete": (
        lambda w: {"pk": w["view"].pk},
        (LOGIN, 404, 404, 404, 302, 404, VERIFY),
        "post",
    ),
    "desk:ticket_new": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:ticket_detail": (T, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:ticket_assign": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    # An empty reply: staff see the page again with the error beside the field (nothing typed is lost).
    "desk:ticket_reply": (T, (LOGIN, 404, 404, 404, 400, 400, VERIFY), "post"),
    "desk:ticket_presence": (T, (LOGIN, 404, 404, 404, 200, 200, VERIFY), "post"),
    "automation:macro_review": (
        lambda w: {"pk": w["mine"].pk, "macro_id": w["macro"].pk},
        (LOGIN, 404, 404, 404, 200, 200, VERIFY),
    ),
    "automation:macro_apply": (
        lambda w: {"pk": w["mine"].pk, "macro_id": w["macro"].pk},
        (LOGIN, 404, 404, 404, 302, 302, VERIFY),
        "post",
    ),
    "automation:rules_dry_run": (T, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),  # team leads and admins
    # the macro editor: every technician for their own macros; w["macro"] is global, so an admin's only
    # (tests/automation/test_macro_editor.py has who manages which); the delete comes after its uses above
    "automation:macro_list": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "automation:macro_new": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "automation:macro_edit": (lambda w: {"pk": w["macro"].pk}, (LOGIN, 404, 404, 404, 404, 200, VERIFY)),
    # the rule editor: team leads and admins, as in the admin (tests/automation/test_rule_editor.py)
    "automation:rule_list": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "automation:rule_new": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "automation:rule_edit": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 403, 404, VERIFY)),
    "automation:rule_delete": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 403, 404, VERIFY), "post"),
    "automation:macro_delete": (
        lambda w: {"pk": w["macro"].pk},
        (LOGIN, 404, 404, 404, 404, 302, VERIFY),
        "post",
    ),
    "desk:ticket_status": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    "desk:ticket_reclassify": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    "desk:ticket_merge": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    "desk:ticket_link_incident": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    "desk:ticket_tags": (T, (LOGIN, 404, 404, 404, 302, 302, VERIFY), "post"),
    "desk:attachment_download": (lambda w: {"pk": w["file"].pk}, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "desk:inbound": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),  # held senders and mail: any staff
    "desk:inbound_sender_decide": (
        lambda w: {"pk": 999999},
        (LOGIN, 404, 404, 404, 404, 404, VERIFY),
        "post",
    ),
    "desk:inbound_mail_decide": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 404, 404, VERIFY), "post"),
    "desk:incidents": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),  # team leads and admins
    "desk:incident_detail": (lambda w: {"pk": w["incident"].pk}, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "desk:organization_abuse": (lambda w: {"pk": w["org"].pk}, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "desk:dashboard": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "audit_export": (None, (LOGIN, 404, 404, 404, 404, 200, VERIFY)),  # helpdesk admins only
    "desk:dashboard_csv": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "desk:timesheet": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),  # billing: team leads and admins
    "desk:timesheet_csv": (None, (LOGIN, 404, 404, 404, 403, 200, VERIFY)),
    "portal:ticket_list": (None, (LOGIN, 200, 200, 200, 302, 302, VERIFY)),  # staff are sent to the desk
    "portal:ticket_new": (None, (LOGIN, 200, 200, 200, 302, 302, VERIFY)),
    "portal:ticket_new_type": (
        lambda w: {"slug": "no-such-type"},
        (LOGIN, 404, 404, 404, 302, 302, VERIFY),
    ),  # no such form (it was a 200 only because the factory's customers were unverified)
    "portal:ticket_detail": (T, (LOGIN, 200, 200, 404, 200, 200, VERIFY)),
    "portal:ticket_thread": (T, (LOGIN, 200, 200, 404, 200, 200, VERIFY)),
    "portal:ticket_confirm": (T, (LOGIN, 302, 302, 404, 302, 302, VERIFY), "post"),
    "portal:ticket_close": (T, (LOGIN, 400, 400, 404, 400, 400, VERIFY), "post"),  # a reason is required
    "portal:ticket_reopen": (T, (LOGIN, 302, 302, 404, 302, 302, VERIFY), "post"),
    "portal:ticket_escalate": (T, (LOGIN, 302, 302, 404, 302, 302, VERIFY), "post"),
    "portal:ticket_edit": (
        T,
        (LOGIN, 302, 302, 404, 200, 200, VERIFY),
    ),  # customers: not once answered; staff may correct
    "portal:attachment_download": (
        lambda w: {"pk": w["mine"].pk, "attachment_id": w["file"].pk},
        (LOGIN, 200, 200, 404, 200, 200, VERIFY),
    ),
    "portal:survey": (
        lambda w: {"token": "forged-token"},
        (410,) * 7,
    ),  # as a used link: tests/security/test_email_security.py
    "portal:incident_banner": (None, (200,) * 7),
    # Knowledge base: what each reader sees is tests/kb/test_visibility.py; here, who may enter.
    "kb:index": (None, (200, 200, 200, 200, 200, 200, VERIFY)),
    "kb:article": (lambda w: {"slug": "no-such-article"}, (404, 404, 404, 404, 404, 404, VERIFY)),
    "kb:suggest": (None, (200, 200, 200, 200, 200, 200, VERIFY)),
    "kb:desk_list": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "kb:desk_figures": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "kb:desk_new": (None, (LOGIN, 404, 404, 404, 200, 200, VERIFY)),
    "kb:desk_edit": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 404, 404, VERIFY)),
    "kb:desk_history": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 404, 404, VERIFY)),
    "kb:desk_version": (lambda w: {"pk": 999999, "number": 1}, (LOGIN, 404, 404, 404, 404, 404, VERIFY)),
    "kb:desk_ticket_articles": (
        lambda w: {"ticket_id": w["mine"].pk},
        (LOGIN, 404, 404, 404, 200, 200, VERIFY),
    ),
    "kb:deflect": (None, (LOGIN, 400, 400, 400, 400, 400, VERIFY), "post"),  # an empty form
    "kb:desk_unpublish": (lambda w: {"pk": 999999}, (LOGIN, 404, 404, 404, 404, 404, VERIFY), "post"),
    # a customer's message cannot become an article: staff are sent back to the ticket with the reason
    "kb:desk_from_message": (
        lambda w: {"message_id": w["mine"].messages.first().pk},
        (LOGIN, 404, 404, 404, 302, 302, VERIFY),
        "post",
    ),
}
# Whole namespaces proven elsewhere or below: the API (tests/api/test_permissions.py, which fails on an
# unlisted route), the admin (test_the_admin_is_for_staff_with_permissions below) and anymail's
# webhooks (tests/security/test_email_security.py: no secret, no entry).
ELSEWHERE = ("api:", "admin:", "anymail:", "kb-api:")  # kb-api: tests/kb/test_visibility.py


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}"


def test_every_named_url_has_a_row_in_the_matrix():
    names = {n for n in _names(get_resolver().url_patterns) if not n.startswith(ELSEWHERE)}
    assert names - MATRIX.keys() == set(), "new URLs need a row in MATRIX"
    assert MATRIX.keys() - names == set(), "stale rows"


@pytest.fixture
def world(customer, colleague, stranger, tech, admin_user, unverified, org, priorities, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    normal = priorities["normal"]
    mine = ticket_create(requester=customer, subject="Acme first", priority=normal, now=NOW)
    theirs = ticket_create(requester=stranger, subject="Globex own", priority=normal, now=NOW)
    second = ticket_create(requester=customer, subject="Acme second", priority=normal, now=NOW)
    upload = SimpleUploadedFile("log.txt", b"line 1\n")
    file = attachments_save(
        ticket=mine, message=mine.messages.first(), uploads=[(upload, "text/plain")], by=customer
    )[0]
    upload = SimpleUploadedFile("own.txt", b"own\n")
    own_file = attachments_save(
        ticket=theirs, message=theirs.messages.first(), uploads=[(upload, "text/plain")], by=stranger
    )[0]
    incident = Incident.objects.create(title="Outage", public_status="Investigating", opened_at=NOW)
    macro = Macro.objects.create(name="Note", reply=Macro.Reply.INTERNAL, body="Looked at it.")
    view = saved_view_create(owner=tech, name="Mine", query="view=mine")
    users = {
        "customer": customer,
        "colleague": colleague,
        "stranger": stranger,
        "technician": tech,
        "admin": admin_user,
        "unverified": unverified,
    }
    return {
        "mine": mine,
        "theirs": theirs,
        "second": second,
        "file": file,
        "own_file": own_file,
        "incident": incident,
        "macro": macro,
        "view": view,
        "org": org,
        "users": users,
    }


def _client(world, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_matrix_says(world, role):
    client = _client(world, role)
    seen, wrong = {}, {}
    for name, (kwargs, expected, *method) in MATRIX.items():
        url = reverse(name, kwargs=kwargs(world) if kwargs else None)
        # The tickets were filed at NOW: the views must read the same clock, or every target is long
        # past due (a missed first response stands, and makes the request editable).
        with time_machine.travel(NOW, tick=False):
            response = getattr(client, method[0] if method else "get")(url)
        status, want = response.status_code, expected[ROLES.index(role)]
        if want == VERIFY:
            want = 403 if method else 200
            if "Verify your email address" not in response.content.decode():
                status = "not the verify page"
        seen[name] = status
        if status != want:
            wrong[name] = (status, want)
    assert wrong == {}, f"{role}: (got, expected) {wrong}"


def _normal(body: bytes) -> str:
    return re.sub(r"[A-Za-z0-9]{32,}", "TOKEN", body.decode(errors="replace"))


@pytest.mark.parametrize(
    "name", [n for n, (k, *_) in MATRIX.items() if k is T] + ["portal:attachment_download"]
)
def test_a_strangers_forbidden_ticket_answers_exactly_like_a_missing_one(world, name):
    client = _client(world, "stranger")
    missing = world["second"].pk + 1000
    if name == "portal:attachment_download":
        forbidden = {"pk": world["mine"].pk, "attachment_id": world["file"].pk}
        absent = {"pk": missing, "attachment_id": world["file"].pk + 1000}
    else:
        forbidden, absent = {"pk": world["mine"].pk}, {"pk": missing}
    method = getattr(client, (MATRIX[name][2:] or ("get",))[0])
    a, b = method(reverse(name, kwargs=forbidden)), method(reverse(name, kwargs=absent))
    assert a.status_code == b.status_code == 404
    assert _normal(a.content) == _normal(b.content)


def test_guessing_the_ids_next_to_your_own_ticket_finds_nothing(world, client):
    """The stranger's ticket sits between two of Acme's: ids -1 and +1 are someone else's."""
    theirs, stranger = world["theirs"], world["users"]["stranger"]
    assert world["mine"].pk < theirs.pk < world["second"].pk
    client.force_login(stranger)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(stranger)}")
    for pk in range(max(theirs.pk - 3, 1), theirs.pk + 4):
        own = pk == theirs.pk
        for url in (reverse("portal:ticket_detail", args=[pk]), reverse("portal:ticket_thread", args=[pk])):
            assert client.get(url).status_code == (200 if own else 404), url
        assert client.get(reverse("desk:ticket_detail", args=[pk])).status_code == 404
        for url in (
            f"/api/tickets/{pk}/",
            f"/api/tickets/{pk}/messages/",
            f"/api/tickets/{pk}/events/",
            f"/api/tickets/{pk}/attachments/",
        ):
            assert api.get(url).status_code == (200 if own else 404), url
    for file in range(max(world["own_file"].pk - 3, 1), world["own_file"].pk + 4):
        mine = file == world["own_file"].pk
        url = reverse("portal:attachment_download", args=[theirs.pk, file])
        assert client.get(url).status_code == (200 if mine else 404)
        assert client.get(reverse("desk:attachment_download", args=[file])).status_code == 404
        assert api.get(f"/api/tickets/{theirs.pk}/attachments/{file}/").status_code in (
            (200,) if mine else (404,)
        )
    # Lists and search never show the neighbours either.
    listing = client.get(reverse("portal:ticket_list"), {"q": "Acme"}).content.decode()
    assert "Acme first" not in listing and "Acme second" not in listing
    assert {t["id"] for t in api.get("/api/tickets/").json()["results"]} == {theirs.pk}


ADMIN_MODELS = sorted(
    f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist" for m in admin.site._registry
)


def test_the_admin_is_for_staff_with_permissions(world):
    """Anonymous people and customers are sent to the admin's sign-in; a technician without model
    permissions gets 403 on every model page; the admin sees them all, including a ticket's page."""
    urls = [reverse("admin:index"), *(reverse(n) for n in ADMIN_MODELS)]
    urls.append(reverse("admin:tickets_ticket_change", args=[world["mine"].pk]))
    for role in ("anonymous", "customer", "colleague", "stranger", "unverified"):
        client = _client(world, role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (role, url)
    tech = _client(world, "technician")
    assert tech.get(reverse("admin:index")).status_code == 200
    for url in urls[1:]:
        assert tech.get(url).status_code == 403, url
    boss = _client(world, "admin")
    for url in urls:
        assert boss.get(url).status_code == 200, url


def test_an_unverified_account_reads_nothing_through_the_api_either(world):
    """Every route of the API matrix (tests/api/test_permissions.py) that is not public answers an
    unverified colleague with the same 403 saying the address must be verified."""
    from accounts.identity import UNVERIFIED_DETAIL
    from tests.api.test_permissions import MATRIX as API_MATRIX

    client = _client(world, "unverified")
    for name, method, path, body, _fmt, expected in API_MATRIX:
        if expected["anonymous"] != 401 or path == "/api/auth/token/":
            continue  # public (schema, docs, token exchange), a 404 for everyone, or revoking one's own keys
        url = path.format(
            t=world["mine"].pk, resolved=world["second"].pk, a=world["file"].pk, v=world["view"].pk
        )
        response = getattr(client, method)(url, content_type="application/json", data="{}" if body else None)
        assert response.status_code == 403, (name, response.status_code)
        assert response.json() == {"detail": UNVERIFIED_DETAIL}, name
