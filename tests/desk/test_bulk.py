"""Bulk actions from the queue: each ticket through its own service and transaction, a summary of what
changed and what was refused (and why), never half-applied for a ticket."""

import pytest
from django.urls import reverse

from automation.models import Macro
from notifications.models import Notification
from tests.conftest import NOW
from tickets.models import Status, Ticket, TicketEvent
from tickets.services import (
    BULK_MAX,
    TicketError,
    incident_open,
    ticket_change_status,
    tickets_bulk_apply,
)

pytestmark = pytest.mark.django_db


def ids(*tickets):
    return [t.pk for t in tickets]


def test_reclassify_goes_through_the_service_for_each_ticket_with_its_notice(make_ticket, tech, priorities):
    a, b = make_ticket("a"), make_ticket("b")
    result = tickets_bulk_apply(
        action="reclassify",
        inputs={"priority": "urgent", "reason": "Outage"},
        ids=ids(a, b),
        by=tech,
        now=NOW,
    )
    assert result.changed == ids(a, b) and result.summary() == "2 changed"
    for t in (a, b):
        t.refresh_from_db()
        assert t.priority == priorities["urgent"]
        assert t.events.get(kind=TicketEvent.Kind.PRIORITY).reason == "Outage"
        assert Notification.objects.filter(ticket=t, event="priority_changed").exists()


def test_a_missing_reason_refuses_the_whole_request_before_any_ticket(make_ticket, tech, priorities):
    a = make_ticket("a")
    with pytest.raises(TicketError, match="reason"):
        tickets_bulk_apply(action="reclassify", inputs={"priority": "urgent"}, ids=ids(a), by=tech, now=NOW)
    a.refresh_from_db()
    assert a.priority == priorities["normal"]


def test_refusals_are_counted_with_their_reasons_and_the_rest_still_change(make_ticket, tech, customer):
    a, b, closed = make_ticket("a"), make_ticket("b"), make_ticket("closed")
    ticket_change_status(ticket=closed, status=Status.CLOSED, by=tech, now=NOW)
    result = tickets_bulk_apply(
        action="status", inputs={"status": "waiting"}, ids=[*ids(a, closed, b), 999999], by=tech, now=NOW
    )
    assert result.changed == ids(a, b)
    assert [(r.reference, bool(r.reason)) for r in result.refused] == [
        (closed.reference, True),
        ("#999999", True),
    ]
    assert result.summary().startswith(f"2 changed, 2 refused: {closed.reference}: ")
    assert set(Ticket.objects.filter(pk__in=ids(a, b)).values_list("status", flat=True)) == {"waiting"}


def test_a_ticket_is_never_half_applied(make_ticket, tech, priorities):
    """A macro that tags and then changes the priority without a reason: the tag is rolled back too."""
    macro = Macro.objects.create(name="Half", add_tags="half", set_priority=priorities["urgent"])
    a = make_ticket("a")
    result = tickets_bulk_apply(action="macro", inputs={"macro": str(macro.pk)}, ids=ids(a), by=tech, now=NOW)
    assert result.changed == [] and "no reason" in result.refused[0].reason
    assert not a.tags.exists() and not a.events.filter(kind=TicketEvent.Kind.TAG_ADDED).exists()


def test_merge_into_one_folds_the_others_into_the_target(make_ticket, tech):
    target, a, b = make_ticket("target"), make_ticket("a"), make_ticket("b")
    result = tickets_bulk_apply(
        action="merge", inputs={"target": target.reference}, ids=ids(target, a, b), by=tech, now=NOW
    )
    assert result.refused == []
    assert set(Ticket.objects.filter(merged_into=target).values_list("pk", flat=True)) == set(ids(a, b))


