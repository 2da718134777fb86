"""Priority levels and plans over the API: a slug names one row, and one row is the default."""

import pytest

from tests.conftest import NOW
from tickets.models import TicketEvent


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/priorities/", {"slug": "p5", "name": "Planned", "rank": 5}),
        ("/api/plans/", {"slug": "basic", "name": "Basic"}),
    ],
)
def test_a_second_default_is_refused_until_the_first_is_unset(api, admin_user, plan, url, body):
    response = api(admin_user).post(url, {**body, "is_default": True}, format="json")
    assert response.status_code == 400
    # The model's unique constraint words it first ("... with this is default already exists"); the
    # serializer's own check (``UniqueSlugOneDefaultMixin.validate_is_default``) backs it up.
    assert response.json()["is_default"]
    assert api(admin_user).post(url, body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("url", "taken", "body", "message"),
    [
        (
            "/api/priorities/",
            "urgent",
            {"name": "Again", "rank": 9},
            "A priority level with this slug exists.",
        ),
        ("/api/plans/", "enterprise", {"name": "Again"}, "A plan with this slug exists."),
    ],
)
def test_a_taken_slug_is_refused_but_a_row_keeps_its_own(api, admin_user, plan, url, taken, body, message):
    response = api(admin_user).post(url, {**body, "slug": taken}, format="json")
    assert response.status_code == 400
    assert response.json()["slug"] == [message]
    assert api(admin_user).patch(f"{url}{taken}/", {"slug": taken}, format="json").status_code == 200


def test_customers_see_the_sla_timeline_over_the_api_but_not_staff_alerts(api, customer, ticket):
    ticket.events.create(kind=TicketEvent.Kind.SLA_BREACHED, new_value="first_response", created_at=NOW)
    ticket.events.create(kind=TicketEvent.Kind.SLA_WARNING, new_value="first_response", created_at=NOW)
    kinds = {e["kind"] for e in api(customer).get(f"/api/tickets/{ticket.id}/events/").json()["results"]}
    assert {TicketEvent.Kind.CREATED, TicketEvent.Kind.SLA_BREACHED} <= kinds
    assert TicketEvent.Kind.SLA_WARNING not in kinds
