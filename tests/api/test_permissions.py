"""The permission matrix: every endpoint and method, for every kind of caller.

Roles: anonymous, the ticket's customer, an organization colleague, a customer of another
organization (the stranger), a technician and an admin. A stranger gets 404 (never 403) for
anything under a ticket they cannot see; a customer gets 403 for a staff action on a ticket
they can see.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.services import saved_view_create

from .conftest import token_client

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "customer", "colleague", "stranger", "tech", "admin"]


def _expect(anonymous, customer, colleague, stranger, tech, admin):
    return dict(zip(ROLES, (anonymous, customer, colleague, stranger, tech, admin), strict=True))


# Shorthands for the common rows.
SCOPED_READ = _expect(401, 200, 200, 404, 200, 200)
STAFF_ACTION = _expect(401, 403, 403, 404, 200, 200)
CUSTOMER_ACTION = _expect(401, 200, 200, 404, 200, 200)
STAFF_ONLY = _expect(401, 403, 403, 403, 200, 200)
SIGNED_IN_READ = _expect(401, 200, 200, 200, 200, 200)
ADMIN_WRITE = lambda ok: _expect(401, 403, 403, 403, 403, ok)  # noqa: E731
PUBLIC = _expect(200, 200, 200, 200, 200, 200)


def _upload():
    return {
        "file": SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    }


def _new_ticket(role, world):
    data = {"subject": "Printer on fire", "description": "Smoke", "priority": "high"}
    if role in ("tech", "admin"):
        data["requester"] = world["customer"].email
    return data


# (name, method, path, body (dict, or callable(role, world)), format, expected status by role)
# fmt: off
MATRIX = [
    ("list tickets", "get", "/api/tickets/", None, None, SIGNED_IN_READ),
    ("open ticket", "post", "/api/tickets/", _new_ticket, "json", _expect(401, 201, 201, 201, 201, 201)),
    ("read ticket", "get", "/api/tickets/{t}/", None, None, SCOPED_READ),
    ("edit ticket", "patch", "/api/tickets/{t}/", {"subject": "Every line down"}, "json", _expect(401, 200, 403, 404, 200, 200)),
    ("assign", "post", "/api/tickets/{t}/assign/", lambda r, w: {"assignee": w["tech"].email}, "json", STAFF_ACTION),
    ("reclassify", "post", "/api/tickets/{t}/reclassify/", {"priority": "high", "reason": "one site only"}, "json", STAFF_ACTION),
    ("resolve", "post", "/api/tickets/{t}/resolve/", {}, "json", STAFF_ACTION),
    ("close", "post", "/api/tickets/{t}/close/", {"reason": "fixed itself"}, "json", CUSTOMER_ACTION),
    ("reopen", "post", "/api/tickets/{resolved}/reopen/", {}, "json", CUSTOMER_ACTION),
    ("escalate", "post", "/api/tickets/{t}/escalate/", {"reason": "still down"}, "json", CUSTOMER_ACTION),
    ("merge", "post", "/api/tickets/{t}/merge/", lambda r, w: {"target": w["other"].pk}, "json", STAFF_ACTION),
    ("list messages", "get", "/api/tickets/{t}/messages/", None, None, SCOPED_READ),
    ("reply", "post", "/api/tickets/{t}/messages/", {"body": "Any news?"}, "json", _expect(401, 201, 201, 404, 201, 201)),
    ("internal note", "post", "/api/tickets/{t}/messages/", {"body": "Check the PBX", "kind": "internal"}, "json",
     _expect(401, 400, 400, 404, 201, 201)),
    ("list attachments", "get", "/api/tickets/{t}/attachments/", None, None, SCOPED_READ),
    ("upload attachment", "post", "/api/tickets/{t}/attachments/", lambda r, w: _upload(), "multipart",
     _expect(401, 201, 201, 404, 201, 201)),
    ("attachment details", "get", "/api/tickets/{t}/attachments/{a}/", None, None, SCOPED_READ),
    ("download attachment", "get", "/api/tickets/{t}/attachments/{a}/download/", None, None, SCOPED_READ),
    ("list events", "get", "/api/tickets/{t}/events/", None, None, SCOPED_READ),
    ("queue", "get", "/api/queue/", None, None, STAFF_ONLY),
    ("tag", "post", "/api/tickets/{t}/tags/", {"add": ["vip"]}, "json", STAFF_ACTION),
    ("list tags", "get", "/api/tags/", None, None, STAFF_ONLY),
    # saved views: {v} is the technician's private view, so the admin (who does not see it) gets 404
    ("list views", "get", "/api/views/", None, None, STAFF_ONLY),
    ("save view", "post", "/api/views/", {"name": "Urgent", "query": "priority=urgent"}, "json", _expect(401, 403, 403, 403, 201, 201)),
    ("read view", "get", "/api/views/{v}/", None, None, _expect(401, 403, 403, 403, 200, 404)),
    ("rename view", "patch", "/api/views/{v}/", {"name": "Renamed"}, "json", _expect(401, 403, 403, 403, 200, 404)),
    ("move view", "post", "/api/views/{v}/move/", {"direction": "up"}, "json", _expect(401, 403, 403, 403, 200, 404)),
    ("delete view", "delete", "/api/views/{v}/", None, None, _expect(401, 403, 403, 403, 204, 404)),
    ("queue of a view", "get", "/api/queue/?view={v}", None, None, _expect(401, 403, 403, 403, 200, 404)),
    ("bulk", "post", "/api/tickets/bulk/", lambda r, w: {"action": "tag", "ids": [w["other"].pk], "add": ["x"]}, "json",
     STAFF_ONLY),
    ("time totals", "get", "/api/time/", None, None, _expect(401, 403, 403, 403, 403, 200)),
    ("reply with time", "post", "/api/tickets/{t}/messages/", {"body": "Trunk reset", "minutes": 15}, "json",
     _expect(401, 400, 400, 404, 201, 201)),
    ("list priorities", "get", "/api/priorities/", None, None, SIGNED_IN_READ),
    ("read priority", "get", "/api/priorities/urgent/", None, None, SIGNED_IN_READ),
    ("create priority", "post", "/api/priorities/", {"slug": "p5", "name": "Planned", "rank": 5}, "json", ADMIN_WRITE(201)),
    ("change priority", "patch", "/api/priorities/normal/", {"name": "Standard"}, "json", ADMIN_WRITE(200)),
    ("replace priority", "put", "/api/priorities/low/", {"slug": "low", "name": "Low", "rank": 4}, "json", ADMIN_WRITE(200)),
    ("delete unused priority", "delete", "/api/priorities/low/", None, None, ADMIN_WRITE(204)),
    ("delete priority in use", "delete", "/api/priorities/urgent/", None, None, ADMIN_WRITE(409)),
    ("list plans", "get", "/api/plans/", None, None, SIGNED_IN_READ),
    ("read plan", "get", "/api/plans/enterprise/", None, None, SIGNED_IN_READ),
    ("create plan", "post", "/api/plans/", {"slug": "bronze", "name": "Bronze"}, "json", ADMIN_WRITE(201)),
    ("change plan", "patch", "/api/plans/enterprise/", {"description": "24x7 for urgent"}, "json", ADMIN_WRITE(200)),
    ("replace plan", "put", "/api/plans/enterprise/", {"slug": "enterprise", "name": "Enterprise"}, "json", ADMIN_WRITE(200)),
    ("delete plan in use", "delete", "/api/plans/enterprise/", None, None, ADMIN_WRITE(409)),
    ("list organizations", "get", "/api/organizations/", None, None, STAFF_ONLY),
    ("read organization", "get", "/api/organizations/1001/", None, None, STAFF_ONLY),
    ("api index", "get", "/api/", None, None, PUBLIC),
    ("schema", "get", "/api/schema/", None, None, PUBLIC),
    ("docs", "get", "/api/docs/", None, None, PUBLIC),
    ("unknown path", "get", "/api/nowhere/", None, None, _expect(404, 404, 404, 404, 404, 404)),
    ("unknown path, written to", "post", "/api/tickets/1/nothing/", {}, "json", _expect(404, 404, 404, 404, 404, 404)),
    ("token", "post", "/api/auth/token/", lambda r, w: {"email": w["customer"].email, "password": "pw"}, "json", PUBLIC),
    ("revoke token", "delete", "/api/auth/token/", None, None, _expect(401, 204, 204, 204, 204, 204)),
]
# fmt: on


@pytest.fixture
def world(
    customer, colleague, stranger, tech, admin_user, ticket, resolved_ticket, colleague_ticket, attachment
):
    return {
        "customer": customer,
        "colleague": colleague,
        "stranger": stranger,
        "tech": tech,
        "admin": admin_user,
        "ticket": ticket,
        "resolved": resolved_ticket,
        "other": colleague_ticket,
        "attachment": attachment,
        "view": saved_view_create(owner=tech, name="Mine", query="view=mine"),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "fmt", "expected"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_permission_matrix(world, role, name, method, path, body, fmt, expected):
    client = token_client(None if role == "anonymous" else world[role])
    url = path.format(
        t=world["ticket"].pk, resolved=world["resolved"].pk, a=world["attachment"].pk, v=world["view"].pk
    )
    kwargs = {}
    if body is not None:
        kwargs["data"] = body(role, world) if callable(body) else body
        kwargs["format"] = fmt
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected[role], (name, role, getattr(response, "data", None))


def test_every_api_route_and_method_is_in_the_matrix():
    """A new endpoint or method without a row here fails, so the matrix cannot go stale."""
    from django.urls import get_resolver, resolve

    def route_methods(match_or_pattern) -> set[str]:
        callback = getattr(match_or_pattern, "func", None) or match_or_pattern.callback
        if getattr(callback, "actions", None):
            return set(callback.actions) - {"head"}  # HEAD mirrors GET
        view_class = callback.view_class
        return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}

    covered = set()
    for _, method, path, *_ in MATRIX:
        match = resolve(path.format(t=1, resolved=1, a=1, v=1).split("?")[0])
        assert method in route_methods(match), path
        covered.add((match.route.replace("api/^", "api/"), method))

    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    every = {
        ("api/" + str(p.pattern).lstrip("^"), m)
        for p in api.url_patterns
        for m in route_methods(p)
        if p.name != "not-found" or m in ("get", "post")
    }
    every |= {("api/schema/", "get"), ("api/docs/", "get")}
    assert every - covered == set()
