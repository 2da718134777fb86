"""Tags over the API: staff read and write them; customers neither see nor filter by them."""

import pytest

from tests.conftest import NOW
from tickets.models import Tag, TicketEvent
from tickets.services import ticket_create, ticket_tags_change

pytestmark = pytest.mark.django_db


def test_staff_read_tags_and_customers_never_see_them(api, tech, customer, ticket):
    ticket_tags_change(ticket=ticket, add=["vip", "outage"], by=tech, now=NOW)
    assert api(tech).get(f"/api/tickets/{ticket.pk}/").json()["tags"] == ["outage", "vip"]
    assert "tags" not in api(customer).get(f"/api/tickets/{ticket.pk}/").json()
    assert api(tech).get("/api/queue/").json()["results"][0]["tags"] == ["outage", "vip"]


def test_staff_add_and_remove_tags_with_an_event_each(api, tech, ticket):
    response = api(tech).post(
        f"/api/tickets/{ticket.pk}/tags/", {"add": ["Outage", "vip"], "remove": []}, format="json"
    )
    assert response.status_code == 200 and response.json()["tags"] == ["outage", "vip"]
    response = api(tech).post(f"/api/tickets/{ticket.pk}/tags/", {"remove": ["vip"]}, format="json")
    assert response.json()["tags"] == ["outage"]
    assert ticket.events.filter(kind=TicketEvent.Kind.TAG_REMOVED, actor=tech).count() == 1


def test_patch_sets_the_whole_list(api, tech, ticket):
    ticket_tags_change(ticket=ticket, add=["a", "b"], by=tech, now=NOW)
    response = api(tech).patch(f"/api/tickets/{ticket.pk}/", {"tags": ["b", "c"]}, format="json")
    assert response.status_code == 200 and response.json()["tags"] == ["b", "c"]


def test_bad_names_and_customers_are_refused(api, tech, customer, ticket):
    bad = api(tech).post(f"/api/tickets/{ticket.pk}/tags/", {"add": ["<x>"]}, format="json")
    assert bad.status_code == 400 and "is not a tag" in str(bad.json())
    assert api(tech).post(f"/api/tickets/{ticket.pk}/tags/", {}, format="json").status_code == 400
    assert (
        api(customer).post(f"/api/tickets/{ticket.pk}/tags/", {"add": ["x"]}, format="json").status_code
        == 403
    )
    patch = api(customer).patch(f"/api/tickets/{ticket.pk}/", {"tags": ["x"]}, format="json")
    assert patch.status_code == 400 and "tags" in patch.json()
    assert not ticket.tags.exists()


def test_the_lists_filter_by_tag_for_staff_only(api, tech, customer, ticket):
    other = ticket_create(requester=customer, subject="Other", now=NOW)
    ticket_tags_change(ticket=other, add=["billing"], by=tech, now=NOW)
    ids = [t["id"] for t in api(tech).get("/api/tickets/?tag=billing").json()["results"]]
    assert ids == [other.pk]
    assert [t["id"] for t in api(tech).get("/api/queue/?tag=billing").json()["results"]] == [other.pk]
    assert api(customer).get("/api/tickets/?tag=billing").status_code == 400


def test_staff_list_tags_with_suggestions_first(api, tech, customer):
    Tag.objects.create(name="zz-suggested", suggested=True)
    Tag.objects.create(name="aa-free")
    assert [t["name"] for t in api(tech).get("/api/tags/").json()] == ["zz-suggested", "aa-free"]
    assert [t["name"] for t in api(tech).get("/api/tags/?prefix=AA").json()] == ["aa-free"]
    assert api(customer).get("/api/tags/").status_code == 403


def test_the_schema_documents_tags(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "tags" in schema["components"]["schemas"]["Ticket"]["properties"]
    assert "/api/tickets/{id}/tags/" in schema["paths"] and "/api/tags/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/queue/"]["get"]["parameters"]}
    assert "tag" in params
