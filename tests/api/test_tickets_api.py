import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from tests.conftest import NOW
from tickets.models import Channel, Message, Status, Ticket, TicketEvent
from tickets.services import message_add, ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_a_customer_opens_a_ticket_with_a_token_and_gets_its_deadlines(api, customer, plan, at_now):
    response = api(customer).post(
        "/api/tickets/",
        {
            "subject": "Phones down",
            "description": "Since 9am",
            "priority": "urgent",
            "request_fields": {"site": "Leeds"},
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["reference"] == f"HD-{ticket.pk}"
    assert body["channel"] == Channel.API
    assert body["organization"] == "1001"
    assert body["requester"]["email"] == "casey@acme.test"
    assert body["priority"] == "urgent"
    assert body["request_fields"] == {"site": "Leeds"}
    assert body["first_response_due_at"] == "2026-03-06T16:00:00Z"
    assert body["sla_state"] == {
        "state": "due_soon",
        "breached": False,
        "label": "Due soon",
        "target": "first_response",
        "due_at": "2026-03-06T16:00:00Z",
        "seconds": 1800,
    }


def test_staff_open_a_ticket_for_a_customer_named_by_email(api, tech, customer, org, at_now):
    response = api(tech).post(
        "/api/tickets/",
        {
            "subject": "Caller reports outage",
            "requester": "CASEY@acme.test",
            "organization": "1001",
            "channel": "phone",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert (ticket.requester, ticket.organization, ticket.channel) == (customer, org, Channel.PHONE)
    assert ticket.events.get(kind=TicketEvent.Kind.CREATED).actor == tech


@pytest.mark.parametrize(
    ("who", "payload", "field"),
    [
        ("tech", {"subject": "x"}, "requester"),
        ("tech", {"subject": "x", "requester": "nobody@nowhere.test"}, "requester"),
        ("tech", {"subject": "x", "requester": "casey@acme.test", "organization": "2002"}, "requester"),
        ("tech", {"subject": "x", "requester": "casey@acme.test", "organization": "9999"}, "organization"),
        ("customer", {"subject": "x", "organization": "2002"}, "organization"),
        ("customer", {"subject": "x", "requester": "gina@globex.test"}, "requester"),
        ("customer", {"subject": "x", "channel": "phone"}, "channel"),
        ("customer", {"subject": "x", "priority": "does-not-exist"}, "priority"),
        ("customer", {"subject": "x" * 256}, "subject"),
        ("customer", {"subject": {"nested": 1}}, "subject"),
        ("customer", {"description": "no subject"}, "subject"),
        ("customer", {"subject": "x", "request_fields": ["not", "an", "object"]}, "request_fields"),
        ("customer", {"subject": "x", "request_fields": {"deep": {"nested": "object"}}}, "request_fields"),
        ("customer", {"subject": "x", "description": "y" * 100_001}, "description"),
        ("customer", {"subject": "x", "request_fields": {"site": "Le\x00eds"}}, "request_fields"),
        ("customer", {"subject": "x\x00"}, "subject"),
    ],
)
def test_bad_ticket_input_is_a_400_naming_the_field(api, customer, tech, stranger, who, payload, field):
    user = {"tech": tech, "customer": customer}[who]
    response = api(user).post("/api/tickets/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Ticket.objects.exists()


def test_malformed_json_is_a_400_not_a_500(api, customer):
    response = api(customer).post("/api/tickets/", data='{"subject": "x",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_barred_organization_filing_top_priority_is_filed_one_level_lower_and_told_why(api, customer, org):
    org.may_file_top_priority = False
    org.save()
    response = api(customer).post("/api/tickets/", {"subject": "x", "priority": "urgent"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["priority"] == "high"
    event = TicketEvent.objects.get(ticket_id=response.json()["id"], kind=TicketEvent.Kind.PRIORITY)
    assert "instead of Urgent" in event.reason


def test_anonymous_calls_are_told_to_authenticate_with_a_token(client):
    response = client.get("/api/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_authenticated_writes_need_the_csrf_token(customer, priorities):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(customer)
    assert browser.get("/api/tickets/").status_code == 200
    response = browser.post("/api/tickets/", {"subject": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- listing -------------------------------------------------------------------------------------


def test_the_list_is_scoped_to_what_the_caller_may_see(
    api, ticket, colleague_ticket, stranger, colleague, tech
):
    mine = ticket_create(requester=stranger, subject="Globex issue", now=NOW)
    ids = lambda user: {t["id"] for t in api(user).get("/api/tickets/").json()["results"]}  # noqa: E731
    assert ids(stranger) == {mine.pk}
    assert ids(colleague) == {ticket.pk, colleague_ticket.pk}
    assert ids(tech) == {ticket.pk, colleague_ticket.pk, mine.pk}


def test_list_filters(api, tech, customer, stranger, priorities, at_now):
    urgent = ticket_create(
        requester=customer, subject="a", priority=priorities["urgent"], now=NOW - timedelta(hours=2)
    )
    normal = ticket_create(requester=customer, subject="b", priority=priorities["normal"], now=NOW)
    globex = ticket_create(requester=stranger, subject="c", priority=priorities["low"], now=NOW)
    ticket_assign(ticket=normal, agent=tech, by=tech, now=NOW)
    Ticket.objects.filter(pk=urgent.pk).update(updated_at=NOW - timedelta(days=2))

    def ids(query):
        response = api(tech).get("/api/tickets/", query)
        assert response.status_code == 200, response.json()
        return {t["id"] for t in response.json()["results"]}

    assert ids({"priority": "urgent"}) == {urgent.pk}
    assert ids({"status": "open"}) == {normal.pk}
    assert ids({"organization": "2002"}) == {globex.pk}
    assert ids({"assignee": str(tech.pk)}) == ids({"assignee": "TECH@helpdesk.test"}) == {normal.pk}
    assert ids({"breached": "true"}) == {urgent.pk}  # 30 minutes, received two hours ago
    assert ids({"breached": "false"}) == {normal.pk, globex.pk}
    assert ids({"updated_since": (NOW - timedelta(days=1)).isoformat()}) == {normal.pk, globex.pk}


@pytest.mark.parametrize(
    "query", [{"priority": "nope"}, {"status": "lost"}, {"breached": "maybe"}, {"updated_since": "yesterday"}]
)
def test_bad_filters_are_a_400_naming_the_parameter(api, tech, priorities, query):
    response = api(tech).get("/api/tickets/", query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_cursor_pagination_walks_every_ticket_once(api, tech, customer, priorities):
    made = {ticket_create(requester=customer, subject=f"t{i}", now=NOW).pk for i in range(5)}
    seen, url = [], "/api/tickets/?page_size=2"
    while url:
        page = api(tech).get(url).json()
        seen += [t["id"] for t in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=True)
    assert api(tech).get("/api/tickets/?cursor=garbage").status_code == 400


@pytest.mark.parametrize("url", ["/api/tickets/", "/api/queue/"])
@pytest.mark.parametrize("size", ["0", "201", "1000", "ten", "-1"])
def test_a_page_size_outside_1_to_200_is_a_400_not_a_silent_cap(api, tech, customer, priorities, url, size):
    ticket_create(requester=customer, subject="one", now=NOW)
    response = api(tech).get(url, {"page_size": size})
    assert response.status_code == 400
    assert "200" in response.json()["page_size"][0]


def test_pages_carry_the_cursor_so_nobody_parses_a_url(api, tech, customer, priorities):
    made = [ticket_create(requester=customer, subject=f"t{i}", now=NOW).pk for i in range(3)]
    first = api(tech).get("/api/tickets/", {"page_size": 2}).json()
    assert first["previous"] is None and first["previous_cursor"] is None
    second = api(tech).get("/api/tickets/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    assert [t["id"] for t in first["results"] + second["results"]] == made[::-1]
    assert second["next"] is None and second["next_cursor"] is None
    back = api(tech).get("/api/tickets/", {"page_size": 2, "cursor": second["previous_cursor"]}).json()
    assert [t["id"] for t in back["results"]] == [t["id"] for t in first["results"]]  # (sla_state ticks)


def test_a_form_field_edit_is_audited_as_json_values(api, tech, customer, priorities):
    ticket = ticket_create(requester=customer, subject="x", request_fields={"site": "Leeds"}, now=NOW)
    response = api(tech).patch(
        f"/api/tickets/{ticket.pk}/", {"request_fields": {"site": "York", "desks": [1, 2]}}, format="json"
    )
    assert response.status_code == 200
    event = api(tech).get(f"/api/tickets/{ticket.pk}/events/").json()["results"][-1]
    assert event["kind"] == "edited"
    assert json.loads(event["old_value"]) == {"site": "Leeds"}
    assert json.loads(event["new_value"]) == {"site": "York", "desks": [1, 2]}


# --- changing a ticket ---------------------------------------------------------------------------


def test_the_requester_edits_a_new_ticket_and_the_change_is_audited(api, customer, ticket):
    response = api(customer).patch(f"/api/tickets/{ticket.pk}/", {"subject": "All lines down"}, format="json")
    assert response.status_code == 200
    assert response.json()["subject"] == "All lines down"
    event = ticket.events.get(kind=TicketEvent.Kind.EDITED)
    assert (event.old_value, event.new_value, event.actor) == ("Numbers down", "All lines down", customer)


def test_editing_after_staff_started_work_is_a_conflict_until_a_target_is_breached(
    api, customer, tech, ticket
):
    message_add(ticket=ticket, author=tech, body="Looking", now=NOW)
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=timezone.now() + timedelta(days=1))
    response = api(customer).patch(f"/api/tickets/{ticket.pk}/", {"description": "changed"}, format="json")
    assert response.status_code == 409
    assert "once its response time has passed" in response.json()["detail"]
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=timezone.now() - timedelta(minutes=1))
    response = api(customer).patch(f"/api/tickets/{ticket.pk}/", {"description": "changed"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"priority": "low"}, "priority", "reclassify/"),
        ({"status": "closed"}, "status", "Only staff"),
        ({"assignee": None}, "assignee", "Only staff"),
        ({"reference": "HD-1"}, "reference", "cannot be changed"),
        ({}, "non_field_errors", "at least one field"),
    ],
)
def test_a_customer_patch_of_a_field_they_may_not_change_is_a_clear_400(
    api, customer, ticket, payload, field, message
):
    response = api(customer).patch(f"/api/tickets/{ticket.pk}/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_staff_patch_status_and_assignee_through_the_services(api, tech, ticket, at_now):
    response = api(tech).patch(
        f"/api/tickets/{ticket.pk}/", {"status": "waiting", "assignee": tech.email}, format="json"
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.sla_paused_at) == (Status.WAITING, tech, NOW)
    # Waiting pauses the resolution clock; the first response is still owed, so its clock shows.
    assert response.json()["sla_state"]["target"] == "first_response"


def test_an_illegal_status_change_is_a_409_and_changes_nothing(api, tech, ticket):
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    response = api(tech).patch(
        f"/api/tickets/{ticket.pk}/", {"status": "waiting", "subject": "renamed"}, format="json"
    )
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert (ticket.status, ticket.subject) == (Status.CLOSED, "Numbers down")


# --- actions -------------------------------------------------------------------------------------


def test_reclassify_needs_a_reason_and_recomputes_deadlines(api, tech, ticket, at_now):
    url = f"/api/tickets/{ticket.pk}/reclassify/"
    assert api(tech).post(url, {"priority": "normal"}, format="json").json() == {
        "reason": ["This field is required."]
    }
    assert api(tech).post(url, {"priority": "normal", "reason": "   "}, format="json").status_code == 400
    response = api(tech).post(url, {"priority": "normal", "reason": "one user only"}, format="json")
    assert response.status_code == 200
    assert response.json()["priority"] == "normal"
    assert (
        response.json()["first_response_due_at"] == "2026-03-09T11:00:00Z"
    )  # 2 office hours on Friday, 2 on Monday


def test_assign_refuses_a_customer_as_assignee(api, tech, ticket, customer):
    response = api(tech).post(
        f"/api/tickets/{ticket.pk}/assign/", {"assignee": customer.email}, format="json"
    )
    assert response.status_code == 400
    assert "staff" in response.json()["assignee"][0]


def test_resolving_a_closed_ticket_is_a_conflict(api, tech, ticket):
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    response = api(tech).post(f"/api/tickets/{ticket.pk}/resolve/", format="json")
    assert response.status_code == 409
    assert "closed cannot become resolved" in response.json()["detail"]


def test_a_customer_may_not_escalate_before_a_target_is_breached(api, customer, priorities, at_now):
    calm = ticket_create(requester=customer, subject="slow wifi", priority=priorities["low"], now=NOW)
    response = api(customer).post(f"/api/tickets/{calm.pk}/escalate/", {"reason": "hurry"}, format="json")
    assert response.status_code == 409
    assert "breached" in response.json()["detail"]


def test_merge_moves_the_thread_and_answers_the_target(api, tech, ticket, colleague_ticket):
    response = api(tech).post(
        f"/api/tickets/{ticket.pk}/merge/", {"target": colleague_ticket.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == colleague_ticket.pk
    ticket.refresh_from_db()
    assert (ticket.status, ticket.merged_into) == (Status.CLOSED, colleague_ticket)
    itself = api(tech).post(
        f"/api/tickets/{colleague_ticket.pk}/merge/", {"target": colleague_ticket.pk}, format="json"
    )
    assert itself.status_code == 400
    assert (
        api(tech)
        .post(f"/api/tickets/{colleague_ticket.pk}/merge/", {"target": 10**6}, format="json")
        .status_code
        == 400
    )


# --- thread --------------------------------------------------------------------------------------


def test_customers_never_see_internal_notes(api, customer, tech, ticket):
    assert (
        api(tech)
        .post(
            f"/api/tickets/{ticket.pk}/messages/", {"body": "PBX rebooted", "kind": "internal"}, format="json"
        )
        .status_code
        == 201
    )
    reply = api(customer).post(f"/api/tickets/{ticket.pk}/messages/", {"body": "Any news?"}, format="json")
    assert reply.status_code == 201
    assert reply.json()["channel"] == Channel.API
    seen_by_customer = [
        m["body"] for m in api(customer).get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]
    ]
    seen_by_staff = [
        m["body"] for m in api(tech).get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]
    ]
    assert seen_by_customer == ["All lines dead", "Any news?"]
    assert seen_by_staff == ["All lines dead", "PBX rebooted", "Any news?"]


def test_an_empty_reply_is_a_400(api, customer, ticket):
    response = api(customer).post(f"/api/tickets/{ticket.pk}/messages/", {"body": ""}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


def test_customers_see_audit_events_but_not_internal_alerts(api, customer, tech, ticket):
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.ALERT, new_value="paged on-call", created_at=NOW
    )

    def kinds(user):
        return {e["kind"] for e in api(user).get(f"/api/tickets/{ticket.pk}/events/").json()["results"]}

    assert "alert" not in kinds(customer)
    assert {"created", "sla_due"} <= kinds(customer)
    assert "alert" in kinds(tech)


def test_unknown_api_paths_answer_json_404(api, tech):
    response = api(tech).get("/api/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint."}
    assert api(tech).get("/api/tickets/not-a-number/").status_code == 404
    assert api(tech).get("/api/tickets/99999999999999999999999/messages/").status_code == 404


def test_writes_are_throttled_per_user_and_reads_are_not(api, customer, ticket, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "2/min"}}
    cache.clear()
    client = api(customer)
    url = f"/api/tickets/{ticket.pk}/messages/"
    codes = [client.post(url, {"body": f"ping {i}"}, format="json").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert client.get(url).status_code == 200
    assert Message.objects.filter(ticket=ticket, body__startswith="ping").count() == 2


@pytest.mark.parametrize("count", [2, 20])
def test_the_ticket_list_costs_the_same_queries_for_any_page(
    count, customer, priorities, django_assert_num_queries
):
    from rest_framework.test import APIClient

    for i in range(count):
        ticket_create(requester=customer, subject=f"t{i}", now=NOW + timedelta(minutes=i))
    client = APIClient()
    client.force_authenticate(type(customer).objects.get(pk=customer.pk))  # as fresh as a real request's user
    # The customer's organization (does it share tickets?), then one page of tickets with their joins.
    with django_assert_num_queries(2):
        response = client.get("/api/tickets/?page_size=50")
    assert len(response.json()["results"]) == count


def test_nobody_escalates_a_closed_ticket(api, tech, ticket):
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    assert api(tech).post(f"/api/tickets/{ticket.pk}/escalate/", {}, format="json").status_code == 409
    ticket.refresh_from_db()
    assert ticket.escalated_at is None