def test_link_to_incident_tag_and_assign(make_ticket, tech, tech2, lead):
    incident = incident_open(title="Trunk down", public_status="Calls fail", by=lead, now=NOW)
    a, b = make_ticket("a"), make_ticket("b")
    tickets_bulk_apply(
        action="incident", inputs={"incident": str(incident.pk)}, ids=ids(a, b), by=tech, now=NOW
    )
    tickets_bulk_apply(action="tag", inputs={"add": "outage, trunk"}, ids=ids(a, b), by=tech, now=NOW)
    tickets_bulk_apply(action="assign", inputs={"assignee": str(tech2.pk)}, ids=ids(a, b), by=tech, now=NOW)
    for t in Ticket.objects.filter(pk__in=ids(a, b)):
        assert t.incident == incident and t.assignee == tech2
        assert sorted(t.tags.values_list("name", flat=True)) == ["outage", "trunk"]


def test_customers_and_oversized_selections_are_refused(make_ticket, customer, tech):
    a = make_ticket("a")
    with pytest.raises(TicketError, match="Only staff"):
        tickets_bulk_apply(action="tag", inputs={"add": "x"}, ids=ids(a), by=customer, now=NOW)
    with pytest.raises(TicketError, match="at most"):
        tickets_bulk_apply(action="tag", inputs={"add": "x"}, ids=range(1, BULK_MAX + 2), by=tech, now=NOW)
    with pytest.raises(TicketError, match="Unknown action"):
        tickets_bulk_apply(action="delete", inputs={}, ids=ids(a), by=tech, now=NOW)


def test_the_queue_applies_to_ticked_rows_and_says_how_it_went(client, tech, make_ticket, frozen):
    a, b, c = make_ticket("a"), make_ticket("b"), make_ticket("c")
    client.force_login(tech)
    response = client.post(
        reverse("desk:queue_bulk"),
        {"ids": ids(a, b), "action": "assign", "assign.assignee": "me", "status.reason": "ignored"},
        follow=True,
    )
    assert "2 changed" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("desk:queue")
    assert set(Ticket.objects.filter(assignee=tech).values_list("pk", flat=True)) == set(ids(a, b))
    c.refresh_from_db()
    assert c.assignee is None


def test_the_bulk_picker_lists_my_team_and_anyone_else_is_typed_by_address(
    client, tech, tech2, team, make_ticket, frozen
):
    from tests.factories import StaffFactory

    outsider = StaffFactory(email="olga@helpdesk.test", full_name="Olga Outside")
    client.force_login(tech)
    picker = (
        client.get(reverse("desk:queue"))
        .content.decode()
        .split('id="bulk-assignee"')[1]
        .split("</select>")[0]
    )
    assert tech2.display_name in picker and "Olga Outside" not in picker
    a = make_ticket("a")
    response = client.post(
        reverse("desk:queue_bulk"),
        {
            "ids": ids(a),
            "action": "assign",
            "assign.assignee": "me",
            "assign.assignee_other": "OLGA@helpdesk.test",
        },
        follow=True,
    )
    assert "1 changed" in response.content.decode()
    a.refresh_from_db()
    assert a.assignee == outsider


def test_select_all_matching_uses_the_queue_filters_and_returns_to_them(client, tech, make_ticket, frozen):
    urgent, normal = make_ticket("u", "urgent"), make_ticket("n")
    client.force_login(tech)
    response = client.post(
        reverse("desk:queue_bulk"),
        {"all_matching": "1", "priority": "urgent", "action": "tag", "tag.add": "hot"},
    )
    assert response.url == reverse("desk:queue") + "?priority=urgent"
    assert list(urgent.tags.values_list("name", flat=True)) == ["hot"] and not normal.tags.exists()


def test_a_bad_bulk_request_changes_nothing_and_says_why(client, tech, make_ticket, frozen):
    a = make_ticket("a")
    client.force_login(tech)
    response = client.post(
        reverse("desk:queue_bulk"),
        {"ids": ids(a), "action": "reclassify", "reclassify.priority": "urgent"},
        follow=True,
    )
    assert "Nothing changed: Give a reason" in response.content.decode()
    assert client.post(reverse("desk:queue_bulk"), {"ids": ["x"], "action": "tag"}).status_code == 302


def test_customers_cannot_post_bulk(client, customer, make_ticket):
    a = make_ticket("a")
    client.force_login(customer)
    assert (
        client.post(reverse("desk:queue_bulk"), {"ids": ids(a), "action": "tag", "tag.add": "x"}).status_code
        == 404
    )
    assert not a.tags.exists()
