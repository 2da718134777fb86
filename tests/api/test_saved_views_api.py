"""Saved queue views over the API: /api/views/ and the queue's ?view=<id>."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import Team
from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.models import SavedView
from tickets.services import saved_view_create, ticket_assign, ticket_create, ticket_tags_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def voice(tech):
    team = Team.objects.create(name="Voice")
    team.members.add(tech)
    return team


@pytest.fixture
def mate(voice):
    person = StaffFactory(email="mate@helpdesk.test", full_name="Mo Mate")
    voice.members.add(person)
    return person


@pytest.fixture
def outsider(db):
    team = Team.objects.create(name="Data")
    person = StaffFactory(email="olly@helpdesk.test", full_name="Olly Other")
    team.members.add(person)
    return person


def test_a_technician_saves_a_view_shares_it_and_a_teammate_sees_it(api, tech, mate, voice, outsider):
    response = api(tech).post(
        "/api/views/",
        {"name": "Urgent billing", "query": "tag=Billing&priority=urgent&sort=due"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["query"] == "priority=urgent&tag=billing" and body["sort"] == "due"
    assert body["owner"] == tech.email and body["team"] is None and body["editable"] is True
    pk = body["id"]
    assert [v["id"] for v in api(mate).get("/api/views/").json()] == []
    assert api(mate).get(f"/api/views/{pk}/").status_code == 404
    response = api(tech).patch(f"/api/views/{pk}/", {"team": voice.pk}, format="json")
    assert response.status_code == 200 and response.json()["team"] == voice.pk
    seen = api(mate).get("/api/views/").json()
    assert [(v["id"], v["editable"]) for v in seen] == [(pk, False)]
    assert api(outsider).get(f"/api/views/{pk}/").status_code == 404
    # The teammate reads it but neither changes nor deletes it.
    assert api(mate).patch(f"/api/views/{pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert api(mate).delete(f"/api/views/{pk}/").status_code == 403
    assert api(mate).post(f"/api/views/{pk}/move/", {"direction": "up"}, format="json").status_code == 403
    assert SavedView.objects.get(pk=pk).name == "Urgent billing"


def test_bad_filters_and_foreign_teams_are_400s(api, tech, outsider):
    data_team = Team.objects.get(name="Data")
    for body, field in (
        ({"name": "x", "query": "assignee=3"}, "query"),
        ({"name": "x", "query": "status=gone"}, "query"),
        ({"name": "x", "sort": "random"}, "sort"),
        ({"query": "view=mine"}, "name"),
        ({"name": "x", "team": 10**9}, "team"),
        ({"name": "x", "team": data_team.pk}, "non_field_errors"),
    ):
        response = api(tech).post("/api/views/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not SavedView.objects.exists()


def test_the_queue_opens_a_saved_view_and_only_one_the_caller_sees(
    api, tech, mate, voice, outsider, customer, priorities
):
    tickets = [
        ticket_create(
            requester=customer, subject=f"t{i}", priority=priorities["normal"], now=NOW - timedelta(minutes=i)
        )
        for i in range(3)
    ]
    ticket_tags_change(ticket=tickets[0], add=["billing"], remove=[], by=tech, now=NOW)
    ticket_tags_change(ticket=tickets[1], add=["billing"], remove=[], by=tech, now=NOW)
    ticket_assign(ticket=tickets[1], agent=tech, by=tech, now=NOW)
    view = saved_view_create(owner=tech, name="Billing", query="tag=billing", team=voice)
    mine = saved_view_create(owner=tech, name="My billing", query="view=mine&tag=billing")
    ids = lambda who, **q: {t["id"] for t in api(who).get("/api/queue/", q).json()["results"]}  # noqa: E731
    assert ids(tech, view=view.pk) == {tickets[0].pk, tickets[1].pk}
    assert ids(tech, view=mine.pk) == {tickets[1].pk}
    assert ids(mate, view=view.pk) == {tickets[0].pk, tickets[1].pk}  # shared with the team
    assert ids(tech, view=view.pk, unassigned="true") == {tickets[0].pk}  # other filters apply on top
    for who, pk in ((mate, mine.pk), (outsider, view.pk), (tech, mine.pk + 100)):
        assert api(who).get("/api/queue/", {"view": pk}).status_code == 404
    assert api(tech).get("/api/queue/", {"view": "abc"}).status_code == 400
    assert api(customer).get("/api/queue/", {"view": view.pk}).status_code == 403


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_of_a_saved_view_costs_the_same_queries_for_any_page(
    count, tech, customer, priorities, django_assert_num_queries
):
    for i in range(count):
        ticket_create(
            requester=customer, subject=f"t{i}", priority=priorities["normal"], now=NOW - timedelta(minutes=i)
        )
    view = saved_view_create(owner=tech, name="Normal", query="priority=normal&view=unassigned")
    client = APIClient()
    client.force_authenticate(tech)
    # The saved view (one), the page (one), its tags (one), its requesters and assignees (one, by id).
    with django_assert_num_queries(4):
        response = client.get(f"/api/queue/?view={view.pk}&page_size=50")
    assert len(response.json()["results"]) == count


def test_views_are_listed_in_tab_order_and_move(api, tech):
    a, b = (saved_view_create(owner=tech, name=n, query="") for n in "ab")
    response = api(tech).post(f"/api/views/{b.pk}/move/", {"direction": "up"}, format="json")
    assert response.status_code == 200 and response.json()["position"] == 0
    assert [v["name"] for v in api(tech).get("/api/views/").json()] == ["b", "a"]
    assert api(tech).post(f"/api/views/{b.pk}/move/", {"direction": "left"}, format="json").status_code == 400
    assert api(tech).delete(f"/api/views/{a.pk}/").status_code == 204
    assert [v["name"] for v in api(tech).get("/api/views/").json()] == ["b"]


def test_the_schema_documents_views_and_the_queues_view_parameter(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert {"/api/views/", "/api/views/{id}/", "/api/views/{id}/move/"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/views/{id}/"]) == {"get", "patch", "delete"}
    params = {p["name"] for p in schema["paths"]["/api/queue/"]["get"]["parameters"]}
    assert {"view", "q", "tag"} <= params
    assert {"query", "sort", "team", "editable"} <= set(
        schema["components"]["schemas"]["SavedView"]["properties"]
    )


@pytest.mark.parametrize("count", [1, 12])
def test_listing_views_costs_the_same_queries_for_any_number(
    count, tech, mate, voice, django_assert_num_queries
):
    lead = StaffFactory(email="lee@helpdesk.test", full_name="Lee Lead", group="Team leads")
    voice.members.add(lead)
    for i in range(count):
        saved_view_create(owner=tech, name=f"mine {i}", query="")
        saved_view_create(owner=mate, name=f"shared {i}", query="", team=voice)
    for who, rows in ((tech, 2 * count), (lead, count)):
        client = APIClient()
        client.force_authenticate(who)
        # The caller's groups, the views with their teams and owners, and (for a lead) their teams once.
        with django_assert_num_queries(2 if who == tech else 3):
            response = client.get("/api/views/")
        assert len(response.json()) == rows
    assert all(v["editable"] for v in response.json())  # the lead edits the team's shared views
